"""Ollama: local models served by ``ollama serve`` (host from ``OLLAMA_HOST``), via the ``ollama`` client.

Config: ``host`` (default ``$OLLAMA_HOST`` or http://127.0.0.1:11434), ``keep_alive``
(e.g. ``"5m"``), ``think`` (ask reasoning models to separate their reasoning). Options map to
Ollama's: ``num_predict``, ``temperature``, ``top_p``, ``top_k``, ``repeat_penalty``,
``seed``, ``stop``; beams are not supported by Ollama and are reported in ``meta["ignored"]``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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

_NS = 1e-9


def default_host() -> str:
    """``$OLLAMA_HOST`` (a scheme added when missing) or http://127.0.0.1:11434."""
    host = os.environ.get("OLLAMA_HOST", "http://127.0.0.1:11434").strip()
    if "://" not in host:
        host = "http://" + host
    return host.rstrip("/")


def ollama_options(options: GenerationOptions) -> tuple[dict[str, Any], list[str]]:
    """(Ollama ``options`` for the request, names of the settings Ollama cannot honour)."""
    sent: dict[str, Any] = {"num_predict": options.max_new_tokens}
    greedy = options.decoding == "greedy"
    sent["temperature"] = 0.0 if greedy else options.temperature
    if options.top_p is not None:
        sent["top_p"] = options.top_p
    if options.top_k is not None:
        sent["top_k"] = options.top_k
    if options.repetition_penalty is not None:
        sent["repeat_penalty"] = options.repetition_penalty
    if options.seed is not None:
        sent["seed"] = options.seed
    if options.stop:
        sent["stop"] = list(options.stop)
    ignored = ["num_beams"] if options.num_beams and options.num_beams > 1 else []
    return sent, ignored


@BACKENDS.register("ollama")
class OllamaBackend(Backend):
    name = "ollama"
    label = "Ollama (local server)"
    needs = ("An Ollama server: install it from ollama.com, run `ollama serve` (or set "
             "OLLAMA_HOST), and pull a model, e.g. `ollama pull phi4`.")
    default_concurrency = 2
    preference = 1
    server_setting = "host"

    @classmethod
    def server_config(cls) -> dict[str, Any]:
        return {cls.server_setting: default_host()}

    @classmethod
    def settings_key(cls) -> str:
        return os.environ.get("OLLAMA_HOST", "")

    def __init__(self, model: str, **config: Any) -> None:
        super().__init__(model, **config)
        self.host = str(config.get("host") or default_host())

    # -- helpers ----------------------------------------------------------------------------
    def _client(self, timeout: float):
        return self.cached_client(timeout, lambda: make_client(self.host, timeout))

    def _request(self, messages: list[Message], options: GenerationOptions,
                 stream: bool) -> tuple[dict[str, Any], list[str]]:
        sent, ignored = ollama_options(options)
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "options": sent,
                                  "stream": stream}
        if self.config.get("keep_alive") is not None:
            kwargs["keep_alive"] = self.config["keep_alive"]
        if self.config.get("think") is not None:
            kwargs["think"] = bool(self.config["think"])
        return kwargs, ignored

    def _result(self, raw: str, started: float, first: float | None, final: Any,
                sent: dict[str, Any], ignored: list[str]) -> GenerationResult:
        result = timed_result(self, raw, started, first)
        if final is not None:
            result.prompt_tokens = getattr(final, "prompt_eval_count", None)
            result.completion_tokens = getattr(final, "eval_count", None)
            for key, attr in (("load", "load_duration"), ("prompt_eval", "prompt_eval_duration"),
                              ("eval", "eval_duration"), ("server_total", "total_duration")):
                value = getattr(final, attr, None)
                if value:
                    result.timings[key] = round(value * _NS, 4)
            result.meta["done_reason"] = getattr(final, "done_reason", None)
        result.meta.update(host=self.host, options=sent, ignored=ignored)
        return result

    # -- Backend API ------------------------------------------------------------------------
    def generate(self, messages: list[Message], options: GenerationOptions) -> GenerationResult:
        gated = guard(self.host, messages, backend=self.name, model=self.model)  # privacy gate
        kwargs, ignored = self._request(gated.messages, options, stream=False)
        started = time.perf_counter()
        with translate_errors(self.host, self.model, options.timeout):
            response = self._client(options.timeout).chat(**kwargs)
        raw = with_thinking(response.message.thinking, response.message.content or "")
        return gated.restored(self._result(raw, started, None, response, kwargs["options"], ignored))

    def stream(self, messages: list[Message], options: GenerationOptions) -> Stream:
        gated = guard(self.host, messages, backend=self.name, model=self.model)  # privacy gate
        kwargs, ignored = self._request(gated.messages, options, stream=True)
        state = StreamState()

        def pieces() -> Iterator[str]:
            with translate_errors(self.host, self.model, options.timeout):
                for part in self._client(options.timeout).chat(**kwargs):
                    state.think(part.message.thinking)
                    if (text := state.text(part.message.content)) is not None:
                        yield text
                    if part.done:
                        state.final = part

        def finish(text: str) -> GenerationResult:
            return gated.restored(self._result(state.raw(text), state.started, state.first, state.final,
                                               kwargs["options"], ignored))

        return Stream(pieces(), finish)

    @classmethod
    def list_models(cls, **config: Any) -> list[str]:
        host = str(config.get("host") or default_host())
        timeout = float(config.get("timeout", 5.0))
        with translate_errors(host, None, timeout):
            listed = make_client(host, timeout).list()
        return sorted(m.model for m in listed.models if m.model)

    @classmethod
    def status(cls, **config: Any) -> tuple[bool, str]:
        host = str(config.get("host") or default_host())
        try:
            models = cls.list_models(**{"timeout": 1.5, **config})
        except BackendUnavailable as exc:
            return False, exc.message
        if not models:
            return True, f"running at {host}, no models pulled (ollama pull phi4)"
        return True, f"{host}: " + ", ".join(models)

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.model, "host": self.host}


def make_client(host: str, timeout: float):
    import httpx
    import ollama

    return ollama.Client(host=host, timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)))


@contextmanager
def translate_errors(host: str, model: str | None, timeout: float) -> Iterator[None]:
    """Turn client and transport failures into :class:`BackendUnavailable` a person can act on."""
    import httpx
    import ollama

    down_hint = "Start it with `ollama serve` (install from ollama.com), or set OLLAMA_HOST."
    try:
        yield
    except ollama.ResponseError as exc:
        if exc.status_code == 404 and model and "not found" in str(exc.error).lower():
            raise BackendUnavailable(
                f"The model '{model}' is not pulled on the Ollama server at {host}.",
                hint=f"Run `ollama pull {model}` and try again.", command=f"ollama pull {model}",
                key="error.ollama_model", model=model, host=host,
            ) from None
        raise BackendUnavailable(
            f"Ollama at {host} answered with an error ({exc.status_code}): {exc.error}",
            hint="Check the server log (`ollama serve`), or try again in a moment.",
        ) from None
    except ConnectionError:
        raise BackendUnavailable(f"The Ollama server is not reachable at {host}.",
                                 hint=down_hint, key="error.ollama_down", host=host) from None
    except httpx.ConnectError:
        raise BackendUnavailable(f"The Ollama server is not reachable at {host}.",
                                 hint=down_hint, key="error.ollama_down", host=host) from None
    except httpx.TimeoutException:
        raise BackendUnavailable(
            f"Ollama at {host} did not answer within {timeout:g} s.",
            hint="Raise the timeout, use a smaller model, or check that the server is not busy.",
            key="error.timeout", server=f"Ollama ({host})", seconds=f"{timeout:g}",
        ) from None
    except httpx.TransportError as exc:
        raise BackendUnavailable(
            f"The connection to Ollama at {host} was lost while receiving the answer "
            f"({type(exc).__name__}).",
            hint="The server may have stopped or restarted; check `ollama serve` and try again.",
        ) from None
