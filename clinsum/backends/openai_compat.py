"""OpenAI and any OpenAI-compatible server (vLLM, llama.cpp server, LM Studio), via the ``openai`` client.

The API key comes only from ``clinsum.secrets.get_secret("OPENAI_API_KEY")`` (environment or
``.streamlit/secrets.toml``): it is never taken from a config, logged, or stored. It is
required for ``openai`` and optional for ``openai-compatible``.

Config: ``base_url`` (``openai-compatible``: default ``$OPENAI_BASE_URL``; a URL without a
path gets ``/v1``), ``max_retries`` (default 2), ``stream_usage`` (ask for token counts at the
end of a stream; default True). Options: ``temperature``, ``top_p``, ``max_tokens``, ``seed``,
``stop``; compatible servers also get ``top_k`` and ``repetition_penalty`` (vLLM names) in
the request body. What a server cannot honour is listed in ``meta["ignored"]``.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar
from urllib.parse import urlsplit

from clinsum.backends.base import (
    BACKENDS,
    Backend,
    GenerationOptions,
    GenerationResult,
    Message,
    Stream,
    StreamState,
    timed_result,
    with_thinking,
)
from clinsum.errors import BackendUnavailable
from clinsum.privacy.gate import guard
from clinsum.secrets import get_secret

OPENAI_URL = "https://api.openai.com/v1"
KEY_NAME = "OPENAI_API_KEY"
_CHAT_PREFIXES = ("gpt-", "o1", "o3", "o4", "chatgpt-")


def normalize_base_url(url: str) -> str:
    """``http://host:8000`` → ``http://host:8000/v1``; other paths are kept as given."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    return url + "/v1" if urlsplit(url).path in ("", "/") else url


class _OpenAIBase(Backend):
    """Shared by ``openai`` and ``openai-compatible``; subclasses say how URL and key are found."""

    key_required: ClassVar[bool] = True
    extended_sampling: ClassVar[bool] = False  # top_k / repetition_penalty in the body
    server_setting = "base_url"

    @classmethod
    def settings_key(cls) -> str:
        """A digest of the API key (never the key itself)."""
        import hashlib

        key = get_secret(KEY_NAME)
        return hashlib.sha256(key.encode()).hexdigest()[:12] if key else ""

    def __init__(self, model: str, **config: Any) -> None:
        if "api_key" in config:
            raise BackendUnavailable(
                "API keys are not accepted in a backend configuration (they would be stored).",
                hint=f"Set {KEY_NAME} in the environment or in .streamlit/secrets.toml.",
            )
        super().__init__(model, **config)
        self.base_url = self.resolve_base_url(config)

    # -- subclass hooks ---------------------------------------------------------------------
    @classmethod
    def resolve_base_url(cls, config: dict[str, Any]) -> str:
        raise NotImplementedError

    # -- helpers ----------------------------------------------------------------------------
    @classmethod
    def _make_client(cls, base_url: str, timeout: float, max_retries: int):
        import openai

        key = get_secret(KEY_NAME)
        if not key and cls.key_required:
            raise BackendUnavailable(
                f"No OpenAI API key: the '{cls.name}' backend needs one.",
                hint=f"Set {KEY_NAME} in the environment or in .streamlit/secrets.toml.",
            )
        return openai.OpenAI(
            base_url=base_url, api_key=key or "no-key-needed", max_retries=max_retries,
            timeout=openai.Timeout(timeout, connect=min(timeout, 5.0)),
        )

    def _client(self, timeout: float):
        retries = int(self.config.get("max_retries", 2))
        return self.cached_client(timeout, lambda: self._make_client(self.base_url, timeout, retries))

    def request_body(self, messages: list[Message], options: GenerationOptions,
                     stream: bool) -> tuple[dict[str, Any], list[str]]:
        """(keyword arguments for ``chat.completions.create``, settings not honoured)."""
        greedy = options.decoding == "greedy"
        body: dict[str, Any] = {"model": self.model, "messages": messages,
                                "temperature": 0.0 if greedy else options.temperature,
                                "max_tokens": options.max_new_tokens}
        if options.top_p is not None:
            body["top_p"] = options.top_p
        if options.seed is not None:
            body["seed"] = options.seed
        if options.stop:
            body["stop"] = list(options.stop)
        ignored: list[str] = []
        extra: dict[str, Any] = {}
        for name, value in (("top_k", options.top_k),
                            ("repetition_penalty", options.repetition_penalty)):
            if value is None:
                continue
            if self.extended_sampling:
                extra[name] = value
            else:
                ignored.append(name)
        if options.num_beams and options.num_beams > 1:
            ignored.append("num_beams")
        if extra:
            body["extra_body"] = extra
        if stream:
            body["stream"] = True
            if self.config.get("stream_usage", True):
                body["stream_options"] = {"include_usage": True}
        return body, ignored

    def _finish(self, raw: str, started: float, first: float | None, usage: Any,
                finish_reason: str | None, ignored: list[str]) -> GenerationResult:
        result = timed_result(self, raw, started, first)
        if usage is not None:
            result.prompt_tokens = usage.prompt_tokens
            result.completion_tokens = usage.completion_tokens
        result.meta.update(base_url=self.base_url, finish_reason=finish_reason, ignored=ignored)
        return result

    # -- Backend API ------------------------------------------------------------------------
    def generate(self, messages: list[Message], options: GenerationOptions) -> GenerationResult:
        gated = guard(self.base_url, messages, backend=self.name, model=self.model)  # privacy gate
        body, ignored = self.request_body(gated.messages, options, stream=False)
        started = time.perf_counter()
        with translate_errors(self.name, self.base_url, self.model, options.timeout):
            response = self._client(options.timeout).chat.completions.create(**body)
        if not response.choices:
            raise BackendUnavailable(f"The server at {self.base_url} returned no answer.",
                                     hint="Try again; check the server log if it persists.")
        choice = response.choices[0]
        raw = with_thinking(getattr(choice.message, "reasoning_content", None),
                            choice.message.content or "")
        return gated.restored(self._finish(raw, started, None, response.usage, choice.finish_reason, ignored))

    def stream(self, messages: list[Message], options: GenerationOptions) -> Stream:
        gated = guard(self.base_url, messages, backend=self.name, model=self.model)  # privacy gate
        body, ignored = self.request_body(gated.messages, options, stream=True)
        state = StreamState()

        def pieces() -> Iterator[str]:
            with translate_errors(self.name, self.base_url, self.model, options.timeout, state):
                for chunk in self._client(options.timeout).chat.completions.create(**body):
                    state.received = True
                    if chunk.usage is not None:
                        state.usage = chunk.usage
                    for choice in chunk.choices:
                        state.finish = choice.finish_reason or state.finish
                        state.think(getattr(choice.delta, "reasoning_content", None))
                        if (text := state.text(choice.delta.content)) is not None:
                            yield text

        def finish(text: str) -> GenerationResult:
            return gated.restored(self._finish(state.raw(text), state.started, state.first, state.usage,
                                               state.finish, ignored))

        return Stream(pieces(), finish)

    @classmethod
    def list_models(cls, **config: Any) -> list[str]:
        base_url = cls.resolve_base_url(config)
        timeout = float(config.get("timeout", 5.0))
        with translate_errors(cls.name, base_url, None, timeout):
            models = [m.id for m in cls._make_client(base_url, timeout, 0).models.list()]
        return sorted(models)

    @classmethod
    def status(cls, **config: Any) -> tuple[bool, str]:
        try:
            base_url = cls.resolve_base_url(config)
            models = cls.list_models(**{"timeout": 2.0, **config})
        except BackendUnavailable as exc:
            return False, exc.message
        shown = ", ".join(models[:8]) + (" …" if len(models) > 8 else "")
        return True, f"{base_url}: {shown or 'no models listed'}"

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.model, "base_url": self.base_url}


@BACKENDS.register("openai")
class OpenAIBackend(_OpenAIBase):
    name = "openai"
    label = "OpenAI API (cloud)"
    needs = (f"An OpenAI API key in {KEY_NAME} (environment or .streamlit/secrets.toml) and "
             "internet access. Records leave this machine: use de-identified text only.")
    default_concurrency = 4
    preference = 3

    @classmethod
    def resolve_base_url(cls, config: dict[str, Any]) -> str:
        return normalize_base_url(str(config.get("base_url") or OPENAI_URL))

    @classmethod
    def list_models(cls, **config: Any) -> list[str]:
        return [m for m in super().list_models(**config) if m.startswith(_CHAT_PREFIXES)]

    def request_body(self, messages: list[Message], options: GenerationOptions,
                     stream: bool) -> tuple[dict[str, Any], list[str]]:
        body, ignored = super().request_body(messages, options, stream)
        body["max_completion_tokens"] = body.pop("max_tokens")
        return body, ignored


@BACKENDS.register("openai-compatible")
class OpenAICompatibleBackend(_OpenAIBase):
    name = "openai-compatible"
    label = "OpenAI-compatible server (vLLM, llama.cpp, LM Studio)"
    needs = ("A server speaking the OpenAI Chat Completions API, e.g. vLLM "
             "(http://127.0.0.1:8000/v1), llama.cpp server (:8080/v1) or LM Studio (:1234/v1): "
             "give its base URL or set OPENAI_BASE_URL. A key (OPENAI_API_KEY) only if it asks.")
    key_required = False
    extended_sampling = True
    default_concurrency = 2
    preference = 2

    @classmethod
    def server_config(cls) -> dict[str, Any]:
        url = os.environ.get("OPENAI_BASE_URL")
        return {cls.server_setting: url} if url else {}

    @classmethod
    def settings_key(cls) -> str:
        return os.environ.get("OPENAI_BASE_URL", "") + "|" + super().settings_key()

    @classmethod
    def resolve_base_url(cls, config: dict[str, Any]) -> str:
        url = str(config.get("base_url") or os.environ.get("OPENAI_BASE_URL") or "")
        if not url.strip():
            raise BackendUnavailable(
                "No address for the OpenAI-compatible server.",
                hint="Give its base URL (e.g. http://127.0.0.1:8000/v1) or set OPENAI_BASE_URL.",
            )
        return normalize_base_url(url)


def _transport_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """(transport errors, timeouts) of the HTTP libraries ``openai`` may be built on.

    Older ``openai`` releases use ``httpx``, newer ones ``httpx2``; a failure the client does not
    wrap in its own errors comes from whichever is installed.
    """
    transport: list[type[Exception]] = []
    timeouts: list[type[Exception]] = []
    for name in ("httpx", "httpx2"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        transport.append(module.TransportError)
        timeouts.append(module.TimeoutException)
    return tuple(transport), tuple(timeouts)


@contextmanager
def translate_errors(backend: str, base_url: str, model: str | None, timeout: float,
                     progress: StreamState | None = None) -> Iterator[None]:
    """Turn ``openai`` and transport failures into :class:`BackendUnavailable` (no key in text).

    ``progress.received`` true means a stream had started: a connection error is then a
    connection lost mid-answer, not a server that is down.
    """
    import openai

    transport_errors, timeouts = _transport_errors()
    try:
        yield
    except (openai.APIConnectionError, *transport_errors) as exc:
        if progress is not None and progress.received:
            raise BackendUnavailable(
                f"The connection to {base_url} was lost while receiving the answer "
                f"({type(exc).__name__}).",
                hint="The server may have stopped or restarted; try again.",
            ) from None
        if isinstance(exc, (openai.APITimeoutError, *timeouts)):
            raise BackendUnavailable(
                f"The server at {base_url} did not answer within {timeout:g} s.",
                hint="Raise the timeout, use a smaller model, or check the server is not busy.",
                key="error.timeout", server=str(base_url), seconds=f"{timeout:g}",
            ) from None
        raise BackendUnavailable(
            f"The server at {base_url} is not reachable.",
            hint="Check that it is running and the base URL is right (clinsum backends).",
            key="error.server_down", server=str(base_url),
        ) from None
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        raise BackendUnavailable(
            f"The server at {base_url} rejected the API key ({exc.status_code}).",
            hint=f"Check {KEY_NAME} in the environment or .streamlit/secrets.toml.",
        ) from None
    except openai.NotFoundError:
        raise BackendUnavailable(
            f"The model '{model}' is not available at {base_url}.",
            hint=f"List the models with `clinsum models {backend}`.",
        ) from None
    except openai.RateLimitError:
        raise BackendUnavailable(
            f"The server at {base_url} refused the request: rate limit or quota reached (429).",
            hint="Wait a minute, lower the grid concurrency, or check the account's quota.",
        ) from None
    except openai.APIStatusError as exc:
        detail = getattr(exc, "message", "") or ""
        raise BackendUnavailable(
            f"The server at {base_url} answered with an error ({exc.status_code}): {detail}",
            hint="Check the request (context length, model name) and the server log.",
        ) from None
    except openai.APIError as exc:
        raise BackendUnavailable(
            f"The connection to {base_url} was lost while receiving the answer "
            f"({type(exc).__name__}).",
            hint="The server may have stopped or restarted; try again.",
        ) from None
