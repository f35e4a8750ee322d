"""Record imports under real use: odd inputs, chunked commits, concurrent runs, jobs."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from clinsum import jobs
from clinsum.errors import InputError
from clinsum.jobs import JobStopped
from clinsum.records.ingest import (
    Draft,
    apply_import,
    import_paths,
    plan_import,
    read_bytes,
    read_sources,
)
from clinsum.records.jobs import submit_import
from clinsum.store import Store

ROW = "Paciente {n}: consulta por tos de {n} días. Exploración normal. Plan: control."


def clinsum(ws: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clinsum", "-w", str(ws), *args],
                          capture_output=True, text=True, timeout=300)


def big_csv(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "big.csv"
    pd.DataFrame({"id": [f"p{i}" for i in range(n)], "text": [ROW.format(n=i) for i in range(n)]}).to_csv(
        path, index=False)
    return path


def test_jsonl_text_that_is_not_a_string_is_skipped_with_its_line(store, tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join([
        '{"id": "ok", "text": "Nota válida del paciente."}',
        '{"id": "nan", "text": NaN}',
        '{"id": "obj", "text": {"a": 1}}',
        '{"id": "list", "text": ["x"]}',
        '{"id": "bool", "text": true}',
        '{"id": "null", "text": null}',
        '{"id": "num", "text": 12}',
        '{"id": "none"}',
    ]) + "\n", encoding="utf-8")
    plan = import_paths(store, [path])
    assert [d.id for d in plan.new] == ["ok"]
    assert [(p.line, p.reason) for p in plan.problems] == [
        (2, "the text is NaN, not a string"), (3, "the text is an object, not a string"),
        (4, "the text is a list, not a string"), (5, "the text is true/false, not a string"),
        (6, "the text is null"), (7, "the text is int, not a string"), (8, "no field 'text'")]
    assert store.scalar("SELECT list(id) FROM records") == ["ok"]


@pytest.mark.parametrize("body", ["nota,fecha\nPaciente con tos.,2024-01-01\n", "nota,fecha\n"])
def test_csv_without_a_text_column_exits_3_naming_the_columns(tmp_path: Path, body: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(body, encoding="utf-8")
    done = clinsum(tmp_path / "ws", "import", str(path))
    assert done.returncode == 3
    assert "no column 'text'" in done.stderr and "Columns found: nota, fecha" in done.stderr
    assert "imported" not in done.stdout


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_text(encoding: str) -> None:
    text = "Exploración física: niño con otitis.\nDiagnóstico: otitis media aguda derecha.\n"
    drafts, problems = read_bytes("nota.txt", text.encode(encoding))
    assert problems == [] and drafts[0].text == text.strip() and drafts[0].meta["encoding"] == encoding
    table = ("id,text\n1," + text.split("\n")[0] + "\n").encode(encoding)
    drafts, problems = read_bytes("t.csv", table)
    assert problems == [] and drafts[0].text == text.split("\n")[0]


def test_binary_with_nul_bytes_is_still_refused() -> None:
    _, problems = read_bytes("scan.txt", b"%PDF-1.4\x00\x01\x02\x03\x04binary\x00\xff")
    assert "binary" in problems[0].reason


def test_imports_commit_in_chunks_and_release_the_lock_between(store, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int, _message: str) -> None:
        counted: list[int] = []
        other = Store(store.root, busy_timeout=5)  # another thread: waits on the lock if held
        reader = threading.Thread(target=lambda: counted.append(other.scalar("SELECT count(*) FROM records")))
        reader.start()
        reader.join()
        seen.append((done, counted[0]))

    plan = import_paths(store, [big_csv(tmp_path, 1200)], chunk_rows=500, progress=progress)
    assert plan.n_written == 1200
    assert seen == [(0, 0), (500, 500), (1000, 1000), (1200, 1200)]


def test_a_stopped_import_keeps_its_chunks_and_the_rerun_skips_them(store, tmp_path: Path) -> None:
    path = big_csv(tmp_path, 700)
    calls = []

    def stop_after_first_chunk() -> None:
        calls.append(1)
        if len(calls) > 1:
            raise JobStopped

    with pytest.raises(JobStopped):
        import_paths(store, [path], chunk_rows=300, check_stop=stop_after_first_chunk)
    assert store.scalar("SELECT count(*) FROM records") == 300
    plan = import_paths(store, [path], chunk_rows=300)
    assert plan.n_written == 400 and len(plan.duplicates) == 300


def test_two_identical_imports_at_once_do_not_both_import(store, tmp_path: Path) -> None:
    drafts, problems = read_sources([big_csv(tmp_path, 600)])
    twin, _ = read_sources([tmp_path / "big.csv"])
    plans = [plan_import(store, drafts, problems), plan_import(store, twin)]
    assert [p.n_written for p in plans] == [600, 600]  # both previews see only new rows
    threads = [threading.Thread(target=apply_import, args=(store, p), kwargs={"chunk_rows": 50}) for p in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(p.n_written for p in plans) == 600
    assert [p.n_written + len(p.duplicates) for p in plans] == [600, 600]
    assert store.scalar("SELECT count(*) FROM records") == 600


def test_import_runs_as_a_job_followed_with_clinsum_jobs(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    path = big_csv(tmp_path, 1100)
    started = clinsum(ws, "import", str(path), "--background")
    assert started.returncode == 0, started.stderr
    job_id = started.stdout.strip()
    assert job_id.startswith("import-") and "clinsum jobs wait" in started.stderr
    waited = clinsum(ws, "jobs", "wait", job_id, "--timeout", "240")
    assert waited.returncode == 0, waited.stdout + waited.stderr
    store = Store.open(ws)
    info = jobs.info(store, job_id)
    assert info["status"] == "done" and info["kind"] == "import"
    assert info["progress"]["done"] == info["progress"]["total"] == 1100
    event = next(e for e in jobs.read_log(store, job_id) if e.get("event") == "imported")
    assert (event["imported"], event["duplicates"]) == (1100, 0)
    assert store.scalar("SELECT count(*) FROM records") == 1100
    again = submit_import(store, [path], spawn=False)  # a rerun (as after a resume) adds nothing
    assert jobs.run_job(store, again) == "done"
    event = next(e for e in jobs.read_log(store, again) if e.get("event") == "imported")
    assert (event["imported"], event["duplicates"]) == (0, 1100)


def test_a_bad_mapping_or_path_fails_before_a_job_exists(store, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        submit_import(store, [big_csv(tmp_path, 1)], "texto=informe", spawn=False)
    with pytest.raises(InputError, match="No such file"):
        submit_import(store, [tmp_path / "missing.csv"], spawn=False)
    assert store.scalar("SELECT count(*) FROM jobs") == 0


def test_a_killed_ingestion_run_is_listed_as_interrupted(store) -> None:
    from clinsum.rag.ingest import list_ingests

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    store.execute("INSERT INTO kb_ingests (id, base, source, status, pid) VALUES"
                  " ('kbi-dead', 'notes', 'x.csv', 'running', ?), ('kbi-live', 'notes', 'y.csv', 'running', ?)",
                  [gone.pid, __import__("os").getpid()])
    runs = {r["id"]: r["status"] for r in list_ingests(store, "notes")}
    assert runs == {"kbi-dead": "interrupted", "kbi-live": "running"}


def test_json_lines_file_as_a_whole_keeps_line_numbers(store, tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text(json.dumps([{"id": "a", "text": "Texto de la nota."}, {"id": "b", "text": False}]),
                    encoding="utf-8")
    plan = import_paths(store, [path])
    assert [d.id for d in plan.new] == ["a"] and [(p.line, "true/false" in p.reason) for p in plan.problems] == [(2, True)]


def test_two_identical_cli_imports_at_once_report_each_row_once(tmp_path: Path) -> None:
    import os
    import re

    ws = tmp_path / "ws"
    assert clinsum(ws, "init").returncode == 0
    path = big_csv(tmp_path, 1500)
    env = dict(os.environ, CLINSUM_IMPORT_CHUNK="100")
    outs = [open(tmp_path / f"out{i}.txt", "w") for i in range(2)]  # noqa: SIM115 - closed below
    procs = [subprocess.Popen([sys.executable, "-m", "clinsum", "-w", str(ws), "import", str(path)],
                              stdout=out, stderr=subprocess.STDOUT, env=env) for out in outs]
    codes = [p.wait(timeout=300) for p in procs]
    for out in outs:
        out.close()
    texts = [(tmp_path / f"out{i}.txt").read_text() for i in range(2)]
    assert codes == [0, 0], texts
    counts = [tuple(int(x) for x in re.search(r"imported (\d+) record.*?(\d+) duplicate", t).groups())
              for t in texts]
    assert sum(c[0] for c in counts) == 1500 and all(sum(c) == 1500 for c in counts), counts
    assert Store.open(ws).scalar("SELECT count(*) FROM records") == 1500


def test_import_previews_in_parallel_threads_all_succeed(store) -> None:
    """Several readers of one process classify drafts at once (DuckDB 2 raced on registered
    Arrow tables here: 'python_arrow_scan does not exist')."""
    apply_import(store, plan_import(store, [Draft(text="Registro previo.", source="t", id="r0")]))
    drafts = [Draft(text=f"Registro {i}: control.", source="t", id=f"d-{i}") for i in range(50)]
    errors: list[Exception] = []
    counts: list[int] = []

    def preview() -> None:
        try:
            for _ in range(30):
                counts.append(len(plan_import(store, drafts).new))
        except Exception as exc:  # noqa: BLE001 - the test reports what any thread raised
            errors.append(exc)

    threads = [threading.Thread(target=preview) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert counts == [50] * 120
