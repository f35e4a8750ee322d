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
