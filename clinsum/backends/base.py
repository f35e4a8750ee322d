"""The one interface every LLM backend implements, and the backend registry.

A backend turns chat messages into text. ``generate`` returns a :class:`GenerationResult`;
``stream`` yields text pieces as they come and leaves the final result on the returned
:class:`Stream`. Backends raise :class:`~clinsum.errors.BackendUnavailable` with a message a
person can act on (server down, model not pulled, key missing, timeout), never a raw
library exception. Register a backend with ``@BACKENDS.register("name")``.
"""

from __future__ import annotations

import os
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from clinsum.registry import Registry

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}

_THINK_RE = re.compile(r"<(think|thinking|reasoning)>.*?(</\1>|\Z)", re.DOTALL | re.IGNORECASE)


@dataclass
class GenerationOptions:
    """Decoding settings; a backend ignores what it cannot do and says so in ``meta``."""

    temperature: float = 0.2
    top_p: float | None = None
    top_k: int | None = None
    num_beams: int | None = None
    repetition_penalty: float | None = None
    max_new_tokens: int = 1024
    seed: int | None = None
    stop: list[str] | None = None
    do_sample: bool | None = None  # None: sample when temperature > 0
    timeout: float = 600.0

    @property
    def decoding(self) -> str:
        """A short label: greedy, beam, top_k, top_p or sample."""
        if self.num_beams and self.num_beams > 1:
            return "beam"
        if self.do_sample is False or (self.do_sample is None and self.temperature <= 0):
            return "greedy"
        if self.top_k:
            return "top_k"
        if self.top_p and self.top_p < 1:
            return "top_p"
        return "sample"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class GenerationResult:
    text: str                       # shown and scored: reasoning blocks stripped
    raw: str                        # exactly what the model produced
    backend: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds: total, first_token, ...
    meta: dict[str, Any] = field(default_factory=dict)


class Stream:
    """Iterate to get text pieces; afterwards ``result`` holds the :class:`GenerationResult`."""

    def __init__(self, pieces: Iterator[str], finish: Callable[[str], GenerationResult]) -> None:
        self._pieces = pieces
        self._finish = finish
        self.result: GenerationResult | None = None

    def __iter__(self) -> Iterator[str]:
        collected: list[str] = []
        try:
            for piece in self._pieces:
                collected.append(piece)
                yield piece
        finally:  # a reader that stops early closes the producer (ends a local generation)
            close = getattr(self._pieces, "close", None)
            if close is not None:
                close()
        self.result = self._finish("".join(collected))


def with_thinking(thinking: str | None, content: str) -> str:
    """The raw answer, with reasoning a server returned separately put back as ``<think>``."""
    return f"<think>{thinking}</think>\n{content}" if thinking else content


@dataclass
class StreamState:
    """What a streamed answer has collected so far, the same for every streaming backend: when
    its first text came, its reasoning pieces, whether anything arrived, and what the server
    sent at the end (a final message, token usage, a finish reason)."""

    started: float = field(default_factory=time.perf_counter)
    first: float | None = None
    thinking: list[str] = field(default_factory=list)
    received: bool = False  # a connection error after this is "interrupted", not "unreachable"
    final: Any = None
    usage: Any = None
    finish: str | None = None

    def text(self, piece: str | None) -> str | None:
        """``piece`` when it is text to yield (the first one's time is kept), else None."""
        self.received = True
        if not piece:
            return None
        if self.first is None:
            self.first = time.perf_counter()
        return piece

    def think(self, piece: str | None) -> None:
        self.received = True
        if piece:
            self.thinking.append(piece)

    def raw(self, text: str) -> str:
        """The whole raw answer: the streamed text with the reasoning put back."""
        return with_thinking("".join(self.thinking), text)


class Backend(ABC):
    """A configured model behind some server or library."""

    name: ClassVar[str] = ""
    #: English label and needs for the CLI; pages show the catalogue's ``label_key``/``needs_key``
    #: (``backends.<name>.label``/``.needs``, whose English text must equal these)
    label: ClassVar[str] = ""
    #: what a person needs for this backend to work (shown when it is unavailable)
    needs: ClassVar[str] = ""
    #: True for real language models; the extractive backend says False
    generative: ClassVar[bool] = True
    #: calls one server serves at once unless configured (``concurrency``, $CLINSUM_CONCURRENCY_<NAME>)
    default_concurrency: ClassVar[int] = 2
    #: whether a person may raise the concurrency (False where one process runs the model)
    concurrency_tunable: ClassVar[bool] = True
    #: rank among available backends when a page picks a default (lower first; None: never)
    preference: ClassVar[int | None] = None
    #: the config key naming its server (``host``, ``base_url``): what ``server_config`` fills
    #: and each of a grid's ``endpoints`` replaces; None: it has no server
    server_setting: ClassVar[str | None] = None
    #: True where the model runs in the calling process (a cluster gives such cells a GPU)
    local_model: ClassVar[bool] = False

    @classmethod
    def label_key(cls) -> str:
        return f"backends.{cls.name}.label"

    @classmethod
    def needs_key(cls) -> str:
        return f"backends.{cls.name}.needs"

    @classmethod
    def server_config(cls) -> dict[str, Any]:
        """Where this process reaches the server (e.g. ``{"host": ...}``), written into GRID.toml
        so the CLI reaches the same one; {} when nothing is needed."""
        return {}

    @classmethod
    def settings_key(cls) -> str:
        """What availability depends on besides code (a host, a URL, a key digest): a changed
        value makes cached statuses stale. Never the secret itself."""
        return ""

    def __init__(self, model: str, **config: Any) -> None:
        self.model = model
        self.config = config
        self._clients: dict[Any, Any] = {}
        self._clients_lock = threading.Lock()

    def step(self, name: str, **info: Any) -> None:
        """Say that step ``name`` of a call starts (``config["progress"]``, when given, is called
        with it and its details; pages draw ``summarize.step.<name>``): for the waits of a
        single-stage run, e.g. loading a model, embedding, selecting, generating."""
        progress = self.config.get("progress")
        if progress:
            progress(name, **info)

    def cached_client(self, key: Any, make: Callable[[], Any]) -> Any:
        """The client made by ``make`` for ``key`` (e.g. a timeout), made once: parallel calls
        asking together share it instead of each building one (TLS set-up, a new pool)."""
        with self._clients_lock:
            if key not in self._clients:
                self._clients[key] = make()
            return self._clients[key]

    @abstractmethod
    def generate(self, messages: list[Message], options: GenerationOptions) -> GenerationResult:
        """The whole answer at once."""

    def stream(self, messages: list[Message], options: GenerationOptions) -> Stream:
        """Pieces as they come (default: the whole answer as one piece)."""
        holder: dict[str, GenerationResult] = {}

        def pieces() -> Iterator[str]:
            holder["r"] = self.generate(messages, options)
            yield holder["r"].text

        return Stream(pieces(), lambda _text: holder["r"])

    @classmethod
    def list_models(cls, **config: Any) -> list[str]:
        """Models this backend can use right now (may raise BackendUnavailable)."""
        return []

    @classmethod
    def status(cls, **config: Any) -> tuple[bool, str]:
        """(available, a line saying what was found or what is missing)."""
        try:
            models = cls.list_models(**config)
        except Exception as exc:  # noqa: BLE001 - a status line, never an exception
            return False, str(exc)
        return True, f"{len(models)} model(s)" if models else "available"

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.model}


BACKENDS: Registry[type[Backend]] = Registry("backend")


def backend_concurrency(name: str, config: dict[str, Any] | None = None) -> int:
    """How many calls the backend ``name`` serves at once: its ``concurrency`` config,
    ``$CLINSUM_CONCURRENCY_<NAME>``, or the backend's ``default_concurrency``."""
    import clinsum.backends  # noqa: F401 - registers the built-in backends

    default = BACKENDS.get(name).default_concurrency if name in BACKENDS else 2
    configured = (config or {}).get("concurrency")
    if configured is None:
        configured = os.environ.get(f"CLINSUM_CONCURRENCY_{name.upper()}")
    try:
        return max(1, int(configured)) if configured is not None else default
    except (TypeError, ValueError):
        return default


def get_backend(name: str, model: str, **config: Any) -> Backend:
    """An instance of the backend registered as ``name``."""
    import clinsum.backends  # noqa: F401 - registers the built-in backends

    return BACKENDS.get(name)(model, **config)


def strip_reasoning(raw: str) -> str:
    """Remove ``<think>…</think>`` style blocks (deepseek-r1, qwen3) from what is shown and scored."""
    return _THINK_RE.sub("", raw or "").strip()


def timed_result(
    backend: Backend, raw: str, started: float, first_token: float | None = None, **extra: Any
) -> GenerationResult:
    """A result with ``total`` (and ``first_token``) timings measured from ``started``."""
    timings = {"total": round(time.perf_counter() - started, 4)}
    if first_token is not None:
        timings["first_token"] = round(first_token - started, 4)
    return GenerationResult(
        text=strip_reasoning(raw), raw=raw, backend=backend.name, model=backend.model,
        timings=timings, **extra,
    )
