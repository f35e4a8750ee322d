"""Library callbacks from worker threads, drawn by the script's thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any


class OnScriptThread:
    """Wrap ``draw`` so that library callbacks from worker threads (the parallel stages of a
    strategy) are queued and drawn by the script's thread: Streamlit elements cannot be written
    from threads it did not start. Calls on the script thread draw at once, after anything
    queued; call :meth:`flush` when the work is done."""

    def __init__(self, draw: Callable[..., None]) -> None:
        self.draw = draw
        self.thread = threading.current_thread()
        self.pending: queue.SimpleQueue = queue.SimpleQueue()

    def __call__(self, *args: Any) -> None:
        self.pending.put(args)
        if threading.current_thread() is self.thread:
            self.flush()

    def flush(self) -> None:
        while True:
            try:
                args = self.pending.get_nowait()
            except queue.Empty:
                return
            self.draw(*args)
