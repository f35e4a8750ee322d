"""Record import under a concurrent reader: the longest wait another operation sees.

Imports a real-sized CSV (multi-section Spanish notes, 8,000 rows; 2,000 with
CLINSUM_BENCH_QUICK=1) while a second thread reads the workspace every 50 ms, as a page or
another command would. Baseline, run side by side in this process: the same drafts written
the way imports were written before (one transaction, one INSERT a row, sections split under
the lock). Goals: the reader never waits more than 1 s with the default chunked import (500
rows a transaction), and the import takes no longer than the baseline.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
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


def one_transaction(store, plan) -> None:
    """The writer before chunking: every row in one transaction, one INSERT each."""
    from clinsum.records.sections import split_sections
    from clinsum.store import to_json

    with store.transaction() as con:
        for draft in plan.new:
            sections = [s.to_dict() for s in split_sections(draft.text)]
            con.execute(
                "INSERT INTO records (id, source, language, title, text, sections, content_hash, n_chars, meta)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (content_hash) DO NOTHING",
                [draft.id, draft.source, draft.language, draft.title, draft.text, to_json(sections),
                 draft.content_hash, len(draft.text), to_json(draft.meta)])


def run(path: Path, ws: Path, write: Callable) -> tuple[float, float, int]:
    """(seconds, longest reader wait in seconds, records stored) of read + plan + ``write``."""
    from clinsum.records.ingest import plan_import, read_sources
    from clinsum.store import Store

    store = Store.open(ws)
    reader = Store(ws, busy_timeout=3600)
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
    drafts, problems = read_sources([path])
    write(store, plan_import(store, drafts, problems))
    seconds = time.perf_counter() - started
    done.set()
    thread.join()
    return seconds, max(waits), int(store.scalar("SELECT count(*) FROM records"))


def main() -> None:
    from clinsum.records.ingest import apply_import

    n = 2000 if QUICK else 8000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notes.csv"
        write_csv(path, n)
        warm = Path(tmp) / "warm.csv"
        write_csv(warm, 50)
        run(warm, Path(tmp) / "warm", apply_import)  # imports and caches, outside the timings
        base_s, base_wait, base_n = run(path, Path(tmp) / "before", one_transaction)
        new_s, new_wait, new_n = run(path, Path(tmp) / "chunked", apply_import)
    assert base_n == new_n == n, (base_n, new_n)
    print(f"{n} rows: one transaction {base_s:.1f} s (reader waited up to {base_wait:.2f} s); "
          f"chunked {new_s:.1f} s (reader waited up to {new_wait:.2f} s)")
    print(f"BENCH import_longest_reader_wait_s {new_wait:.2f} 1.0 {'PASS' if new_wait <= 1.0 else 'MISS'}")
    ratio = new_s / base_s
    print(f"BENCH import_time_vs_before {ratio:.2f} 1.0 {'PASS' if ratio <= 1.0 else 'MISS'}")


if __name__ == "__main__":
    main()
