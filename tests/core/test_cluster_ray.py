"""Grids, scoring and ingestion on a real local Ray cluster (started on 127.0.0.1, stopped at
the end): same results as the local path, a killed worker or job driver loses nothing."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

from clinsum import jobs
from clinsum.cluster.endpoints import expand_endpoints
from clinsum.demo import load_demo
from clinsum.experiments import parse_grid, run_grid, submit_grid
from clinsum.store import Store
from tests.fakes.llm_server import LLMServer

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow  # a Ray cluster, its workers' imports and a few kills
psutil = pytest.importorskip("psutil")

RECORDS = ["es01_cardiologia_icc", "es02_neumologia_epoc", "en01_cardiology_afib_rvr"]
RAY_DATA_TASK = "MapWorker(MapBatches(BatchWorker)).submit"  # a Ray Data actor computing a batch


@pytest.fixture(scope="module")
def cluster() -> str:
    """A local Ray cluster for this module; its GCS address is what a job process joins."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, namespace="clinsum",
             log_to_driver=False, configure_logging=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Store:
    store = Store.open(tmp_path_factory.mktemp("ray") / "ws")
    load_demo(store)
    return store


def grid_toml(urls: list[str], temperatures=(0.2, 0.8), concurrency: int = 2) -> str:
    quoted = ", ".join(f'"{u}"' for u in urls)
    return (f'name = "ray"\nrecords = {RECORDS!r}\nstrategies = ["template", "chain_of_thought"]\n'
            f"temperatures = {list(temperatures)!r}\nseed = 5\nmax_new_tokens = 32\n"
            f'[[models]]\nbackend = "ollama"\nmodel = "llama3.2:1b"\nconcurrency = {concurrency}\n'
            f"endpoints = [{quoted}]\n").replace("'", '"')


def cells_of(ws: Store, grid_id: str) -> dict[tuple, str]:
    rows = ws.execute("SELECT record_id, strategy, temperature, text, error FROM generations"
                      " WHERE grid_id = ?", [grid_id])
    assert all(r[4] is None for r in rows), rows
    out = {(r[0], r[1], r[2]): r[3] for r in rows}
    assert len(out) == len(rows)  # no cell stored twice
    return out


def kill_when_running(title: str, stop: threading.Event, killed: list[int]) -> None:
    """SIGKILL the first Ray worker whose process title shows it running ``title``."""
    while not stop.is_set() and not killed:
        for proc in psutil.process_iter(["pid", "cmdline"]):
            if f"ray::{title}" in " ".join(proc.info["cmdline"] or []):
                os.kill(proc.info["pid"], signal.SIGKILL)
                killed.append(proc.info["pid"])
                return
        time.sleep(0.02)


def test_a_grid_on_ray_equals_the_local_grid_and_holds_each_servers_concurrency(ws, cluster):
    logged = []
    with LLMServer(latency=0.05) as a, LLMServer(latency=0.05) as b:
        grid = parse_grid(grid_toml([a.ollama_host, b.ollama_host]))
        local = run_grid(ws, grid, "g-local")
        a.reset(), b.reset()
        remote = run_grid(ws, grid, "g-ray", cluster=cluster, log=lambda **e: logged.append(e))
        assert (local.done, remote.done, remote.errors, remote.missing) == (12, 12, 0, 0)
        assert a.calls and b.calls and len(a.calls) + len(b.calls) == 12
        assert a.peak_concurrency <= 2 and b.peak_concurrency <= 2
    assert [e["engine"] for e in logged if e["event"] == "executor"] == ["ray"]
    assert cells_of(ws, "g-ray") == cells_of(ws, "g-local")


def test_the_next_grid_of_a_process_finds_its_endpoint_actors_warm(ws, cluster):
    with LLMServer() as server:
        grid = parse_grid(grid_toml([server.ollama_host], temperatures=(0.2,)))
        endpoint = expand_endpoints("ollama", "llama3.2:1b", grid.models[0].config, 2)[0]
        assert run_grid(ws, grid, "g-warm-1", cluster=cluster).done == 6
        actor = ray.get_actor(f"clinsum-endpoint-{endpoint.id}", namespace="clinsum")
        first = ray.get(actor.pid.remote())
        assert run_grid(ws, grid, "g-warm-2", cluster=cluster).done == 6
        actor = ray.get_actor(f"clinsum-endpoint-{endpoint.id}", namespace="clinsum")
        assert ray.get(actor.pid.remote()) == first  # the same worker process, not a new one


def test_a_worker_killed_mid_cell_gets_the_cell_retried(ws, cluster):
    logged = []
    with LLMServer(latency=0.5, capacity=2) as server:
        grid = parse_grid(grid_toml([server.ollama_host]))
        endpoint = expand_endpoints("ollama", "llama3.2:1b", grid.models[0].config, 2)[0]
        outcome = {}
        runner = threading.Thread(target=lambda: outcome.update(report=run_grid(
            ws, grid, "g-kill", cluster=cluster, log=lambda **e: logged.append(e))))
        runner.start()
        deadline = time.monotonic() + 60
        while ws.scalar("SELECT count(*) FROM generations WHERE grid_id = 'g-kill'") < 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        actor = ray.get_actor(f"clinsum-endpoint-{endpoint.id}", namespace="clinsum")
        os.kill(ray.get(actor.pid.remote()), signal.SIGKILL)  # cells are in flight on it
        runner.join(timeout=120)
        report = outcome["report"]
        assert (report.done, report.errors, report.missing) == (12, 0, 0)
        assert len(server.calls) > 12  # the lost cells were asked again
    lost = [e for e in logged if e["event"] == "cell_lost"]
    assert lost and len(cells_of(ws, "g-kill")) == 12


def test_a_killed_job_driver_resumes_on_the_cluster_skipping_finished_cells(ws, cluster):
    with LLMServer(latency=0.6, capacity=2) as server:
        job_id = submit_grid(ws, grid_toml([server.ollama_host]), cluster=cluster)
        deadline = time.monotonic() + 90
        while ws.scalar("SELECT count(*) FROM generations WHERE grid_id = ?", [job_id]) < 2:
            assert time.monotonic() < deadline, jobs.info(ws, job_id)
            time.sleep(0.05)
        os.kill(jobs.info(ws, job_id)["pid"], signal.SIGKILL)
        calls = -1
        while calls != len(server.calls):  # the dead driver's actors end with it
            calls = len(server.calls)
            time.sleep(1.5)
        kept = ws.scalar("SELECT count(*) FROM generations WHERE grid_id = ?", [job_id])
        assert 2 <= kept < 12, (kept, calls)
        jobs.resume(ws, job_id)
        row = jobs.wait(ws, job_id, timeout=120)
        assert row["status"] == "done", row
        assert len(cells_of(ws, job_id)) == 12
        assert len(server.calls) - calls == 12 - kept  # finished cells were not run again
    assert any(e.get("engine") == "ray" for e in jobs.read_log(ws, job_id))


def test_scoring_on_ray_data_with_a_worker_killed_equals_local_scoring(tmp_path, cluster):
    from clinsum.metrics.scoring import score_workspace

    small = Store.open(tmp_path / "small")
    load_demo(small)
    grid = parse_grid('name = "x"\nrecords = {limit = 4}\n[[models]]\nbackend = "extractive"\n')
    assert run_grid(small, grid, "g-extractive").done == 4
    sql = ("SELECT target_id, metric, name, value, details FROM metrics WHERE metric LIKE 'bertscore%'"
           " OR metric LIKE 'evidence%' ORDER BY ALL")
    local = score_workspace(small, ["bertscore", "evidence"], targets=["generation"], batch_size=1)
    assert local.computed == {"bertscore": 4, "evidence": 4}
    expected = small.execute(sql)
    small.execute("DELETE FROM metrics")
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=kill_when_running, args=(RAY_DATA_TASK, stop, killed))
    killer.start()
    logged = []
    try:
        remote = score_workspace(small, ["bertscore", "evidence"], targets=["generation"], batch_size=1,
                                 cluster=cluster, log=lambda **e: logged.append(e))
    finally:
        stop.set()
        killer.join()
    assert killed, "no Ray Data actor was seen computing a batch"
    assert {e["metric"] for e in logged if e.get("engine") == "ray_data"} == {"bertscore", "evidence"}
    assert [e["batches"] for e in logged if e["event"] == "ray_data"] == [4, 4]
    assert remote.computed == local.computed and not any(remote.failed.values())
    got = small.execute(sql)
    assert len(got) == len(expected)  # nothing lost, nothing stored twice
    assert [r[:3] for r in got] == [r[:3] for r in expected]
    assert [r[4] for r in got] == [r[4] for r in expected]  # evidence labels and details too
    assert np.allclose([r[3] for r in got], [r[3] for r in expected], atol=1e-6)


def test_ingestion_on_ray_data_with_a_worker_killed_equals_local_ingestion(ws, cluster, tmp_path):
    from clinsum.rag.bases import create_base
    from clinsum.rag.chroma import get_collection
    from clinsum.rag.ingest import ingest_file

    path = tmp_path / "notes.jsonl"
    lines = [f'{{"text": "Nota {i}: paciente con dolor torácico de {i % 9 + 1} horas y '
             f'troponina {i / 10:.1f} ng/mL; se pauta tratamiento número {i}."}}' for i in range(96)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for base in ("here", "there"):
        create_base(ws, base)
    local = ingest_file(ws, "here", path, batch_size=16)
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=kill_when_running, args=(RAY_DATA_TASK, stop, killed))
    killer.start()
    try:
        remote = ingest_file(ws, "there", path, batch_size=16, cluster=cluster)
    finally:
        stop.set()
        killer.join()
    assert killed, "no Ray Data actor was seen embedding a batch"
    assert local.added == remote.added == 96 and remote.existing == 0
    here = get_collection(ws, "here").get(include=["embeddings", "documents"])
    there = get_collection(ws, "there").get(include=["embeddings", "documents"])
    assert sorted(there["ids"]) == sorted(here["ids"]) and len(there["ids"]) == 96
    order = {i: k for k, i in enumerate(there["ids"])}
    theirs = np.asarray([there["embeddings"][order[i]] for i in here["ids"]])
    assert np.allclose(np.asarray(here["embeddings"]), theirs, atol=1e-6)
    assert [there["documents"][order[i]] for i in here["ids"]] == here["documents"]


def test_ray_data_gives_every_batch_once_and_empty_batches_too(cluster):
    from clinsum.cluster.data import map_batches
    from clinsum.rag.ingest import embed_batch

    batches = [["uno", "dos"], [], ["tres"], ["cuatro", "cinco", "seis"]]
    logged = []
    got = dict(map_batches(cluster, embed_batch, batches, ("fp32",), log=lambda **e: logged.append(e)))
    assert sorted(got) == [0, 1, 2, 3] and [len(got[i]) for i in range(4)] == [2, 0, 1, 3]
    assert logged == [{"event": "ray_data", "actors": 2, "gpus_per_actor": 0.0, "batches": 3}]
    for i, batch in enumerate(batches):
        if batch:
            assert np.allclose(np.asarray(got[i]), embed_batch("fp32", batch), atol=1e-6)


def test_a_local_model_on_a_cluster_without_gpus_runs_on_cpu_and_says_so(cluster):
    from clinsum.cluster.executors import RayExecutor

    logged = []
    executor = RayExecutor(cluster, log=lambda **e: logged.append(e))
    assert executor.gpus == 0
    endpoint = expand_endpoints("transformers", "/models/tiny", {}, 1)[0]
    handle = executor.actor(endpoint)
    assert executor.actor(endpoint) is handle  # one actor per local model
    assert [e["event"] for e in logged] == ["cluster_no_gpu"] and "CPU" in logged[0]["message"]
    ray.kill(handle)
