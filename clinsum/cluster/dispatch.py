"""Hand cells to the endpoints of their model and collect what comes back.

At most ``2 × concurrency`` cells of an endpoint are in flight (one spare per slot, so a cell
is handed over while the previous one's result travels back; the endpoint's own slots still
bound its calls). A cell whose worker died (a killed Ray worker) is run again, at most
:data:`CELL_RETRIES` times; a cell whose server failed takes that endpoint out and is run on
another healthy one. Each finished cell goes to ``on_result`` exactly once.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from typing import Any

from clinsum.cluster.endpoints import Endpoint, EndpointPool
from clinsum.cluster.executors import CellOutcome, CellTask
from clinsum.store.scrub import scrub_text

CELL_RETRIES = 3   # runs of a cell lost with its worker before it is stored as an error
POLL_S = 0.25      # how often a stop is looked for while every cell is in flight


@dataclass
class Work:
    """One cell to run: its key, the pool of its model, and how to make its task."""

    key: str
    cell: Any
    pool: EndpointPool
    make_task: Callable[[Endpoint], CellTask]


def dispatch(
    work: list[Work],
    executor: Any,
    on_result: Callable[[Any, Endpoint, CellOutcome], None],
    should_stop: Callable[[], bool],
    log: Callable[..., None] | None = None,
) -> bool:
    """Run every item of ``work``; True when a stop left some cells not run."""
    queues: dict[int, deque[Work]] = {}
    pools: dict[int, EndpointPool] = {}
    for item in work:
        queues.setdefault(id(item.pool), deque()).append(item)
        pools[id(item.pool)] = item.pool
    inflight: dict[Any, tuple[Work, Endpoint]] = {}
    attempts: Counter[str] = Counter()
    stopping = False
    while True:
        stopping = stopping or should_stop()
        if not stopping:
            for pid, queue in queues.items():
                while queue:
                    endpoint = pools[pid].acquire()
                    if endpoint is None:
                        break
                    item = queue.popleft()
                    inflight[executor.submit(item.make_task(endpoint))] = (item, endpoint)
        if not inflight:
            break
        done, _ = wait(list(inflight), timeout=POLL_S, return_when=FIRST_COMPLETED)
        for future in done:
            item, endpoint = inflight.pop(future)
            item.pool.release(endpoint)
            outcome = _outcome(future, item, endpoint, executor, attempts, log)
            if outcome is None:
                queues[id(item.pool)].appendleft(item)
                continue
            was_healthy = endpoint.healthy
            if outcome.unavailable and item.pool.take_out(endpoint):
                if log is not None and was_healthy:
                    log(event="endpoint_out", endpoint=endpoint.where, model=endpoint.model,
                        error=outcome.error)
                queues[id(item.pool)].appendleft(item)
                continue
            on_result(item.cell, endpoint, outcome)
    return stopping and any(queues.values())


def _outcome(future: Any, item: Work, endpoint: Endpoint, executor: Any, attempts: Counter[str],
             log: Callable[..., None] | None) -> CellOutcome | None:
    """The cell's outcome, or None when its worker was lost and it should run again."""
    try:
        return future.result()
    except BaseException as exc:  # noqa: BLE001 - a lost worker or a crash, never the grid's end
        lost = executor.is_lost(exc)
        if lost:
            getattr(executor, "forget", lambda _e: None)(endpoint)
        if lost and attempts[item.key] < CELL_RETRIES:
            attempts[item.key] += 1
            if log is not None:
                log(event="cell_lost", key=item.key, endpoint=endpoint.where, attempt=attempts[item.key],
                    error=scrub_text(f"{type(exc).__name__}: {exc}")[:300])
            return None
        return CellOutcome(error=scrub_text(f"{type(exc).__name__}: {exc}"))
