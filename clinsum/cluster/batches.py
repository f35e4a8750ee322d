"""Batch work (scoring, embedding) locally or as Ray tasks, results in order.

:class:`BatchRunner` runs a module-level function over batches: locally it calls it at once;
on a cluster it submits Ray tasks (at most ``depth`` in flight, so a job can write one batch
while the next ones compute) and hands results back in submission order. A task that asks
for a GPU gets one where the cluster has one (``num_gpus=1``), else runs on a CPU. Ray runs a
task again when its worker dies (``max_retries``), so a killed worker loses nothing; the same
function on the same batch gives the same values as the local path.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

TASK_RETRIES = 3  # Ray runs a task again this many times when its worker dies


class BatchRunner:
    """Submit ``fn(*args)`` batches here or on a Ray cluster; ``result`` in submission order."""

    def __init__(self, address: str | None = None, *, gpu: bool = False, depth: int | None = None) -> None:
        self.address = address
        self.ray = None
        self.depth = 0
        if address:
            from clinsum.cluster import connect

            self.ray = connect(address)
            resources = self.ray.cluster_resources()
            self.num_gpus = 1 if gpu and resources.get("GPU", 0) >= 1 else 0
            self.depth = depth if depth is not None else max(2, int(resources.get("CPU", 1)))
        self._remote: dict[Callable, Any] = {}

    @property
    def engine(self) -> str:
        return "ray" if self.ray is not None else "local"

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """A handle for ``fn(*args)``: the value itself locally, a Ray object ref on a cluster."""
        if self.ray is None:
            return fn(*args)
        if fn not in self._remote:
            self._remote[fn] = self.ray.remote(fn).options(
                num_cpus=1, num_gpus=self.num_gpus, max_retries=TASK_RETRIES, retry_exceptions=False)
        return self._remote[fn].remote(*args)

    def result(self, handle: Any) -> Any:
        return self.ray.get(handle) if self.ray is not None else handle

    def map(self, fn: Callable[..., Any], batches: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        """``fn(*batch)`` for each batch, in order, ``depth`` batches computing ahead."""
        waiting: deque[Any] = deque()
        for batch in batches:
            waiting.append(self.submit(fn, *batch))
            while len(waiting) > self.depth:
                yield self.result(waiting.popleft())
        while waiting:
            yield self.result(waiting.popleft())
