"""MLflow tracking overhead: a grid job (its own process, as users run it) with tracking on
against the same grid with tracking off, side by side, against the loopback server.

- tracking_grid_job_ratio: wall time of a tracked grid job / an untracked one, on a workspace
  whose tracking store exists (every job after the first); goal ≤ 1.10×. Tracking costs a
  fixed few seconds per job (importing MLflow, opening its store), overlapped with the job's
  work, so the grid is sized like a real one (calls of L = 2 s, a minute of work)
- the first tracked job of a workspace (it creates the SQLite store) is printed beside it

``CLINSUM_BENCH_QUICK=1`` (or ``--quick``) runs a smaller grid.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clinsum import jobs, tracking  # noqa: E402
from clinsum.demo import load_demo  # noqa: E402
from clinsum.experiments import submit_grid  # noqa: E402
from clinsum.store import Store  # noqa: E402
from tests.fakes.llm_server import LLMServer  # noqa: E402


def line(name: str, value: float, goal: float, unit: str = "") -> None:
    print(f"BENCH {name} {value:.3f}{unit} {goal:g}{unit} {'PASS' if value <= goal else 'MISS'}", flush=True)


def grid_job(store: Store, host: str, records: list[str], temperatures: list[float], on: bool) -> float:
    """Seconds from submit to the end of a grid job's process (tracking ``on`` or off)."""
    os.environ["CLINSUM_TRACKING"] = "on" if on else "off"
    toml = (f'name = "bench"\nrecords = {records!r}\nstrategies = ["template", "chain_of_thought"]\n'
            f"temperatures = {temperatures!r}\ndecodings = [\"sample\"]\n[[models]]\nbackend = \"ollama\"\n"
            f'model = "phi4:latest"\nhost = "{host}"\nconcurrency = 4\n').replace("'", '"')
    started = time.perf_counter()
    job_id = submit_grid(store, toml)
    row = jobs.wait(store, job_id, timeout=900, poll=0.05)
    wall = time.perf_counter() - started
    assert row["status"] == "done", row
    assert (tracking.run_for(store, job_id) is not None) == on
    return wall


def main() -> None:
    quick = os.environ.get("CLINSUM_BENCH_QUICK") == "1" or "--quick" in sys.argv
    latency = 2.0  # a small local model's summary takes seconds (the study's RAG cells: minutes)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    with tempfile.TemporaryDirectory() as tmp, LLMServer(latency=latency, capacity=4) as server:
        store = Store.open(Path(tmp) / "ws")
        load_demo(store)
        records = [r[0] for r in store.execute("SELECT id FROM records ORDER BY id")][: 6 if quick else 10]
        temperatures = [0.2, 0.8] if quick else [0.2, 0.5, 0.8]
        cells = len(records) * 2 * len(temperatures)
        first = grid_job(store, server.ollama_host, records, temperatures, on=True)
        off, on = [], []
        for _ in range(1 if quick else 2):
            off.append(grid_job(store, server.ollama_host, records, temperatures, on=False))
            on.append(grid_job(store, server.ollama_host, records, temperatures, on=True))
        off_s, on_s = statistics.median(off), statistics.median(on)
        print(f"# grid job: {cells} cells, L={latency}s, c=4, ideal {cells * latency / 4:.1f}s: "
              f"untracked {off_s:.2f}s, tracked {on_s:.2f}s, first tracked job (creates the store) {first:.2f}s")
        line("tracking_grid_job_ratio", on_s / off_s, 1.10, "x")


if __name__ == "__main__":
    main()
