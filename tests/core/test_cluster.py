"""Several servers per model (spread, failover) and the cluster address, without Ray."""

from __future__ import annotations

import sys

import pytest

from clinsum import jobs
from clinsum.cluster import ClusterUnavailable, cluster_address, import_ray
from clinsum.cluster.endpoints import EndpointPool, expand_endpoints
from clinsum.demo import load_demo
from clinsum.errors import ConfigError
from clinsum.experiments import parse_grid, run_grid, submit_grid, validate_grid
from clinsum.store import Store
from tests.fakes.llm_server import LLMServer, free_port_url

RECORDS = ["es01_cardiologia_icc", "es02_neumologia_epoc", "en01_cardiology_afib_rvr"]


def endpoints_grid(urls: list[str], concurrency: int = 1, backend: str = "ollama",
                   temperatures=(0.2, 0.5, 0.8)) -> str:
    quoted = ", ".join(f'"{u}"' for u in urls)
    return (f'name = "ep"\nrecords = {RECORDS!r}\nstrategies = ["template"]\n'
            f"temperatures = {list(temperatures)!r}\nseed = 1\nmax_new_tokens = 32\n"
            f'[[models]]\nbackend = "{backend}"\nmodel = "llama3.2:1b"\n'
            f"concurrency = {concurrency}\nendpoints = [{quoted}]\n").replace("'", '"')


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Store:
    store = Store.open(tmp_path_factory.mktemp("cluster") / "ws")
    load_demo(store)
    return store


def test_cells_spread_over_every_endpoint_within_each_servers_concurrency(ws):
    with LLMServer(latency=0.1) as a, LLMServer(latency=0.1) as b:
        grid = parse_grid(endpoints_grid([a.ollama_host, b.ollama_host], concurrency=2))
        report = run_grid(ws, grid, "grid-spread")
        assert (report.done, report.errors, report.missing) == (9, 0, 0)
        assert len(a.calls) + len(b.calls) == 9 and a.calls and b.calls
        assert a.peak_concurrency <= 2 and b.peak_concurrency <= 2
    keys = [r[0] for r in ws.execute("SELECT cell_key FROM generations WHERE grid_id = 'grid-spread'")]
    assert len(keys) == len(set(keys)) == 9


def test_a_failing_endpoint_is_taken_out_and_its_cells_run_elsewhere(ws, tmp_path):
    logged = []
    with LLMServer() as alive:
        grid = parse_grid(endpoints_grid([free_port_url(), alive.ollama_host], concurrency=2))
        report = run_grid(ws, grid, "grid-failover", log=lambda **e: logged.append(e))
        assert (report.done, report.errors, report.missing) == (9, 0, 0)
        assert len(alive.calls) == 9
    outs = [e for e in logged if e["event"] == "endpoint_out"]
    assert len(outs) == 1 and "not reachable" in outs[0]["error"]
    rows = ws.fetch_dicts("SELECT error, text FROM generations WHERE grid_id = 'grid-failover'")
    assert len(rows) == 9 and all(r["error"] is None and r["text"] for r in rows)


def test_when_every_endpoint_fails_the_cells_are_stored_as_errors(ws):
    grid = parse_grid(endpoints_grid([free_port_url(), free_port_url()], temperatures=(0.2,)))
    report = run_grid(ws, grid, "grid-all-down")
    assert (report.done, report.errors, report.failed_cells) == (0, 3, 3)


def test_a_grid_job_with_endpoints_resumes_to_the_same_cells(ws):
    with LLMServer() as a, LLMServer() as b:
        job_id = submit_grid(ws, endpoints_grid([a.ollama_host, b.ollama_host]), spawn=False)
        assert jobs.run_job(ws, job_id) == "done"
        jobs.resume(ws, job_id, spawn=False)
        calls = len(a.calls) + len(b.calls)
        assert jobs.run_job(ws, job_id) == "done"
        assert len(a.calls) + len(b.calls) == calls == 9  # nothing run twice


@pytest.mark.parametrize("bad", ['endpoints = "http://one"', "endpoints = []",
                                 'endpoints = ["http://a", "http://a"]'])
def test_bad_endpoints_are_config_errors(bad):
    text = endpoints_grid(["http://x"]).replace('endpoints = ["http://x"]', bad)
    with pytest.raises(ConfigError):
        parse_grid(text)


def test_endpoints_need_a_backend_with_a_server(ws):
    grid = parse_grid(endpoints_grid(["http://a", "http://b"], backend="extractive"))
    with pytest.raises(ConfigError, match="endpoints"):
        validate_grid(ws, grid)


def test_pool_prefers_the_least_loaded_endpoint_and_keeps_the_last_one():
    eps = expand_endpoints("openai-compatible", "m", {"endpoints": ["http://a/v1", "http://b/v1"]}, 1)
    assert [e.config["base_url"] for e in eps] == ["http://a/v1", "http://b/v1"]
    assert all("endpoints" not in e.config for e in eps)
    pool = EndpointPool(eps, limit_per_endpoint=1)
    first, second = pool.acquire(), pool.acquire()
    assert {first.where, second.where} == {"http://a/v1", "http://b/v1"}
    assert pool.acquire() is None  # both full
    assert pool.take_out(first) is True
    assert pool.take_out(second) is False  # the last healthy endpoint stays
    pool.release(first)
    assert pool.acquire() is None  # the one taken out gets no more cells


def test_the_cluster_address_comes_from_flag_then_environment_then_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("CLINSUM_RAY_ADDRESS", raising=False)
    assert cluster_address(None, tmp_path) is None
    (tmp_path / "clinsum.toml").write_text('[cluster]\naddress = "10.0.0.5:6379"\n', encoding="utf-8")
    assert cluster_address(None, tmp_path) == "10.0.0.5:6379"
    monkeypatch.setenv("CLINSUM_RAY_ADDRESS", "ray://head:10001")
    assert cluster_address(None, tmp_path) == "ray://head:10001"
    assert cluster_address("127.0.0.1:1234", tmp_path) == "127.0.0.1:1234"


def test_an_address_without_ray_installed_is_a_catalogue_error(monkeypatch):
    from clinsum.ui.i18n import translate

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ClusterUnavailable) as caught:
        import_ray("10.0.0.5:6379")
    assert caught.value.key == "cluster.ray_missing" and "pip install" in caught.value.hint
    assert "10.0.0.5:6379" in translate("cluster.ray_missing", "es", address="10.0.0.5:6379")


def test_an_endpoint_worker_gates_each_cell_with_its_own_workspaces_settings(ws, tmp_path, monkeypatch):
    """One actor serves the jobs of several workspaces: each cell's gate follows its own
    workspace's privacy settings, a change reaching the worker once it reads them again."""
    from clinsum.backends.base import GenerationOptions
    from clinsum.cluster import executors
    from clinsum.privacy.audit import list_sends
    from clinsum.privacy.settings import PrivacySettings, save_settings
    from clinsum.records import Record

    strict = Store.open(tmp_path / "strict")
    save_settings(strict, PrivacySettings(gate_inside=True))
    record = Record.from_row(ws.fetch_dicts("SELECT * FROM records WHERE id = ?", [RECORDS[0]])[0])
    worker = executors.EndpointWorker()
    monkeypatch.setattr(executors, "SETTINGS_TTL_S", 3600.0)
    with LLMServer() as server:
        endpoint = expand_endpoints("ollama", "llama3.2:1b", {"host": server.ollama_host}, 1)[0]

        def cell(store: Store) -> None:
            task = executors.CellTask("k", record, endpoint, None, "template",
                                      GenerationOptions(max_new_tokens=16), workspace=str(store.root))
            assert worker.run(task).error is None

        cell(ws)
        cell(strict)
        assert list_sends(ws) == [] and [s["gate"] for s in list_sends(strict)] == ["on"]
        save_settings(ws, PrivacySettings(gate_inside=True))
        cell(ws)
        assert list_sends(ws) == []  # the settings as read an hour ago at most
        monkeypatch.setattr(executors, "SETTINGS_TTL_S", 0.0)
        cell(ws)
        assert [s["gate"] for s in list_sends(ws)] == ["on"]
    save_settings(ws, PrivacySettings())
