"""Cluster engine: a grid on a local Ray cluster against two loopback servers, and
knowledge-base ingestion against the raw throughput of the embedding model.

- ``cluster_grid_wall_vs_ideal``: a grid of N one-call cells (template strategy) on a local
  Ray cluster (2 CPUs, started here on 127.0.0.1 with Ray's defaults, workers at niceness
  15 included) against two loopback Ollama servers, each answering after L seconds and serving
  c calls at once; wall time of ``run_grid`` (what the grid job runs) over the ideal
  N × L / (2c); goal ≤ 1.2 (the servers run in a process of their own). A first small grid
  starts the endpoint actors, which this process then keeps warm for its next grids, as a job
  does for its resumed runs; the cold first grid's time is printed. Beside it: the same grid on
  this process's threads (no Ray), and the same grid submitted as a job (a process of its own
  joining the cluster and starting its actors), from submit to done.
- ``cluster_two_servers_speedup``: the same grid against one of the servers alone, wall
  time over the two-server wall time (throughput of two over one); goal ≥ 1.8.
- ``kb_ingest_vs_raw_embed_{local,ray}``: rows/s of a knowledge-base ingestion (defaults:
  commits of 256, the CPU's bulk precision) over the raw throughput of the embedding model on
  the same passages in this process (``embed`` in the same batches, nothing stored; the mean
  of the passes just before and just after that ingestion, so a change of load during the run
  weighs on both sides alike, after an unmeasured pass that pays first-seen input shapes), all
  measured in this run; goal ≥ 0.8, locally and on the Ray cluster. A Ray ingestion starts
  its actors (each loads the model) inside the measured time, as a user's does: 4,096 passages
  (a small knowledge base; the MedMCQA one has 194k) keep that start a fixed cost.

``CLINSUM_BENCH_QUICK=1`` (or ``--quick``): 24 cells, 512 passages. Full: 72 cells (the 24
demo records at 3 temperatures), 4096 passages. L = 0.5 s and c = 2: the ideal (12 s for the
full grid on two servers) is long beside the machine's scheduling delays.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

QUICK = os.environ.get("CLINSUM_BENCH_QUICK") == "1" or "--quick" in sys.argv
LATENCY = 0.5
CAPACITY = 2
TEMPERATURES = [0.2] if QUICK else [0.2, 0.5, 0.8]
N_PASSAGES = 512 if QUICK else 4096


def _line(name: str, value: float, goal: float, ok: bool) -> None:
    print(f"BENCH {name} {value:.3f} {goal} {'PASS' if ok else 'MISS'}", flush=True)


def _grid(urls: list[str], temperatures: list[float], records: str = '"all"') -> str:
    quoted = ", ".join(json.dumps(u) for u in urls)
    return (f'name = "bench"\nrecords = {records}\nstrategies = ["template"]\n'
            f"temperatures = {json.dumps(temperatures)}\nseed = 1\nmax_new_tokens = 64\n"
            f'[[models]]\nbackend = "ollama"\nmodel = "llama3.2:1b"\nconcurrency = {CAPACITY}\n'
            f"endpoints = [{quoted}]\n")


def _timed_grid(store, toml: str, grid_id: str, cluster: str | None) -> tuple[float, object]:
    from clinsum.experiments import parse_grid, run_grid

    t0 = time.perf_counter()
    report = run_grid(store, parse_grid(toml), grid_id, cluster=cluster)
    return time.perf_counter() - t0, report


def _timed_job(store, toml: str, address: str) -> float:
    """Seconds from submitting the grid as a job (its own process) to the job being done."""
    from clinsum import jobs
    from clinsum.experiments import submit_grid

    t0 = time.perf_counter()
    job_id = submit_grid(store, toml, cluster=address)
    row = jobs.wait(store, job_id, timeout=600, poll=0.1)
    assert row["status"] == "done", row
    return time.perf_counter() - t0


def _serve(conn, n: int) -> None:
    """Loopback servers in a process of their own, as real model servers are."""
    from tests.fakes.llm_server import LLMServer

    servers = [LLMServer(latency=LATENCY, capacity=CAPACITY).start() for _ in range(n)]
    conn.send([s.ollama_host for s in servers])
    while conn.recv() == "peaks":
        conn.send([s.peak_concurrency for s in servers])
    for server in servers:
        server.stop()


def start_servers(n: int):
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    here, there = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(there, n), daemon=True)
    proc.start()
    return proc, here, here.recv()


def bench_grid(store, address: str, servers) -> None:
    proc, conn, both = servers
    cold, _ = _timed_grid(store, _grid(both, [0.5], "{limit = 8}"), "warm", address)
    records = store.scalar("SELECT count(*) FROM records")
    cells = records * len(TEMPERATURES)
    ideal = cells * LATENCY / (2 * CAPACITY)
    wall, report = _timed_grid(store, _grid(both, TEMPERATURES), "ray-two", address)
    assert report.done == cells and not report.errors, report
    conn.send("peaks")
    peaks = tuple(conn.recv())
    local, _ = _timed_grid(store, _grid(both, TEMPERATURES), "local-two", None)
    one, report_one = _timed_grid(store, _grid(both[:1], TEMPERATURES), "ray-one", address)
    assert report_one.done == cells, report_one
    as_job = _timed_job(store, _grid(both, TEMPERATURES), address)
    conn.send("stop")
    proc.join(timeout=10)
    ratio = wall / ideal
    speedup = one / wall
    print(f"grid of {cells} one-call cells, 2 servers × capacity {CAPACITY}, L={LATENCY}s: on Ray "
          f"{wall:.2f}s vs ideal {ideal:.2f}s (×{ratio:.3f}); peak calls per server {peaks}; same grid "
          f"on local threads {local:.2f}s (×{local / ideal:.3f}); one server on Ray {one:.2f}s "
          f"(ideal {2 * ideal:.2f}s); cold first grid of 8 cells (actors starting) {cold:.2f}s; "
          f"as a job from submit to done (process start, cold actors) {as_job:.2f}s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (Ray runs its workers at "
          f"niceness 15: other load on this machine slows them first)", flush=True)
    _line("cluster_grid_wall_vs_ideal", ratio, 1.2, ratio <= 1.2)
    _line("cluster_two_servers_speedup", speedup, 1.8, speedup >= 1.8)


def _passages(n: int) -> list[str]:
    import numpy as np

    rng = np.random.default_rng(3)
    words = ["paciente", "dolor", "torácico", "troponina", "disnea", "furosemida", "insuficiencia", "cardiaca", "renal", "potasio", "sodio", "creatinina", "antecedentes", "diabetes", "hipertensión", "tratamiento", "alta", "evolución", "patient", "chest", "pain", "dyspnea", "heart", "failure", "kidney", "treatment", "discharge"]
    return [f"Pasaje {i}: " + " ".join(rng.choice(words, size=int(rng.integers(20, 120))))
            for i in range(n)]


def bench_ingest(store, folder: Path, address: str) -> None:
    from clinsum.embeddings import bulk_precision, embed
    from clinsum.rag import create_base
    from clinsum.rag.ingest import DEFAULT_BATCH, EMBED_BATCH, ingest_file

    texts = _passages(N_PASSAGES)
    path = folder / "passages.jsonl"
    path.write_text("\n".join(json.dumps({"text": t}) for t in texts) + "\n", encoding="utf-8")
    precision = bulk_precision()
    embed(texts[:64], batch_size=EMBED_BATCH, precision=precision)  # model loaded

    def raw_pass() -> float:
        t0 = time.perf_counter()
        for start in range(0, len(texts), DEFAULT_BATCH):
            embed(texts[start:start + DEFAULT_BATCH], batch_size=EMBED_BATCH, precision=precision)
        return len(texts) / (time.perf_counter() - t0)

    raw_pass()  # unmeasured: the first pass also pays first-seen input shapes
    raws = [raw_pass()]
    rows_per_s = {}
    for engine, cluster in (("local", None), ("ray", address)):
        create_base(store, f"warm-{engine}")
        warm = folder / f"warm-{engine}.jsonl"
        warm.write_text("\n".join(json.dumps({"text": f"{engine} {t}"}) for t in texts[:32]) + "\n",
                        encoding="utf-8")
        ingest_file(store, f"warm-{engine}", warm, cluster=cluster)  # workers load the model
        create_base(store, f"kb-{engine}")
        report = ingest_file(store, f"kb-{engine}", path, cluster=cluster)
        assert report.added == len(texts), report.summary()
        rows_per_s[engine] = report.rows_per_s
        raws.append(raw_pass())  # the limit of each ingestion: the passes just before and after it
    for n, (engine, rate) in enumerate(rows_per_s.items()):
        raw = (raws[n] + raws[n + 1]) / 2
        ratio = rate / raw
        print(f"ingestion of {len(texts)} passages ({engine}, {precision}): {rate:.1f} rows/s"
              f" vs raw embedding {raw:.1f} rows/s in this process (mean of the passes just before,"
              f" {raws[n]:.1f}, and after, {raws[n + 1]:.1f}; ×{ratio:.3f})", flush=True)
        _line(f"kb_ingest_vs_raw_embed_{engine}", ratio, 0.8, ratio >= 0.8)


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    import ray

    import clinsum.plugins  # noqa: F401
    from clinsum.demo import load_demo
    from clinsum.store import Store

    servers = start_servers(2)  # before Ray starts its threads
    ray.init(address="local", num_cpus=2, include_dashboard=False, namespace="clinsum",
             log_to_driver=False, configure_logging=False)
    address = ray.get_runtime_context().gcs_address
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store.open(Path(tmp) / "ws")
            load_demo(store)
            bench_grid(store, address, servers)
            bench_ingest(store, Path(tmp), address)
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
