"""The prompting-strategy interface, its result types, and the strategy registry.

A strategy turns a record into a summary with one or more LLM calls ("stages"). It
implements :meth:`Strategy.prepare`, which runs every stage but the last (recording each in
the context) and returns the messages of the final stage; :meth:`Strategy.run` then calls
the backend once more and :meth:`Strategy.stream` streams that final stage instead.
Independent calls (sections, retrieval queries) go through :meth:`StrategyContext.call_many`,
which runs them on threads while :func:`backend_slots` bounds how many calls one backend
serves at once. A backend that cannot follow instructions (``generative = False``, the
extractive one) gets a single call with the record text, labelled as such.

Register a strategy with ``STRATEGIES.register("name", MyStrategy())``; look one up with
:func:`get_strategy`, which falls back to the workspace's user-defined strategies.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from clinsum.backends.base import Backend, GenerationOptions, GenerationResult, Message
from clinsum.backends.base import backend_concurrency as configured_concurrency
from clinsum.errors import InputError
from clinsum.privacy.gate import in_language
from clinsum.registry import Registry

if TYPE_CHECKING:
    from clinsum.records import Record
    from clinsum.store import Store

EXTRACTIVE_STAGE = "extractive"


@dataclass
class Stage:
    """One LLM call: what was sent, what came back, how long it took."""

    name: str
    messages: list[Message]
    output: str = ""
    raw: str = ""
    seconds: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_result(cls, name: str, messages: list[Message], result: GenerationResult,
                    seconds: float) -> Stage:
        return cls(name, messages, result.text, result.raw, round(seconds, 4),
                   result.prompt_tokens, result.completion_tokens, dict(result.meta))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SummaryResult:
    """A finished summary and everything needed to reproduce and judge it."""

    text: str
    raw: str
    strategy: str
    prompt_version: str
    language: str
    backend: str
    model: str
    stages: list[Stage] = field(default_factory=list)
    retrieval: list[dict[str, Any]] = field(default_factory=list)  # passages, with distances
    total_seconds: float = 0.0  # the strategy's own time: waits for a free backend slot excluded
    notes: list[str] = field(default_factory=list)  # e.g. "extractive: strategy not applied"
    slot_wait_seconds: float = 0.0  # time spent with every call waiting for a free slot
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def timings(self) -> dict[str, float]:
        """Seconds per stage (stages sharing a name are summed) plus ``total``."""
        out: dict[str, float] = {}
        for stage in self.stages:
            out[stage.name] = round(out.get(stage.name, 0.0) + stage.seconds, 4)
        out["total"] = round(self.total_seconds, 4)
        return out

    @property
    def prompt_tokens(self) -> int | None:
        values = [s.prompt_tokens for s in self.stages if s.prompt_tokens is not None]
        return sum(values) if values else None

    @property
    def completion_tokens(self) -> int | None:
        values = [s.completion_tokens for s in self.stages if s.completion_tokens is not None]
        return sum(values) if values else None

    @property
    def prompts(self) -> list[dict[str, Any]]:
        """The messages sent, stage by stage."""
        return [{"stage": s.name, "messages": s.messages} for s in self.stages]

    @property
    def extractive(self) -> bool:
        return any(s.name == EXTRACTIVE_STAGE for s in self.stages)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(timings=self.timings, prompt_tokens=self.prompt_tokens,
                    completion_tokens=self.completion_tokens, extractive=self.extractive)
        return data


# -- concurrency -----------------------------------------------------------------------------
_slots: dict[tuple[str, str], threading.BoundedSemaphore] = {}
_slots_guard = threading.Lock()


def backend_concurrency(backend: Backend) -> int:
    """How many calls ``backend`` serves at once (see :func:`clinsum.backends.base.backend_concurrency`)."""
    return configured_concurrency(backend.name, backend.config)


def backend_slots(backend: Backend) -> threading.BoundedSemaphore:
    """The semaphore shared by every call to the same backend server in this process."""
    setting = backend.server_setting  # the config key naming its server (host, base_url, ...)
    where = str(backend.config.get(setting) or "") if setting else ""
    key = (f"{backend.name}:{where}", str(backend_concurrency(backend)))
    with _slots_guard:
        if key not in _slots:
            _slots[key] = threading.BoundedSemaphore(backend_concurrency(backend))
        return _slots[key]


def run_concurrently(funcs: list[Callable[[], Any]], max_workers: int) -> list[Any]:
    """Call each function on a thread pool; results in order; the first error is raised."""
    if len(funcs) <= 1 or max_workers <= 1:
        return [f() for f in funcs]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(funcs))) as pool:
        futures = [pool.submit(f) for f in funcs]
        return [f.result() for f in futures]


# -- context ---------------------------------------------------------------------------------
@dataclass
class StrategyContext:
    """What a strategy works with; stages it runs are collected in ``stages``."""

    record: Record
    backend: Backend
    options: GenerationOptions = field(default_factory=GenerationOptions)
    language: str = "es"
    store: Store | None = None
    on_stage: Callable[[Stage], None] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    stages: list[Stage] = field(default_factory=list)
    retrieval: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    slot_wait_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _waiting: int = field(default=0, repr=False)
    _running: int = field(default=0, repr=False)
    _blocked_since: float | None = field(default=None, repr=False)

    def call(self, name: str, messages: list[Message]) -> Stage:
        """One LLM call (inside the backend's concurrency bound), recorded as a stage; its
        seconds start once a slot is free (the wait is counted in ``slot_wait_seconds``)."""
        with self.slot(), in_language(self.language):
            started = time.perf_counter()
            result = self.backend.generate(messages, self.options)
        stage = Stage.from_result(name, messages, result, time.perf_counter() - started)
        self.record_stage(stage)
        return stage

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the backend's slots; time during which this context's calls all wait
        (none running) is added to ``slot_wait_seconds``, so it is not counted as inference."""
        self._slot_state(waiting=1)
        acquired = False
        try:
            with self.released(), backend_slots(self.backend):
                acquired = True
                self._slot_state(waiting=-1, running=1)
                try:
                    yield
                finally:
                    self._slot_state(running=-1)
        finally:
            if not acquired:
                self._slot_state(waiting=-1)

    def _slot_state(self, waiting: int = 0, running: int = 0) -> None:
        with self._lock:
            now = time.perf_counter()
            if self._blocked_since is not None:
                self.slot_wait_seconds += now - self._blocked_since
                self._blocked_since = None
            self._waiting += waiting
            self._running += running
            if self._waiting > 0 and self._running == 0:
                self._blocked_since = now

    def call_many(self, calls: list[tuple[str, list[Message]]]) -> list[Stage]:
        """Independent calls run concurrently (bounded per backend); stages in input order."""
        workers = int(self.params.get("max_parallel") or backend_concurrency(self.backend))
        with self.released():  # this thread waits for the model: it holds no connection meanwhile
            return run_concurrently([lambda n=n, m=m: self.call(n, m) for n, m in calls], workers)

    def released(self) -> AbstractContextManager[None]:
        """The workspace's shared connection closed for a model call (see ``Store.released``)."""
        return self.store.released() if self.store is not None else nullcontext()

    def record_stage(self, stage: Stage) -> None:
        with self._lock:
            self.stages.append(stage)
        if self.on_stage is not None:
            self.on_stage(stage)


class SummaryStream:
    """Iterate for the final stage's text pieces; afterwards ``result`` is the SummaryResult."""

    def __init__(self, pieces: Iterator[str]) -> None:
        self._pieces = pieces
        self.result: SummaryResult | None = None

    def __iter__(self) -> Iterator[str]:
        yield from self._pieces


# -- strategies ------------------------------------------------------------------------------
class Strategy:
    """Base class: override :meth:`prepare` (and set name, version, label, description)."""

    name: str = ""
    version: str = "1"
    label: str = ""
    description: str = ""
    final_stage: str = "summary"
    builtin: bool = True
    #: whether it looks passages up in a knowledge base (pages then show the RAG settings)
    retrieves: bool = False

    def calls_per_record(self, record: Record | None = None, params: dict[str, Any] | None = None) -> int | None:
        """LLM calls one record takes (None when it depends on a record that is not given)."""
        return 1

    def prompt_version(self, ctx: StrategyContext) -> str:
        """What identifies the prompts used, e.g. ``template/es@1``."""
        return f"{self.name}/{ctx.language}@{self.version}"

    def prepare(self, ctx: StrategyContext) -> list[Message]:
        """Run every stage but the last; return the final stage's messages."""
        raise NotImplementedError

    # -- running ---------------------------------------------------------------------------
    def run(self, ctx: StrategyContext) -> SummaryResult:
        started = time.perf_counter()
        name, messages = self._final(ctx)
        stage = ctx.call(name, messages)
        return self._result(ctx, stage, started)

    def stream(self, ctx: StrategyContext) -> SummaryStream:
        """Earlier stages run on the first ``next``; the final stage streams."""
        started = time.perf_counter()

        def pieces() -> Iterator[str]:
            name, messages = self._final(ctx)
            with ctx.slot(), in_language(ctx.language):
                t0 = time.perf_counter()
                stream = ctx.backend.stream(messages, ctx.options)
                yield from stream
            stage = Stage.from_result(name, messages, stream.result, time.perf_counter() - t0)
            ctx.record_stage(stage)
            holder.result = self._result(ctx, stage, started)

        holder = SummaryStream(pieces())
        return holder

    def _final(self, ctx: StrategyContext) -> tuple[str, list[Message]]:
        if not ctx.record.text.strip():
            raise InputError("The record is empty: there is nothing to summarize.",
                             hint="Paste or pick a record with text.", key="error.record_empty")
        if not ctx.backend.generative:
            ctx.notes.append("extractive: the backend selects sentences; the strategy's prompts are not used")
            return EXTRACTIVE_STAGE, [{"role": "user", "content": ctx.record.text}]
        return self.final_stage, self.prepare(ctx)

    def _result(self, ctx: StrategyContext, final: Stage, started: float) -> SummaryResult:
        extractive = final.name == EXTRACTIVE_STAGE
        return SummaryResult(
            text=final.output, raw=final.raw, strategy=self.name,
            prompt_version=EXTRACTIVE_STAGE if extractive else self.prompt_version(ctx),
            language=ctx.language, backend=ctx.backend.name, model=ctx.backend.model,
            stages=list(ctx.stages), retrieval=list(ctx.retrieval),
            total_seconds=round(max(time.perf_counter() - started - ctx.slot_wait_seconds, 0.0), 4),
            notes=list(ctx.notes), slot_wait_seconds=round(ctx.slot_wait_seconds, 4),
        )


STRATEGIES: Registry[Strategy] = Registry("strategy")


def get_strategy(name: str, store: Store | None = None) -> Strategy:
    """Kept for callers of the old place: :func:`clinsum.strategies.get_strategy`."""
    from clinsum.strategies import get_strategy as lookup

    return lookup(name, store)
