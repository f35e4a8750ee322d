"""Soak: a grid job, a bulk import, two annotators and SQL-console queries on one workspace at once.

Run by hand (``python bench/soak.py --minutes 4``) or through ``bench/run.py`` (``bench_soak.py``
runs the short mode, about 60 s). Everything is real: grids run as job processes against the
loopback Ollama server (``tests/fakes/llm_server.py``) one after the other, records are
imported in batches through ``clinsum.records.ingest``, two annotators autosave drafts and
submit reviews, and a SQL-console user runs queries the whole time. Every row written carries
a marker saying where it belongs, so at the end the soak counts rows that are:

- lost: written (or planned, for grid cells) and not in the workspace;
- duplicated: in the workspace more than once;
- misattributed: stored against the wrong record, annotator or item.

and the longest wait any operation saw for the workspace lock (this process and every grid
job process, which logs its own). Goals: 0, 0, 0 and under 5 s.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clinsum import explorer as ex  # noqa: E402
from clinsum import jobs  # noqa: E402
from clinsum.annotation.drafts import load_draft, save_draft  # noqa: E402
from clinsum.annotation.reviews import submit_review  # noqa: E402
from clinsum.annotation.rubric import CRITERION_NAMES  # noqa: E402
from clinsum.experiments import parse_grid, plan_cells, submit_grid  # noqa: E402
from clinsum.records.ingest import Draft, apply_import, plan_import  # noqa: E402
from clinsum.references import add_reference  # noqa: E402
from clinsum.store import Store, from_json, lock_stats, reset_lock_stats  # noqa: E402
from tests.fakes.llm_server import LLMServer  # noqa: E402

GRID_RECORDS = 12
IMPORT_BATCH = 100
ANNOTATORS = ("ana", "luis")
MARK = re.compile(r"SOAK-REC-\d{3}")
QUERIES = (
    "SELECT record_id, count(*) AS n, avg(total_seconds) AS s FROM generations GROUP BY ALL ORDER BY n DESC",
    "SELECT r.source, count(*) FROM records r LEFT JOIN generations g ON g.record_id = r.id GROUP BY ALL",
    "SELECT id, title, text FROM records ORDER BY id LIMIT 5000",
    "SELECT annotator, count(*) FROM annotations GROUP BY ALL",
)


def marker_responder(messages: list[dict], model: str) -> str:
    """A summary naming the record it was asked about (so a misfiled cell shows)."""
    found = MARK.findall(" ".join(str(m.get("content") or "") for m in messages))
    return f"Resumen de {found[0] if found else 'NADA'}: paciente estable, seguimiento en consulta."


class Timings:
    """The longest duration seen per operation kind (seconds)."""

    def __init__(self) -> None:
        self.longest: Counter = Counter()
        self.count: Counter = Counter()
        self._lock = threading.Lock()

    def timed(self, kind: str, func, *args, **kwargs):
        started = time.monotonic()
        try:
            return func(*args, **kwargs)
        finally:
            took = time.monotonic() - started
            with self._lock:
                self.count[kind] += 1
                self.longest[kind] = max(self.longest[kind], took)


def setup(store: Store) -> list[str]:
    """The grid's records (each with a marker in its text) and one reference each."""
    drafts = [Draft(text=f"Paciente SOAK-REC-{i:03d}. Ingresa por disnea de esfuerzo. "
                         f"Tratamiento con furosemida; evolución favorable (caso {i}).",
                    source="soak-grid", id=f"soak-rec-{i:03d}", title=f"SOAK-REC-{i:03d}")
              for i in range(GRID_RECORDS)]
    ids = apply_import(store, plan_import(store, drafts))
    for record_id in ids:
        add_reference(store, record_id, f"Referencia de {record_id.upper()}: disnea, furosemida.",
                      author="soak", status="draft")
    return ids


def grid_text(host: str, records: list[str]) -> str:
    return (f'name = "soak"\nrecords = {records!r}\nstrategies = ["template", "chain_of_thought"]\n'
            'temperatures = [0.2, 0.5, 0.8]\ndecodings = ["sample"]\nseed = 1\nmax_new_tokens = 64\n'
            f'[[models]]\nbackend = "ollama"\nmodel = "llama3.2:1b"\nhost = "{host}"\nconcurrency = 2\n'
            ).replace("'", '"')


def run_soak(seconds: float, root: Path) -> dict:
    store = Store.open(root)
    records = setup(store)
    reset_lock_stats()
    timings = Timings()
    stop = threading.Event()
    errors: list[str] = []
    grids: list[str] = []
    imported: list[str] = []
    submitted: dict[tuple[str, str], str] = {}  # (annotator, item) -> last comment
    drafted: dict[tuple[str, str], dict] = {}   # (annotator, item) -> last autosave not yet submitted
    items = [r["id"] for r in store.fetch_dicts(
        "SELECT id FROM reference_summaries WHERE author = 'soak' ORDER BY id")]

    def guarded(name: str, body) -> None:
        try:
            body()
        except Exception as exc:  # noqa: BLE001 - a failing activity is reported, the soak goes on
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
            stop.set()

    with LLMServer(latency=0.05, capacity=4, responder=marker_responder) as server:
        def grid_loop() -> None:
            while not stop.is_set():
                job_id = timings.timed("grid submit", submit_grid, store, grid_text(server.ollama_host, records))
                grids.append(job_id)
                row = jobs.wait(store, job_id, timeout=600, poll=0.5)
                if row["status"] != "done":
                    raise RuntimeError(f"grid {job_id} ended {row['status']}: {row.get('error')}")

        def import_loop() -> None:
            n = 0
            while not stop.is_set():
                drafts = [Draft(text=f"Registro SOAK-IMP-{i:06d}: control rutinario, sin incidencias.",
                                source="soak-import", id=f"soak-imp-{i:06d}") for i in range(n, n + IMPORT_BATCH)]
                plan = timings.timed("import plan", plan_import, store, drafts)
                ids = timings.timed("import batch", apply_import, store, plan)
                imported.extend(ids)
                n += IMPORT_BATCH

        def annotator_loop(name: str) -> None:
            round_no = 0
            while not stop.is_set():
                round_no += 1
                for item in items:
                    if stop.is_set():
                        return
                    for step in range(3):
                        data = {"annotator": name, "item": item, "round": round_no, "step": step}
                        timings.timed("autosave", save_draft, store, name, "reference", item, data)
                        drafted[(name, item)] = data
                    if (round_no + items.index(item)) % 2:  # some items stay as drafts this round
                        continue
                    comment = f"{name}|{item}|{round_no}"
                    timings.timed("submit", submit_review, store, name, item,
                                  scores=dict.fromkeys(CRITERION_NAMES, 4), verdict="accept", comment=comment)
                    submitted[(name, item)] = comment
                    drafted.pop((name, item), None)

        def sql_loop() -> None:
            i = 0
            while not stop.is_set():
                timings.timed("sql query", ex.run_sql, store, QUERIES[i % len(QUERIES)])
                i += 1

        threads = [threading.Thread(target=guarded, args=(n, f), name=n) for n, f in (
            ("grid", grid_loop), ("import", import_loop), ("sql", sql_loop),
            *((f"annotator {a}", lambda a=a: annotator_loop(a)) for a in ANNOTATORS))]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        stop.wait(seconds)
        stop.set()
        for thread in threads:
            thread.join(600)
        elapsed = time.monotonic() - started
        calls = len(server.calls)

    result = check(store, grids, records, imported, submitted, drafted)
    job_waits = [e.get("lock_longest_wait_s") or 0.0 for g in grids for e in jobs.read_log(store, g)
                 if e.get("event") in ("done", "error", "stopped")]
    own = lock_stats()
    result.update(
        seconds=elapsed, errors=errors, grids=len(grids), model_calls=calls, imported=len(imported),
        submitted=len(submitted), timings=timings, own_wait=own["longest_wait_s"],
        own_hold=own["longest_hold_s"], job_wait=max(job_waits, default=0.0),
        longest_wait=max([own["longest_wait_s"], *job_waits]))
    return result


def check(store: Store, grids: list[str], records: list[str], imported: list[str],
          submitted: dict, drafted: dict) -> dict:
    """Lost, duplicated and misattributed rows, from the workspace itself."""
    lost = duplicated = misattributed = 0
    for grid_id in grids:  # every planned cell stored once, summarizing its own record
        grid = parse_grid(jobs.info(store, grid_id)["config"]["grid"])
        planned = {c.key: c.record_id for c in plan_cells(store, grid, grid_id)}
        rows = store.fetch_dicts("SELECT cell_key, record_id, text, error FROM generations WHERE grid_id = ?",
                                 [grid_id])
        keys = Counter(r["cell_key"] for r in rows)
        lost += sum(1 for key in planned if key not in keys)
        duplicated += sum(n - 1 for n in keys.values())
        for row in rows:
            mark = (MARK.findall(row["text"] or "") or [None])[0]
            if planned.get(row["cell_key"]) != row["record_id"] or mark != row["record_id"].upper():
                misattributed += 1
    found = dict(store.execute("SELECT id, text FROM records WHERE source = 'soak-import'"))
    lost += sum(1 for record_id in imported if record_id not in found)
    duplicated += len(imported) - len(set(imported))
    duplicated += store.scalar("SELECT count(*) - count(DISTINCT content_hash) FROM records")
    misattributed += sum(1 for record_id, text in found.items()
                         if f"SOAK-IMP-{record_id.rsplit('-', 1)[-1]}" not in text)
    annotations = store.fetch_dicts("SELECT annotator, item_id, comment FROM annotations WHERE item_kind = 'reference'")
    seen = Counter((a["annotator"], a["item_id"]) for a in annotations)
    duplicated += sum(n - 1 for n in seen.values())
    stored = {(a["annotator"], a["item_id"]): a["comment"] for a in annotations}
    for key, comment in submitted.items():
        if key not in stored:
            lost += 1
        elif stored[key] != comment:  # an older round's or someone else's text
            misattributed += 1
    misattributed += sum(1 for (name, item), comment in stored.items()
                         if comment.split("|")[:2] != [name, item])
    for (name, item), data in drafted.items():
        draft = load_draft(store, name, "reference", item)
        if draft is None:
            lost += 1
        elif draft != data:
            misattributed += 1
    for row in store.fetch_dicts("SELECT annotator, item_id, data FROM annotation_drafts"):
        data = from_json(row["data"])
        if (data.get("annotator"), data.get("item")) != (row["annotator"], row["item_id"]):
            misattributed += 1
    return {"lost": lost, "duplicated": duplicated, "misattributed": misattributed}


def main(short: bool | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="how long (default 3)")
    parser.add_argument("--short", action="store_true", help="about 60 s (what bench/run.py runs)")
    parser.add_argument("--workspace", default=None, help="keep the workspace here (default: a temp folder)")
    args = parser.parse_args([] if short is not None else None)
    short = short if short is not None else args.short or os.environ.get("CLINSUM_BENCH_QUICK") == "1"
    seconds = 60.0 if short else args.minutes * 60
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.workspace) if args.workspace else Path(tmp) / "ws"
        r = run_soak(seconds, root)
    t = r["timings"]
    print(f"soak: {r['seconds']:.0f} s, {r['grids']} grid job(s), {r['model_calls']} model calls, "
          f"{r['imported']} records imported in batches of {IMPORT_BATCH}, {r['submitted']} reviews kept, "
          f"{t.count['autosave']} autosaves, {t.count['sql query']} SQL queries")
    for kind in sorted(t.longest):
        print(f"  longest {kind}: {t.longest[kind]:.2f} s ({t.count[kind]} done)")
    print(f"  longest lock wait: this process {r['own_wait']:.2f} s, grid jobs {r['job_wait']:.2f} s; "
          f"longest lock hold here {r['own_hold']:.2f} s")
    for error in r["errors"]:
        print(f"  ERROR {error}")
    ok = not r["errors"]
    for name in ("lost", "duplicated", "misattributed"):
        value = r[name] if ok else f"{r[name]}(errors)"
        print(f"BENCH soak_{name} {value} 0 {'PASS' if ok and r[name] == 0 else 'MISS'}")
    wait = r["longest_wait"]
    print(f"BENCH soak_longest_wait_s {wait:.2f} <5 {'PASS' if ok and wait < 5 else 'MISS'}")


if __name__ == "__main__":
    main()
