"""Generation benchmarks against the loopback LLM server (latency L, capacity c).

- grid: wall time of a grid vs the ideal cells × calls per cell × L / c (goal ≤ 1.15×)
- by parts: a record with k sections vs 2L (parts in parallel, then the merge), with the
  sequential (k+1)·L run printed beside it (goal ≤ 1.15×)
- memory: RSS of a process with the workbench UI modules and the extractive backend loaded
  and used (goal ≤ 2 GB)

``CLINSUM_BENCH_QUICK=1`` (or ``--quick``) runs smaller sizes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clinsum.demo import load_demo  # noqa: E402
from clinsum.experiments import parse_grid, run_grid  # noqa: E402
from clinsum.generation import make_backend, record_from_text, summarize  # noqa: E402
from clinsum.store import Store  # noqa: E402
from tests.fakes.llm_server import LLMServer  # noqa: E402


def line(name: str, value: float, goal: float, unit: str = "", lower_is_better: bool = True) -> None:
    ok = value <= goal if lower_is_better else value >= goal
    print(f"BENCH {name} {value:.3f}{unit} {goal:g}{unit} {'PASS' if ok else 'MISS'}", flush=True)


def bench_grid(quick: bool) -> None:
    latency, capacity = (0.3, 4) if quick else (0.5, 4)
    with tempfile.TemporaryDirectory() as tmp, LLMServer(latency=latency, capacity=capacity) as server:
        store = Store.open(Path(tmp) / "ws")
        load_demo(store)
        records = [r[0] for r in store.execute("SELECT id FROM records ORDER BY id")][: 4 if quick else 8]
        toml = (f'name = "bench"\nrecords = {records!r}\nstrategies = ["template", "chain_of_thought"]\n'
                f'temperatures = [0.2, 0.8]\ndecodings = ["sample"]\n[[models]]\nbackend = "ollama"\n'
                f'model = "phi4:latest"\nhost = "{server.ollama_host}"\nconcurrency = {capacity}\n'
                ).replace("'", '"')
        grid = parse_grid(toml)
        warm = make_backend("ollama", "phi4:latest", config={"host": server.ollama_host})
        summarize(None, record_from_text("Motivo: prueba."), warm)  # imports and client, not timed
        cells = len(records) * 2 * 2
        started = time.perf_counter()
        report = run_grid(store, grid, "bench-grid")
        wall = time.perf_counter() - started
        ideal = cells * 1 * latency / capacity
        print(f"# grid: {cells} cells, L={latency}s, c={capacity}: wall {wall:.2f}s, ideal {ideal:.2f}s,"
              f" errors {report.errors}, peak concurrency {server.peak_concurrency}")
        line("grid_wall_vs_ideal", wall / ideal, 1.15, "x")


def bench_by_parts(quick: bool) -> None:
    latency, k = (0.3, 6) if quick else (0.5, 8)
    headings = ["Motivo de ingreso", "Antecedentes", "Enfermedad actual", "Exploración física",
                "Pruebas complementarias", "Evolución", "Juicio clínico", "Tratamiento",
                "Recomendaciones", "Plan de cuidados"][:k]
    text = "\n".join(f"{h}:\n" + " ".join(f"Hallazgo {i} del apartado {h.lower()} sin cambios." for i in range(40))
                     for h in headings)
    record = record_from_text(text)
    with LLMServer(latency=latency) as server:
        backend = make_backend("ollama", "phi4:latest", config={"host": server.ollama_host, "concurrency": k})
        params = {"part_chars": 4000}
        summarize(None, record_from_text("Motivo: prueba."), backend)  # imports and client, not timed
        started = time.perf_counter()
        result = summarize(None, record, backend, strategy="by_parts", params=params)
        parallel = time.perf_counter() - started
        parts = sum(1 for s in result.stages if s.name.startswith("part"))
        started = time.perf_counter()
        summarize(None, record, backend, strategy="by_parts", params={**params, "max_parallel": 1})
        sequential = time.perf_counter() - started
    print(f"# by parts: k={parts} parts, L={latency}s: parallel {parallel:.2f}s (ideal 2L = {2 * latency:.2f}s),"
          f" sequential {sequential:.2f}s (ideal (k+1)L = {(parts + 1) * latency:.2f}s)")
    line("by_parts_wall_vs_2L", parallel / (2 * latency), 1.15, "x")
    print(f"# by_parts_sequential_vs_(k+1)L {sequential / ((parts + 1) * latency):.3f}x")


MEMORY_SCRIPT = """
import psutil, clinsum.ui, clinsum.plugins
from clinsum.generation import record_from_text, summarize
from clinsum.config import DEMO_DIR
text = sorted((DEMO_DIR / "records").glob("*.txt"))[0].read_text(encoding="utf-8")
summarize(None, record_from_text(text), "extractive", "", "by_parts")
print(psutil.Process().memory_info().rss)
"""


def bench_memory() -> None:
    out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT], capture_output=True, text=True,
                         cwd=ROOT, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if out.returncode != 0:
        print(f"# memory: the probe failed: {out.stderr.strip()[-300:]}")
        line("extractive_rss_gb", float("inf"), 2.0, "GB")
        return
    rss = int(out.stdout.strip().splitlines()[-1]) / 1e9
    print(f"# memory: UI modules + plugins + extractive backend used once: RSS {rss:.2f} GB")
    line("extractive_rss_gb", rss, 2.0, "GB")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    quick = "--quick" in args or os.environ.get("CLINSUM_BENCH_QUICK") == "1"
    bench_grid(quick)
    bench_by_parts(quick)
    bench_memory()


if __name__ == "__main__":
    main()
