"""Batch scoring and embedding on Ray Data: a function mapped over batches by resident actors.

:func:`map_batches` turns the batches into a Ray dataset (one block per batch, each item
pickled with its batch number and position) and maps :class:`BatchWorker` over it with
``Dataset.map_batches``: a pool of actors, one per CPU of the cluster (one per GPU, each
holding it, when the work asks for a GPU and the cluster has some), each loading its model
once (``warm``) and keeping it for every batch it gets. A worker calls ``fn(*args, items)``
on each whole batch, so a batch is computed exactly as the local path computes it and the
values are the same. Results stream back to the caller, which stays the only writer of the
workspace, as batches finish (in any order). Ray Data restarts a dead actor and runs its
batch again; the caller gets each batch once, complete, or an error naming what is missing.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from clinsum.errors import ClinsumError


class BatchWorker:
    """The callable class Ray Data runs on each actor: ``warm(*args)`` once, then ``fn``."""

    def __init__(self, fn: Callable[..., Sequence[Any]], args: tuple[Any, ...],
                 warm: Callable[..., Any] | None = None) -> None:
        self.fn = fn
        self.args = args
        if warm is not None:
            warm(*args)  # the model loads once per actor, not once per batch

    def __call__(self, rows: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        out: dict[str, list[Any]] = {"batch": [], "pos": [], "out": []}
        groups: dict[int, list[tuple[int, Any]]] = {}
        for batch, pos, item in zip(rows["batch"], rows["pos"], rows["item"], strict=True):
            groups.setdefault(int(batch), []).append((int(pos), pickle.loads(item)))
        for batch, members in groups.items():  # each batch whole, as the local path computes it
            members.sort(key=lambda m: m[0])
            results = self.fn(*self.args, [item for _, item in members])
            for (pos, _), result in zip(members, results, strict=True):
                out["batch"].append(batch)
                out["pos"].append(pos)
                out["out"].append(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        return {"batch": np.asarray(out["batch"], dtype=np.int64), "pos": np.asarray(out["pos"], dtype=np.int64),
                "out": np.asarray(out["out"], dtype=object)}


def pool_size(resources: dict[str, float], gpu: bool) -> tuple[int, float]:
    """(actors, GPUs per actor) for a cluster's resources: one actor per GPU when the work
    asks for one and the cluster has some, else one per CPU."""
    gpus = int(resources.get("GPU", 0))
    if gpu and gpus >= 1:
        return gpus, 1.0
    return max(1, int(resources.get("CPU", 1))), 0.0


def quiet(ray: Any) -> None:
    """No Ray Data progress bars or periodic progress lines in the job's output."""
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)


def map_batches(
    address: str,
    fn: Callable[..., Sequence[Any]],
    batches: Iterable[Sequence[Any]],
    args: tuple[Any, ...] = (),
    *,
    gpu: bool = False,
    warm: Callable[..., Any] | None = None,
    log: Callable[..., None] | None = None,
) -> Iterator[tuple[int, list[Any]]]:
    """``(i, fn(*args, batch_i))`` for every batch, each once, as they finish on the cluster.

    ``fn`` and ``warm`` are module-level functions (Ray pickles them by reference); ``fn``
    returns one result per item. ``log`` gets one ``ray_data`` event with the pool's size."""
    import pandas as pd

    from clinsum.cluster import connect

    ray = connect(address)
    sizes: list[int] = []
    frames = []
    for i, batch in enumerate(batches):
        sizes.append(len(batch))
        frames.append(pd.DataFrame({"batch": [i] * len(batch), "pos": list(range(len(batch))),
                                    "item": [pickle.dumps(x, protocol=pickle.HIGHEST_PROTOCOL) for x in batch]}))
    frames = [f for f in frames if len(f)]
    if not frames:
        yield from ((i, []) for i in range(len(sizes)))
        return
    actors, gpus = pool_size(ray.cluster_resources(), gpu)
    actors = min(actors, len(frames))
    if log:
        log(event="ray_data", actors=actors, gpus_per_actor=gpus, batches=len(frames))
    quiet(ray)
    dataset = ray.data.from_pandas(frames).map_batches(
        BatchWorker, fn_constructor_args=(fn, args, warm), batch_size=None, batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=0 if gpus else 1, num_gpus=gpus)
    yield from ((i, []) for i, n in enumerate(sizes) if n == 0)
    pending: dict[int, dict[int, Any]] = {}
    done: set[int] = set()
    for rows in dataset.iter_batches(batch_size=None, batch_format="numpy"):
        for batch, pos, item in zip(rows["batch"], rows["pos"], rows["out"], strict=True):
            batch = int(batch)
            if batch in done:
                continue  # a batch run again after its actor died: the first copy counts
            pending.setdefault(batch, {})[int(pos)] = item
            if len(pending[batch]) == sizes[batch]:
                results = pending.pop(batch)
                done.add(batch)
                yield batch, [pickle.loads(results[p]) for p in range(sizes[batch])]
    missing = sorted(i for i, n in enumerate(sizes) if n and i not in done)
    if missing:
        raise ClinsumError(f"The Ray cluster returned {len(done)} of {len(frames)} batches "
                           f"(missing: {missing[:10]}).",
                           hint="Run it again: what was stored is kept and skipped.")
