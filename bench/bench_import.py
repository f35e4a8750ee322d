"""Record import under a concurrent reader: the longest wait another operation sees.

Imports a real-sized CSV (multi-section Spanish notes, 20,000 rows; 3,000 with
CLINSUM_BENCH_QUICK=1) while a second thread reads the workspace every 50 ms, as a page or
another command would. The same import as one transaction (how imports were written before)
is the baseline, run side by side in this process. Goal: the reader never waits more than 1 s
with the default chunked import (500 rows a transaction), and the import is no slower.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

QUICK = os.environ.get("CLINSUM_BENCH_QUICK") == "1"
NOTE = ("Motivo de consulta: dolor torácico opresivo de {h} horas de evolución.\n"
        "Antecedentes personales: HTA, DM2, dislipemia. Exfumador desde hace {y} años.\n"
        "Exploración física: TA {s}/80, FC {h}0 lpm, auscultación cardiopulmonar normal.\n"
        "Pruebas complementarias: ECG en ritmo sinusal sin alteraciones agudas; troponina negativa.\n"
        "Juicio clínico: dolor torácico atípico, sin datos de síndrome coronario agudo.\n"
        "Tratamiento y plan: paracetamol 1 g/8 h, control por su médico en {y} días.\n")


def write_csv(path: Path, n: int) -> None:
    import pandas as pd

    texts = [NOTE.format(h=i % 24 + 1, y=i % 30 + 1, s=110 + i % 60) + f"Episodio {i}." for i in range(n)]
    pd.DataFrame({"id": [f"ep{i}" for i in range(n)], "text": texts}).to_csv(path, index=False)


def run(path: Path, ws: Path, chunk_rows: int | None) -> tuple[float, float, int]:
    """(seconds, longest reader wait in seconds, records written) of one import."""
    from clinsum.records.ingest import import_paths
    from clinsum.store import Store

    store = Store.open(ws)
    reader = Store(ws, busy_timeout=600)
    waits: list[float] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            started = time.perf_counter()
            reader.scalar("SELECT count(*) FROM records")
            waits.append(time.perf_counter() - started)
            time.sleep(0.05)

    thread = threading.Thread(target=read)
    thread.start()
    started = time.perf_counter()
    plan = import_paths(store, [path], chunk_rows=chunk_rows)
    seconds = time.perf_counter() - started
    done.set()
    thread.join()
    return seconds, max(waits), plan.n_written


def main() -> None:
    n = 3000 if QUICK else 20000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notes.csv"
        write_csv(path, n)
        warm = Path(tmp) / "warm.csv"
        write_csv(warm, 50)
        run(warm, Path(tmp) / "warm", chunk_rows=None)  # imports and caches, outside the timings
        base_s, base_wait, base_n = run(path, Path(tmp) / "one-tx", chunk_rows=n)
        new_s, new_wait, new_n = run(path, Path(tmp) / "chunked", chunk_rows=None)
    assert base_n == new_n == n
    print(f"{n} rows: one transaction {base_s:.1f} s (reader waited up to {base_wait:.2f} s); "
          f"chunked {new_s:.1f} s (reader waited up to {new_wait:.2f} s)")
    print(f"BENCH import_longest_reader_wait_s {new_wait:.2f} 1.0 {'PASS' if new_wait <= 1.0 else 'MISS'}")
    ratio = new_s / base_s
    print(f"BENCH import_time_vs_one_transaction {ratio:.2f} 1.1 {'PASS' if ratio <= 1.1 else 'MISS'}")


if __name__ == "__main__":
    main()
