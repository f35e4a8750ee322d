"""Ray Data batch work without a cluster: the pool's size, the worker's batches, the local runner."""

from __future__ import annotations

import pickle

from clinsum.cluster.batches import BatchRunner
from clinsum.cluster.data import BatchWorker, pool_size

CALLS: list[list[str]] = []


def shout(suffix: str, items: list[str]) -> list[str]:
    CALLS.append(list(items))
    return [f"{item.upper()}{suffix}:{len(items)}" for item in items]


def test_the_pool_has_one_actor_per_gpu_when_asked_and_present_else_one_per_cpu():
    assert pool_size({"CPU": 8.0, "GPU": 2.0}, gpu=True) == (2, 1.0)
    assert pool_size({"CPU": 8.0, "GPU": 2.0}, gpu=False) == (8, 0.0)
    assert pool_size({"CPU": 4.0}, gpu=True) == (4, 0.0)  # no GPU on the cluster: CPUs
    assert pool_size({}, gpu=False) == (1, 0.0)


def test_a_worker_computes_each_batch_whole_even_when_ray_hands_it_two_at_once():
    warmed = []
    worker = BatchWorker(shout, ("!",), warm=lambda suffix: warmed.append(suffix))
    assert warmed == ["!"]
    CALLS.clear()
    rows = {"batch": [3, 3, 7, 3], "pos": [1, 0, 0, 2],
            "item": [pickle.dumps(x) for x in ("b", "a", "z", "c")]}
    out = worker(rows)
    assert CALLS == [["a", "b", "c"], ["z"]]  # batch 3 in its own order, then batch 7
    got = {(int(b), int(p)): pickle.loads(o) for b, p, o in zip(out["batch"], out["pos"], out["out"], strict=True)}
    assert got == {(3, 0): "A!:3", (3, 1): "B!:3", (3, 2): "C!:3", (7, 0): "Z!:1"}


def test_the_local_runner_is_lazy_and_in_order():
    CALLS.clear()
    runner = BatchRunner()
    assert runner.engine == "local"
    results = runner.map(shout, iter([["x"], ["y", "z"]]), ("?",))
    assert CALLS == []  # nothing computed before it is asked for
    assert next(results) == (0, ["X?:1"]) and CALLS == [["x"]]
    assert list(results) == [(1, ["Y?:2", "Z?:2"])]
