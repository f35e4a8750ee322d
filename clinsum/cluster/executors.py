"""Run one grid cell somewhere: on a thread of the job (local) or on a Ray actor (cluster).

A :class:`CellTask` carries everything a cell needs (the record, the endpoint, the settings),
so a worker never writes results to the workspace (the job does); it opens it read-only for
prompts and knowledge bases when the path is visible there (same machine or a shared folder),
else runs without it (built-in prompts). The one thing a worker writes is the privacy gate's
send log, for a send it gates, where the workspace is visible (elsewhere the log stays on it). :func:`run_cell_task` returns a :class:`CellOutcome` (the result or the
error); the job stores it. On Ray each endpoint is a named actor (one per server, shared by
the jobs running on the cluster at the same time; it ends with the process that started it,
which keeps it warm for its next grids) that serves at most the server's concurrency of calls
at once; a local model's actor asks for a GPU, and runs on CPU, saying so in the log, when
the cluster has none.
"""

from __future__ import annotations

import json
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinsum.backends.base import Backend, GenerationOptions
from clinsum.cluster.endpoints import Endpoint, uses_local_model
from clinsum.errors import BackendUnavailable, ClinsumError
from clinsum.records import Record
from clinsum.store.scrub import scrub_text
from clinsum.strategies.base import SummaryResult

SETTINGS_TTL_S = 5.0  # a worker reads a workspace's privacy settings at most this often
#: endpoint actors this process holds, by (cluster, endpoint id): an actor lives while its
#: handle does, so the grids of one process share them warm instead of starting them anew
_ACTORS: dict[tuple[str, str], Any] = {}


@dataclass
class CellTask:
    """What a worker needs to run one cell."""

    key: str
    record: Record
    endpoint: Endpoint
    adapter: str | None
    strategy: str
    options: GenerationOptions
    params: dict[str, Any] = field(default_factory=dict)
    language: str | None = None
    workspace: str | None = None


@dataclass
class CellOutcome:
    """A cell's summary, or why it failed (``unavailable``: the endpoint's server failed)."""

    result: SummaryResult | None = None
    error: str | None = None
    unavailable: bool = False
    worker: str = ""


class BackendCache:
    """One backend instance per endpoint and model, shared by the cells of a worker."""

    def __init__(self) -> None:
        self._backends: dict[str, Backend] = {}
        self._lock = threading.Lock()

    def get(self, task: CellTask) -> Backend:
        from clinsum.generation import make_backend

        ep = task.endpoint
        key = json.dumps([ep.backend, ep.model, task.adapter, sorted(ep.config.items())], default=str)
        with self._lock:
            if key not in self._backends:
                self._backends[key] = make_backend(ep.backend, ep.model, task.adapter, ep.config)
            return self._backends[key]


def run_cell_task(task: CellTask, backends: BackendCache, store: Any) -> CellOutcome:
    """Summarize the task's record; every failure becomes the outcome's error (scrubbed)."""
    from clinsum.generation import summarize

    worker = f"{os.uname().nodename}:{os.getpid()}"
    try:
        result = summarize(store, task.record, backends.get(task), task.endpoint.model, task.strategy,
                           task.options, params=task.params, language=task.language)
        return CellOutcome(result=result, worker=worker)
    except ClinsumError as exc:
        return CellOutcome(error=scrub_text(str(exc)), unavailable=isinstance(exc, BackendUnavailable),
                           worker=worker)
    except Exception as exc:  # noqa: BLE001 - a crash in one cell is recorded, the grid goes on
        return CellOutcome(error=scrub_text(f"{type(exc).__name__}: {exc}"), worker=worker)


class LocalExecutor:
    """Cells on threads of this process (the default: no cluster)."""

    name = "local"

    def __init__(self, store: Any, max_workers: int) -> None:
        self.store = store
        self.backends = BackendCache()
        self.pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="grid-cell")

    def submit(self, task: CellTask) -> Future:
        return self.pool.submit(run_cell_task, task, self.backends, self.store)

    def is_lost(self, exc: BaseException) -> bool:
        return False

    def close(self) -> None:
        self.pool.shutdown(wait=True)


class EndpointWorker:
    """The Ray actor of one endpoint: runs cells on its threads, keeps backends warm.

    It may serve the jobs of several workspaces (the actor belongs to the server): each cell's
    privacy gate reads the settings of the cell's own workspace, at most once every
    :data:`SETTINGS_TTL_S` per workspace, so cells do not queue behind the job's writes."""

    def __init__(self) -> None:
        self.backends = BackendCache()
        self._workspaces: dict[str, tuple[float, Any, Any]] = {}
        self._lock = threading.Lock()

    def workspace(self, path: str | None) -> tuple[Any, Any]:
        """(store, privacy settings) of the workspace at ``path``; (None, None) when this
        worker does not see it."""
        from clinsum.privacy.settings import load_settings
        from clinsum.store import DB_NAME, Store

        if not path or not (Path(path) / DB_NAME).exists():
            return None, None
        now = time.monotonic()
        with self._lock:
            read_at, store, settings = self._workspaces.get(path, (None, None, None))
        if read_at is None or now - read_at > SETTINGS_TTL_S:
            store = store or Store(path)
            settings = load_settings(store)
            with self._lock:
                self._workspaces[path] = (now, store, settings)
        return store, settings

    def run(self, task: CellTask) -> CellOutcome:
        """One cell; the privacy gate uses the job's workspace settings (and logs sends there)
        when this worker sees it, else applies its defaults (every host outside loopback
        de-identified)."""
        store, settings = self.workspace(task.workspace)
        if store is None:
            return run_cell_task(task, self.backends, None)
        from clinsum.privacy.gate import sending

        with sending(store, settings=settings):
            return run_cell_task(task, self.backends, store)

    def pid(self) -> int:
        return os.getpid()


def lost_errors(ray: Any) -> tuple[type[BaseException], ...]:
    """Ray's errors meaning the worker (not the cell) failed: the cell is run again."""
    names = ("RayActorError", "ActorDiedError", "ActorUnavailableError", "WorkerCrashedError",
             "ObjectLostError", "OwnerDiedError", "NodeDiedError")
    return tuple(getattr(ray.exceptions, n) for n in names if hasattr(ray.exceptions, n))


class RayExecutor:
    """Cells on the endpoint actors of a Ray cluster (joined once per process)."""

    name = "ray"

    def __init__(self, address: str, log: Any = None) -> None:
        from clinsum.cluster import NAMESPACE, connect

        self.ray = connect(address)
        self.namespace = NAMESPACE
        self.log = log
        self.gpus = float(self.ray.cluster_resources().get("GPU", 0))
        self._lost = lost_errors(self.ray)
        self.cluster = address
        self._warned_gpu = False
        self._remote = self.ray.remote(EndpointWorker)

    def actor(self, endpoint: Endpoint) -> Any:
        """The endpoint's actor (held by this process, found by name on the cluster, or started)."""
        key = (self.cluster, endpoint.id)
        if key in _ACTORS:
            return _ACTORS[key]
        gpus = 0
        if uses_local_model(endpoint.backend):
            gpus = 1 if self.gpus >= 1 else 0
            if not gpus and not self._warned_gpu and self.log is not None:
                self._warned_gpu = True
                self.log(event="cluster_no_gpu", backend=endpoint.backend, model=endpoint.model,
                         message="the cluster has no GPU: the local model runs on a CPU worker")
        handle = self._remote.options(
            name=f"clinsum-endpoint-{endpoint.id}", namespace=self.namespace, get_if_exists=True,
            lifetime=None, max_concurrency=2 * endpoint.concurrency + 1, num_cpus=0, num_gpus=gpus,
            max_restarts=-1).remote()
        _ACTORS[key] = handle
        return handle

    def submit(self, task: CellTask) -> Future:
        return self.actor(task.endpoint).run.remote(task).future()

    def is_lost(self, exc: BaseException) -> bool:
        return isinstance(exc, self._lost)

    def forget(self, endpoint: Endpoint) -> None:
        """Look the endpoint's actor up again next time (after it died)."""
        _ACTORS.pop((self.cluster, endpoint.id), None)

    def close(self) -> None:
        """Nothing to end: the actors stay warm for this process's next grid and end with it."""


def make_executor(address: str | None, store: Any, max_workers: int, log: Any = None):
    """A :class:`RayExecutor` when ``address`` is set, else a :class:`LocalExecutor`."""
    if address:
        return RayExecutor(address, log)
    return LocalExecutor(store, max_workers)
