"""Experiment grids: planning, running against the loopback server, errors, kill -9 and resume."""

from __future__ import annotations

import os
import signal
import time

import pytest

from clinsum import jobs
from clinsum.demo import load_demo
from clinsum.errors import ConfigError
from clinsum.experiments import parse_grid, plan_cells, run_grid, submit_grid
from clinsum.store import Store
from tests.fakes.llm_server import LLMServer

RECORDS = ["es01_cardiologia_icc", "es02_neumologia_epoc", "en01_cardiology_afib_rvr"]


def grid_toml(host: str, records=RECORDS, models=("llama3.2:1b", "phi4:latest"),
              strategies=("template", "chain_of_thought"), temperatures=(0.2, 0.8)) -> str:
    entries = "\n".join(
        f'[[models]]\nbackend = "ollama"\nmodel = "{m}"\nhost = "{host}"\nconcurrency = 2\n'
        for m in models)
    return (f'name = "t"\nrecords = {list(records)!r}\nstrategies = {list(strategies)!r}\n'
            f"temperatures = {list(temperatures)!r}\ndecodings = [\"sample\"]\nseed = 3\n"
            f"max_new_tokens = 64\n{entries}").replace("'", '"')


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Store:
    store = Store.open(tmp_path_factory.mktemp("grid") / "ws")
    load_demo(store)
    return store


@pytest.fixture
def server():
    with LLMServer() as srv:
        yield srv


def test_plan_has_every_combination_with_stable_unique_keys(ws):
    grid = parse_grid(grid_toml("http://127.0.0.1:1"))
    cells = plan_cells(ws, grid, "g1")
    assert len(cells) == 2 * 2 * 2 * 1 * 3
    assert len({c.key for c in cells}) == len(cells)
    assert [c.key for c in plan_cells(ws, grid, "g1")] == [c.key for c in cells]
    assert {c.key for c in plan_cells(ws, grid, "g2")}.isdisjoint({c.key for c in cells})


@pytest.mark.parametrize("bad", [
    'strategies = ["template"]',  # no models
    'decodings = ["fancy"]\n[[models]]\nbackend = "ollama"\nmodel = "x"',
    "not toml = = 1",
])
def test_bad_grids_are_config_errors(bad):
    with pytest.raises(ConfigError):
        parse_grid(bad)


def test_unknown_records_are_refused_before_running(ws):
    with pytest.raises(ConfigError):
        plan_cells(ws, parse_grid(grid_toml("http://x", records=["nope"])), "g")


def test_grid_runs_skips_finished_cells_and_records_errors(ws, server):
    server.latency = 0.05
    toml = grid_toml(server.ollama_host, models=("llama3.2:1b", "not-pulled:7b"),
                     strategies=("template",), temperatures=(0.2,))
    grid = parse_grid(toml)
    seen = []
    report = run_grid(ws, grid, "grid-a", progress=lambda d, t, m, e: seen.append((d, t)))
    assert (report.total, report.done, report.errors) == (6, 3, 3)
    assert seen[-1] == (6, 6)
    rows = ws.fetch_dicts("SELECT * FROM generations WHERE grid_id = 'grid-a'")
    assert len(rows) == 6
    failed = [r for r in rows if r["error"]]
    assert {r["model"] for r in failed} == {"not-pulled:7b"} and "ollama pull" in failed[0]["error"]
    ok = [r for r in rows if not r["error"]]
    assert all(r["text"] and r["temperature"] == 0.2 and r["decoding"] == "sample" for r in ok)
    assert server.peak_concurrency == 2  # concurrency = 2 for that server
    # a rerun skips finished cells and retries the failed ones (the model is now pulled)
    server.reset()
    server.models.append("not-pulled:7b")
    again = run_grid(ws, grid, "grid-a")
    assert (again.skipped, again.done, again.errors) == (3, 3, 0)
    assert len(server.calls) == 3 and {c.model for c in server.calls} == {"not-pulled:7b"}
    assert ws.scalar("SELECT count(*) FROM generations WHERE grid_id = 'grid-a'") == 6
    assert ws.scalar("SELECT count(*) FROM generations WHERE grid_id = 'grid-a' AND error IS NOT NULL") == 0


def test_server_down_marks_cells_failed_and_the_grid_ends(ws):
    from tests.fakes.llm_server import free_port_url

    grid = parse_grid(grid_toml(free_port_url(), models=("m",), strategies=("template",),
                                temperatures=(0.2,), records=RECORDS[:2]))
    report = run_grid(ws, grid, "grid-down")
    assert (report.done, report.errors) == (0, 2)
    errors = [r[0] for r in ws.execute("SELECT error FROM generations WHERE grid_id = 'grid-down'")]
    assert all("not reachable" in e for e in errors)


def test_grid_job_survives_kill_9_and_resumes_without_duplicates(ws, server):
    server.latency = 0.4
    server.capacity = 2
    toml = grid_toml(server.ollama_host, models=("llama3.2:1b",), strategies=("template", "chain_of_thought"))
    job_id = submit_grid(ws, toml)  # a real child process: python -m clinsum.jobs
    deadline = time.monotonic() + 90
    while ws.scalar("SELECT count(*) FROM generations WHERE grid_id = ?", [job_id]) < 3:
        assert time.monotonic() < deadline, jobs.info(ws, job_id)
        time.sleep(0.05)
    pid = jobs.info(ws, job_id)["pid"]
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)
    kept = ws.scalar("SELECT count(*) FROM generations WHERE grid_id = ?", [job_id])
    assert jobs.refresh(ws, job_id)["status"] == "failed"
    total = 1 * 2 * 2 * 3
    assert 3 <= kept < total
    calls_before = len(server.calls)
    jobs.resume(ws, job_id)
    row = jobs.wait(ws, job_id, timeout=120)
    assert row["status"] == "done", row
    keys = [r[0] for r in ws.execute("SELECT cell_key FROM generations WHERE grid_id = ?", [job_id])]
    assert len(keys) == total == len(set(keys))
    # the resumed run made one call per missing cell: finished cells were skipped
    assert len(server.calls) - calls_before == total - kept
    assert jobs.read_progress(ws, job_id)["done"] == total
    # a finished grid resumed again has nothing to do
    jobs.resume(ws, job_id, spawn=False)
    assert jobs.run_job(ws, job_id) == "done"
    assert len(server.calls) - calls_before == total - kept


# -- issue 11: a grid is done only when every cell is stored; plans frozen; validated first -----
def _grid_job(ws, toml: str) -> str:
    return submit_grid(ws, toml, spawn=False)


def test_a_writer_that_cannot_save_retries_then_fails_visibly(ws, server, monkeypatch):
    """A 20k-row import held the lock for over 60 s: the writer thread died with WorkspaceBusy
    and the grid finished 'done' with 8 of 192 cells. Now busy saves are retried with backoff,
    and a writer that still cannot save stops the grid, which ends 'failed' saying what is missing."""
    from clinsum import experiments
    from clinsum.errors import WorkspaceBusy

    monkeypatch.setattr(experiments, "SAVE_BACKOFF_S", 0.01)
    real_save = experiments._save_cells
    busy = {"left": 2}

    def flaky(store, rows):
        if busy["left"] > 0:
            busy["left"] -= 1
            raise WorkspaceBusy("The workspace stayed busy for 60 s.")
        real_save(store, rows)

    monkeypatch.setattr(experiments, "_save_cells", flaky)
    toml = grid_toml(server.ollama_host, models=("llama3.2:1b",), strategies=("template",), temperatures=(0.2,))
    job_id = _grid_job(ws, toml)
    assert jobs.run_job(ws, job_id) == "done"  # two busy moments were waited out
    assert ws.scalar("SELECT count(*) FROM generations WHERE grid_id = ?", [job_id]) == 3
    assert [e["attempt"] for e in jobs.read_log(ws, job_id) if e["event"] == "save_retry"] == [1, 2]

    def never(store, rows):
        raise WorkspaceBusy("The workspace stayed busy for 60 s.")

    monkeypatch.setattr(experiments, "_save_cells", never)
    server.reset()
    server.latency = 0.05
    big = grid_toml(server.ollama_host, models=("llama3.2:1b",), strategies=("template", "chain_of_thought"),
                    temperatures=(0.2, 0.5, 0.8))
    job_id = _grid_job(ws, big)
    assert jobs.run_job(ws, job_id) == "failed"
    row = jobs.info(ws, job_id)
    assert "18 of 18 cells are not stored" in row["error"] and "busy" in row["error"]
    assert len(server.calls) < 18  # the grid stopped calling the model once it could not save
    monkeypatch.setattr(experiments, "_save_cells", real_save)
    jobs.resume(ws, job_id, spawn=False)
    assert jobs.run_job(ws, job_id) == "done"
    assert ws.scalar("SELECT count(DISTINCT cell_key) FROM generations WHERE grid_id = ?", [job_id]) == 18


def test_resume_after_an_import_finishes_the_plan_frozen_at_submit(tmp_path, server):
    from clinsum.records.ingest import Draft, apply_import, plan_import

    store = Store.open(tmp_path / "ws")
    load_demo(store)
    n_records = store.scalar("SELECT count(*) FROM records")
    toml = grid_toml(server.ollama_host, models=("llama3.2:1b",), strategies=("template",),
                     temperatures=(0.2,)).replace(f"records = {str(RECORDS)}".replace("'", '"'), 'records = "all"')
    assert 'records = "all"' in toml
    job_id = _grid_job(store, toml)
    frozen = jobs.info(store, job_id)["config"]["grid"]["records"]
    assert isinstance(frozen, list) and len(frozen) == n_records
    assert jobs.run_job(store, job_id) == "done"
    apply_import(store, plan_import(store, [Draft(text=f"Paciente {i} con fiebre y tos.", source="later")
                                            for i in range(5)]))
    calls = len(server.calls)
    jobs.resume(store, job_id, spawn=False)
    assert jobs.run_job(store, job_id) == "done"
    assert store.scalar("SELECT count(*) FROM generations WHERE grid_id = ?", [job_id]) == n_records
    assert len(server.calls) == calls  # nothing new was planned


def test_failed_cells_fail_the_job_and_the_cli_exits_non_zero(ws, server, tmp_path, capsys):
    from clinsum.cli import main

    some = grid_toml(server.ollama_host, models=("llama3.2:1b", "not-pulled:9b"), strategies=("template",),
                     temperatures=(0.2,))
    job_id = _grid_job(ws, some)
    assert jobs.run_job(ws, job_id) == "failed"
    assert "3 of 6 cells failed" in jobs.info(ws, job_id)["error"]
    path = tmp_path / "all-fail.toml"
    path.write_text(grid_toml(server.ollama_host, models=("not-pulled:9b",), strategies=("template",),
                              temperatures=(0.2,)))
    capsys.readouterr()
    assert main(["-w", str(ws.root), "run", str(path)]) == 1
    out = capsys.readouterr()
    assert "failed" in out.out and "All 3 cells failed" in out.err


@pytest.mark.parametrize("change, message", [
    (("max_new_tokens = 64", 'max_new_tokens = "lots"'), "max_new_tokens must be a whole number"),
    (("seed = 3", "seed = 2.5"), "seed must be a whole number"),
    (("temperatures = [0.2]", 'temperatures = ["hot"]'), "temperatures must be numbers"),
    (('strategies = ["template"]', 'strategies = ["no_such_strategy"]'), "Unknown strategy"),
    (('backend = "ollama"', 'backend = "no-such-backend"'), "Unknown backend"),
    (("seed = 3", "temperature = 0.5"), "Unknown grid setting(s): temperature"),
    (("concurrency = 2", 'concurrency = "two"'), "concurrency must be a whole number"),
])
def test_grid_errors_are_found_before_a_job_exists(ws, tmp_path, capsys, change, message):
    from clinsum.cli import main

    toml = grid_toml("http://127.0.0.1:1", models=("m",), strategies=("template",), temperatures=(0.2,))
    assert change[0] in toml
    path = tmp_path / "GRID.toml"
    path.write_text(toml.replace(change[0], change[1]))
    jobs_before = ws.scalar("SELECT count(*) FROM jobs")
    capsys.readouterr()
    assert main(["-w", str(ws.root), "run", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert ws.scalar("SELECT count(*) FROM jobs") == jobs_before


def test_a_key_in_a_grid_is_refused_before_anything_is_stored(ws, tmp_path, capsys):
    from clinsum.cli import main

    key = "sk-test" + "A1b2C3d4E5f6G7h8I9j0"
    toml = (grid_toml("http://127.0.0.1:1", models=("m",), strategies=("template",), temperatures=(0.2,))
            .replace('backend = "ollama"', f'backend = "openai"\napi_key = "{key}"'))
    path = tmp_path / "GRID.toml"
    path.write_text(toml)
    jobs_before = ws.scalar("SELECT count(*) FROM jobs")
    assert main(["-w", str(ws.root), "run", str(path)]) == 2
    out = capsys.readouterr()
    assert "models[0].api_key" in out.err and key not in out.err + out.out
    with pytest.raises(ConfigError):
        submit_grid(ws, toml)
    with pytest.raises(ConfigError):  # a key-shaped value under any name is refused too
        submit_grid(ws, toml.replace("api_key", "note"))
    assert ws.scalar("SELECT count(*) FROM jobs") == jobs_before
    assert ws.scalar("SELECT count(*) FROM jobs WHERE CAST(config AS VARCHAR) LIKE ?", [f"%{key}%"]) == 0


def test_cell_times_count_the_model_calls_not_the_wait_for_a_slot(ws, server):
    """by_parts averaged 25.6 s a cell in a 54-cell grid that took 50 s with 2 slots: each
    cell's time included the wait for a free slot. With one slot the calls run one at a time,
    so the cells' inference times can add up to at most the grid's wall time."""
    server.latency = 0.15
    toml = grid_toml(server.ollama_host, models=("llama3.2:1b",), strategies=("template", "chain_of_thought"),
                     temperatures=(0.2,)).replace("concurrency = 2", "concurrency = 1")
    grid = parse_grid(toml)
    report = run_grid(ws, grid, "grid-slots")
    assert (report.done, report.errors) == (6, 0)
    rows = ws.fetch_dicts("SELECT total_seconds, slot_wait_seconds FROM generations WHERE grid_id = 'grid-slots'")
    assert sum(r["total_seconds"] for r in rows) <= report.seconds
    assert sum(r["slot_wait_seconds"] for r in rows) > 0  # the wait is stored apart
    assert all(r["slot_wait_seconds"] is not None for r in rows)
