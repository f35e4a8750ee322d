"""Batch work (scoring, embedding) here or on Ray Data, one result per batch.

:class:`BatchRunner` maps a module-level function over batches. Locally (no address, the
default) it calls it on each batch in turn, lazily, so the caller stores one batch before the
next is computed. On a cluster it hands every batch to :func:`clinsum.cluster.data.map_batches`
(Ray Data, resident models on a pool of actors, a GPU each where the work asks for one and
the cluster has it) and yields the results as they finish; the caller writes them. The same
function on the same batch gives the same values on both paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any


class BatchRunner:
    """``map(fn, batches, args)`` -> ``(i, fn(*args, batch_i))``, here or on Ray Data."""

    def __init__(self, address: str | None = None, *, gpu: bool = False,
                 warm: Callable[..., Any] | None = None,
                 log: Callable[..., None] | None = None) -> None:
        self.address = address
        self.gpu = gpu
        self.warm = warm
        self.log = log

    @property
    def engine(self) -> str:
        return "ray_data" if self.address else "local"

    def map(self, fn: Callable[..., Sequence[Any]], batches: Iterable[Sequence[Any]],
            args: tuple[Any, ...] = ()) -> Iterator[tuple[int, Any]]:
        """Every batch's result once: in order here, as they finish on a cluster."""
        if not self.address:
            return ((i, fn(*args, batch)) for i, batch in enumerate(batches))
        from clinsum.cluster.data import map_batches

        return map_batches(self.address, fn, batches, args, gpu=self.gpu, warm=self.warm, log=self.log)
