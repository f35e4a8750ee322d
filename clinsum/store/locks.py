"""Workspace locks: many readers or one writer, across threads and processes, writers first.

DuckDB itself allows, across processes, either any number of read-only opens or one
read-write open of a database file. :class:`WorkspaceLock` mirrors that with ``flock``: a
reader holds ``.clinsum.lock`` shared, a writer exclusive. A writer first takes the
turnstile ``.clinsum.turn`` exclusively, and readers pass through it before locking, so a
stream of overlapping readers cannot starve a waiting writer. Inside one process a
:class:`ReadWriteLock` does the same for threads (DuckDB refuses a read-only and a
read-write open of one file in the same process), serving threads in the order they asked.

Every wait and hold is measured: :func:`lock_stats` gives the longest of this process, so
benchmarks and the soak can report them.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LOCK_NAME = ".clinsum.lock"
TURNSTILE_NAME = ".clinsum.turn"

_stats_guard = threading.Lock()
_stats: dict[str, Any] = {}


def reset_lock_stats() -> None:
    """Forget the waits and holds measured so far in this process."""
    with _stats_guard:
        _stats.clear()
        _stats.update(longest_wait_s=0.0, longest_wait_mode="", longest_hold_s=0.0,
                      longest_hold_mode="", acquisitions=0)


def lock_stats() -> dict[str, Any]:
    """The longest wait for and hold of the workspace lock in this process (seconds)."""
    with _stats_guard:
        return dict(_stats)


def _record(kind: str, seconds: float, mode: str) -> None:
    with _stats_guard:
        if kind == "wait":
            _stats["acquisitions"] += 1
        if seconds > _stats[f"longest_{kind}_s"]:
            _stats[f"longest_{kind}_s"] = round(seconds, 4)
            _stats[f"longest_{kind}_mode"] = mode


reset_lock_stats()


class ReadWriteLock:
    """Threads of one process: readers share, a writer is alone, and everyone is served in
    the order they asked (readers queued together go in together), so neither a stream of
    readers nor a stream of writers can starve the others."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._queue: deque[tuple[object, bool]] = deque()

    def acquire(self, write: bool, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        entry = (object(), write)
        with self._cond:
            self._queue.append(entry)
            try:
                while not self._may_go(entry):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._cond.wait(left)
                if write:
                    self._writer = True
                else:
                    self._readers += 1
                return True
            finally:
                self._queue.remove(entry)
                self._cond.notify_all()

    def _may_go(self, entry: tuple[object, bool]) -> bool:
        if self._writer:
            return False
        if entry[1]:
            return self._readers == 0 and self._queue[0] is entry
        for ahead in self._queue:  # a reader goes when only readers are ahead of it
            if ahead is entry:
                return True
            if ahead[1]:
                return False
        return True

    def release(self, write: bool) -> None:
        with self._cond:
            if write:
                self._writer = False
            else:
                self._readers -= 1
            self._cond.notify_all()


class WorkspaceLock:
    """The lock of one workspace folder: :meth:`hold` for one short operation."""

    def __init__(self, root: Path, busy_timeout: float, on_busy: Callable[[], Exception]) -> None:
        self.root = root
        self.busy_timeout = busy_timeout
        self.on_busy = on_busy
        self.path = root / LOCK_NAME
        self.turnstile = root / TURNSTILE_NAME

    @contextmanager
    def hold(self, threads: ReadWriteLock, write: bool) -> Iterator[None]:
        """Hold the lock (shared to read, exclusive to write); WorkspaceBusy after the timeout."""
        mode = "write" if write else "read"
        started = time.monotonic()
        deadline = started + self.busy_timeout
        if not threads.acquire(write, self.busy_timeout):
            _record("wait", time.monotonic() - started, mode)
            raise self.on_busy()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a+") as handle:
                self._take(handle, write, deadline, started, mode)
                acquired = time.monotonic()
                _record("wait", acquired - started, mode)
                try:
                    yield
                finally:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
                    _record("hold", time.monotonic() - acquired, mode)
        finally:
            threads.release(write)

    def _take(self, handle: Any, write: bool, deadline: float, started: float, mode: str) -> None:
        with open(self.turnstile, "a+") as turn:
            # writers hold the turnstile while they wait; readers only pass through it
            self._flock(turn, fcntl.LOCK_EX if write else fcntl.LOCK_SH, deadline, started, mode)
            if not write:
                fcntl.flock(turn.fileno(), fcntl.LOCK_UN)
            try:
                self._flock(handle, fcntl.LOCK_EX if write else fcntl.LOCK_SH, deadline, started, mode)
            finally:
                if write:
                    fcntl.flock(turn.fileno(), fcntl.LOCK_UN)

    def _flock(self, handle: Any, how: int, deadline: float, started: float, mode: str) -> None:
        delay = 0.002
        while True:
            try:
                fcntl.flock(handle.fileno(), how | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    _record("wait", time.monotonic() - started, mode)
                    raise self.on_busy() from None
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
