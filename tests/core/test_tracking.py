"""MLflow tracking on a real local store: grids, scoring and fine-tuning jobs become runs with
params, metrics and artifacts; a resumed job goes on in its run; MLflow failing never fails a job."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import clinsum.plugins  # noqa: F401 - registers every job kind
from clinsum import jobs, tracking
from clinsum.cli import main as cli
from clinsum.demo import load_demo
from clinsum.errors import ConfigError
from clinsum.experiments import submit_grid
from clinsum.store import Store
from tests.core.test_grid import grid_toml
from tests.fakes.llm_server import LLMServer

pytest.importorskip("mlflow")


@pytest.fixture(scope="module")
def shared_uri(tmp_path_factory) -> str:
    """One SQLite MLflow store for the module (creating its tables takes seconds)."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


@pytest.fixture
def on(monkeypatch):
    monkeypatch.setenv("CLINSUM_TRACKING", "on")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


@pytest.fixture(scope="module")
def server():
    with LLMServer() as srv:
        yield srv


def client(uri: str):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def artifact_paths(mlflow, run_id: str, folder: str = "") -> set[str]:
    found = set()
    for item in mlflow.list_artifacts(run_id, folder or None):
        found |= artifact_paths(mlflow, run_id, item.path) if item.is_dir else {item.path}
    return found


def grid_store(tmp_path, name: str = "ws") -> Store:
    store = Store.open(tmp_path / name)
    load_demo(store)
    return store


def run_grid_job(store: Store, host: str, **over) -> str:
    job_id = submit_grid(store, grid_toml(host, **over), spawn=False)
    assert jobs.run_job(store, job_id) == "done"
    return job_id


@pytest.mark.slow
def test_a_grid_is_a_run_in_the_workspace_store_by_default(tmp_path, on, server, capsys):
    store = grid_store(tmp_path)
    found = tracking.settings(store)
    assert found.active and found.source == "default" and found.uri.startswith("sqlite:///")
    assert str(store.root) in found.uri and found.artifact_location.startswith(store.root.as_uri())
    job_id = run_grid_job(store, server.ollama_host, models=("llama3.2:1b",), temperatures=(0.2,))
    run = tracking.run_for(store, job_id)
    assert run and run["kind"] == "grid" and run["url"] is None
    mlflow = client(found.uri)
    got = mlflow.get_run(run["run_id"])
    assert got.info.status == "FINISHED"
    assert got.data.tags["clinsum.job_id"] == job_id and got.data.tags["clinsum.status"] == "done"
    params = got.data.params
    assert params["strategies"] == "[template, chain_of_thought]" and params["n_records"] == "3"
    assert params["models.1.backend"] == "ollama" and params["models.1.model"] == "llama3.2:1b"
    assert params["n_cells"] == "6" and params["max_new_tokens"] == "64"
    metrics = got.data.metrics
    assert metrics["cells_stored"] == 6 and metrics["cells_failed"] == 0
    assert metrics["llama3.2_1b/template/t0.2/sample/cells"] == 3
    assert metrics["llama3.2_1b/template/t0.2/sample/mean_seconds"] >= 0
    assert artifact_paths(mlflow, run["run_id"]) == {"GRID.toml", "grid_results.csv"}
    local = mlflow.download_artifacts(run["run_id"], "GRID.toml", str(tmp_path))
    assert 'model = "llama3.2:1b"' in Path(local).read_text(encoding="utf-8")
    assert (store.root / "mlflow" / "artifacts").is_dir()  # artifacts stay in the workspace
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true"  # nothing reported to MLflow's makers
    assert cli(["-w", str(store.root), "jobs", "show", job_id]) == 0
    assert f"mlflow run: {run['run_id']}" in capsys.readouterr().out
    assert cli(["-w", str(store.root), "tracking", "runs"]) == 0
    assert run["run_id"] in capsys.readouterr().out


@pytest.mark.slow
def test_a_resumed_grid_goes_on_in_the_same_run(tmp_path, on, server, shared_uri):
    store = grid_store(tmp_path)
    tracking.write_config(store, uri=shared_uri, experiment="resume")
    job_id = submit_grid(store, grid_toml(server.ollama_host, models=("llama3.2:1b",), temperatures=(0.2,)),
                         spawn=False)
    (jobs.job_dir(store, job_id) / "STOP").touch()  # stopped before any cell
    assert jobs.run_job(store, job_id) == "stopped"
    jobs.resume(store, job_id, spawn=False)
    assert jobs.run_job(store, job_id) == "done"
    run_id = tracking.run_for(store, job_id)["run_id"]
    mlflow = client(shared_uri)
    assert mlflow.get_run(run_id).info.status == "FINISHED"
    history = mlflow.get_metric_history(run_id, "cells_stored")
    assert [m.value for m in history] == [6]  # logged once, at its one step
    runs = mlflow.search_runs([mlflow.get_experiment_by_name("resume").experiment_id])
    assert [r.info.run_id for r in runs] == [run_id]


@pytest.mark.slow
def test_a_scoring_job_is_a_run(tmp_path, on, server, shared_uri):
    store = grid_store(tmp_path)
    run_grid_job(store, server.ollama_host, models=("llama3.2:1b",), temperatures=(0.2,))
    tracking.write_config(store, uri=shared_uri, experiment="score")
    job_id = jobs.submit(store, "score", {"metrics": ["rouge", "lexical"], "targets": ["generation"]},
                         title="score", spawn=False)
    assert jobs.run_job(store, job_id) == "done"
    run_id = tracking.run_for(store, job_id)["run_id"]
    mlflow = client(shared_uri)
    got = mlflow.get_run(run_id)
    assert got.data.params["metrics"] == "[rouge, lexical]" and got.data.params["targets"] == "[generation]"
    assert got.data.metrics["rouge/computed"] == 6
    stored = store.scalar("SELECT avg(value) FROM metrics WHERE name = 'rouge1_f'")
    assert got.data.metrics["rouge/rouge1_f/mean"] == pytest.approx(stored)
    assert got.data.metrics["rouge/rouge1_f/n"] == 6
    assert artifact_paths(mlflow, run_id) == {"score_report.json"}


@pytest.mark.slow
def test_clinsum_score_without_job_is_a_run_too(tmp_path, on, server, shared_uri, capsys):
    store = grid_store(tmp_path)
    run_grid_job(store, server.ollama_host, models=("llama3.2:1b",), temperatures=(0.2,))
    tracking.write_config(store, uri=shared_uri, experiment="score-cli")
    args = ["-w", str(store.root), "score", "--metrics", "rouge,lexical", "--targets", "generation"]
    assert cli(args) == 0
    out = capsys.readouterr().out
    assert "rouge" in out and "12 computed" in out  # the table and the total, as before
    (run,) = tracking.runs(store, "score")
    mlflow = client(shared_uri)
    got = mlflow.get_run(run["run_id"])
    assert got.info.status == "FINISHED" and got.data.tags["clinsum.status"] == "done"
    assert got.data.params["metrics"] == "[rouge, lexical]" and got.data.params["targets"] == "[generation]"
    assert got.data.metrics["rouge/computed"] == 6 and got.data.metrics["lexical/computed"] == 6
    stored = store.scalar("SELECT avg(value) FROM metrics WHERE name = 'rouge1_f'")
    assert got.data.metrics["rouge/rouge1_f/mean"] == pytest.approx(stored)
    assert artifact_paths(mlflow, run["run_id"]) == {"score_report.json"}
    report = json.loads(Path(mlflow.download_artifacts(run["run_id"], "score_report.json", str(tmp_path)))
                        .read_text(encoding="utf-8"))
    assert report["computed"] == {"rouge": 6, "lexical": 6} and set(report["versions"]) == {"rouge", "lexical"}
    assert cli(args) == 0  # a second run is a second run, with nothing left to compute
    assert "0 computed" in capsys.readouterr().out and len(tracking.runs(store, "score")) == 2


def test_a_broken_store_is_a_warning_and_the_job_is_done(tmp_path, on, server, monkeypatch):
    store = grid_store(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{blocker}/mlflow.db")
    job_id = run_grid_job(store, server.ollama_host, models=("llama3.2:1b",), strategies=("template",),
                          temperatures=(0.2,))
    warnings = [e for e in jobs.read_log(store, job_id) if e.get("event") == "warning"]
    assert warnings and warnings[0]["source"] == "tracking" and "MLflow" in warnings[0]["message"]
    assert tracking.run_for(store, job_id) is None
    assert store.scalar("SELECT count(*) FROM generations WHERE grid_id = ?", [job_id]) == 3


def test_mlflow_failing_midway_is_a_warning(tmp_path, on, server, shared_uri, monkeypatch):
    from mlflow.tracking import MlflowClient

    store = grid_store(tmp_path)
    tracking.write_config(store, uri=shared_uri, experiment="failing")

    def fail(*_args, **_kwargs):
        raise RuntimeError("the tracking server went away")

    monkeypatch.setattr(MlflowClient, "log_artifact", fail)
    job_id = run_grid_job(store, server.ollama_host, models=("llama3.2:1b",), strategies=("template",),
                          temperatures=(0.2,))
    assert jobs.info(store, job_id)["status"] == "done"
    warnings = [e["message"] for e in jobs.read_log(store, job_id) if e.get("event") == "warning"]
    assert len(warnings) == 1 and "went away" in warnings[0]
    got = client(shared_uri).get_run(tracking.run_for(store, job_id)["run_id"])
    assert got.data.metrics["cells_stored"] == 3  # what was logged before the failure is kept


def test_without_mlflow_or_switched_off_nothing_is_tracked(tmp_path, on, server, monkeypatch):
    store = grid_store(tmp_path)
    monkeypatch.setattr(tracking, "mlflow_available", lambda: False)
    assert not tracking.settings(store).active
    job_id = run_grid_job(store, server.ollama_host, models=("llama3.2:1b",), strategies=("template",),
                          temperatures=(0.2,))
    warnings = [e["message"] for e in jobs.read_log(store, job_id) if e.get("event") == "warning"]
    assert warnings == ["MLflow tracking is on but the mlflow package is not installed; not tracked."]
    monkeypatch.undo()
    monkeypatch.setenv("CLINSUM_TRACKING", "off")
    job_id = run_grid_job(store, server.ollama_host, models=("phi4:latest",), strategies=("template",),
                          temperatures=(0.2,))
    assert not [e for e in jobs.read_log(store, job_id) if e.get("event") == "warning"]
    assert tracking.runs(store) == [] and not (store.root / "mlflow").exists()


def test_settings_precedence_and_no_secret_in_the_workspace(tmp_path, monkeypatch):
    store = Store.open(tmp_path / "ws")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("CLINSUM_TRACKING", raising=False)
    assert tracking.settings(store).source == "default"
    tracking.write_config(store, uri="http://mlflow.team:5000", experiment="team")
    found = tracking.settings(store)
    assert (found.uri, found.source, found.experiment, found.artifact_location) == (
        "http://mlflow.team:5000", "workspace", "team", None)
    assert tracking.ui_command(found) is None
    assert tracking.run_url(found.uri, "3", "abc") == "http://mlflow.team:5000/#/experiments/3/runs/abc"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://other:5000")
    assert tracking.settings(store).source == "env"
    tracking.write_config(store, enabled=False)
    assert not tracking.settings(store).enabled
    monkeypatch.setenv("CLINSUM_TRACKING", "on")
    assert tracking.settings(store).enabled
    with pytest.raises(ConfigError):
        tracking.write_config(store, uri="https://alice:s3cretpass@mlflow.team")
    assert "s3cret" not in (store.root / "tracking.toml").read_text()
    from clinsum.tracking.run import flat_params

    flat = flat_params({"models": {"1": {"api_key": "sk-abcdefghijklmnopqrstu", "host": "h"}}, "n": [1, 2]})
    assert flat == {"models.1.api_key": "[redacted]", "models.1.host": "h", "n": "[1, 2]"}


def test_cli_flags_reach_the_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "set-by-the-flag")  # restored (unset) after the test
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    ws = str(tmp_path / "ws")
    assert cli(["-w", ws, "--tracking-uri", "http://team:5000", "tracking"]) == 0
    out = capsys.readouterr().out
    assert "uri: http://team:5000 (env)" in out and "tracking: off" in out  # conftest turns it off
    assert cli(["-w", ws, "tracking", "set", "--on"]) == 0
    assert "enabled = true" in (tmp_path / "ws" / "tracking.toml").read_text()
    monkeypatch.setenv("CLINSUM_TRACKING", "on")
    assert cli(["-w", ws, "--no-tracking", "tracking", "show"]) == 0
    assert os.environ["CLINSUM_TRACKING"] == "off" and "tracking: off" in capsys.readouterr().out


@pytest.mark.slow
def test_a_finetuning_job_is_a_run_with_losses_card_and_adapter(tmp_path, on, shared_uri):
    import torch

    from clinsum.finetune import datasets as ds
    from clinsum.finetune.config import preset
    from clinsum.finetune.job import submit_run
    from clinsum.finetune.models import load_tokenizer
    from tests.core.test_finetune_train import toy_jsonl
    from tests.fakes.tiny_llama import build_tiny_llama

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = build_tiny_llama(tmp_path / "tiny")
        store = Store.open(tmp_path / "ws")
        tracking.write_config(store, uri=shared_uri, experiment="finetune")
        examples, _ = ds.examples_from_jsonl(toy_jsonl(8))
        built = ds.build(examples, load_tokenizer(str(model)), val_fraction=0.25)
        dataset = ds.save_dataset(store, "toy", built, source="jsonl", base_model=str(model), options={})
        config = preset("tiny-cpu", base_model=str(model), dataset=dataset["id"], max_steps=4,
                        eval_steps=2, save_steps=1000, seed=7)
        job_id = submit_run(store, config, spawn=False)
        assert jobs.run_job(store, job_id) == "done"
    finally:
        torch.set_num_threads(threads)
    run_id = tracking.run_for(store, job_id)["run_id"]
    mlflow = client(shared_uri)
    got = mlflow.get_run(run_id)
    assert got.info.status == "FINISHED"
    assert got.data.params["max_steps"] == "4" and got.data.params["dataset"] == dataset["id"]
    losses = mlflow.get_metric_history(run_id, "loss")
    logged = [e for e in jobs.read_log(store, job_id) if e.get("event") == "train"]
    assert sorted((m.step, m.value) for m in losses) == [(e["step"], e["loss"]) for e in logged]
    assert [m.step for m in mlflow.get_metric_history(run_id, "eval_loss")] == [2, 4]
    assert "final/final_loss" in got.data.metrics
    paths = artifact_paths(mlflow, run_id)
    assert {"dataset/dataset_card.md", "dataset/meta.json", "config.toml",
            "adapter/adapter_config.json"} <= paths
    card = mlflow.download_artifacts(run_id, "dataset/dataset_card.md", str(tmp_path))
    assert "# Dataset toy@1" in Path(card).read_text(encoding="utf-8")
    meta = Path(mlflow.download_artifacts(run_id, "dataset/meta.json", str(tmp_path)))
    assert json.loads(meta.read_text(encoding="utf-8"))["name"] == "toy"


@pytest.mark.slow
def test_metrics_are_logged_as_cells_complete_once_per_step(tmp_path, on, server, shared_uri):
    from clinsum.experiments import parse_grid, run_grid
    from clinsum.tracking.hooks import GRID
    from clinsum.tracking.run import JobRun

    store = grid_store(tmp_path)
    tracking.write_config(store, uri=shared_uri, experiment="flush")
    job_id = submit_grid(store, grid_toml(server.ollama_host, models=("llama3.2:1b",), temperatures=(0.2,)),
                         spawn=False)
    ctx = jobs.JobContext(store, job_id, jobs.info(store, job_id)["config"], jobs.job_dir(store, job_id))
    run = JobRun(ctx, GRID, tracking.settings(store))
    run._start()  # what the side thread does first
    for records in (["es01_cardiologia_icc"], ["es01_cardiologia_icc", "es02_neumologia_epoc"]):
        grid = parse_grid(grid_toml(server.ollama_host, records=records, models=("llama3.2:1b",),
                                    temperatures=(0.2,)))
        run_grid(store, grid, job_id)
        run.flush()
        run.flush()  # nothing new: nothing logged
    run.finish("FINISHED")
    history = client(shared_uri).get_metric_history(run.run_id, "cells_stored")
    assert sorted((m.step, m.value) for m in history) == [(2, 2), (4, 4)]


def test_a_server_outside_the_hospital_gets_no_record_ids_and_no_adapter(tmp_path, monkeypatch):
    from clinsum.privacy.settings import PrivacySettings, save_settings
    from clinsum.tracking.hooks import finetune_artifacts, grid_artifacts

    store = grid_store(tmp_path)
    assert not tracking.leaves_hospital(store)  # the workspace store
    job_id = submit_grid(store, grid_toml("http://127.0.0.1:1"), spawn=False)
    folder = jobs.job_dir(store, job_id)
    (folder / "adapter").mkdir()
    (folder / "adapter" / "adapter_model.safetensors").write_bytes(b"weights")
    ctx = jobs.JobContext(store, job_id, jobs.info(store, job_id)["config"], folder)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.example.org:5000")
    assert tracking.leaves_hospital(store)
    (tmp_path / "out").mkdir()
    toml = grid_artifacts(ctx, tmp_path / "out")[0][0].read_text(encoding="utf-8")
    assert "records = {limit = 3}" in toml and "es01_cardiologia_icc" not in toml
    ft = jobs.JobContext(store, job_id, {}, folder)
    assert [folder for _, folder in finetune_artifacts(ft, tmp_path / "out")] == [None]  # config.toml only
    notices = [e["message"] for e in jobs.read_log(store, job_id) if e.get("event") == "notice"]
    assert notices and "not sent" in notices[0]
    save_settings(store, PrivacySettings(inside_hosts=["loopback", "*.example.org"]))
    assert not tracking.leaves_hospital(store)
    assert ("adapter" in [f for _, f in finetune_artifacts(ft, tmp_path / "out")])
    assert "es01_cardiologia_icc" in grid_artifacts(ctx, tmp_path / "out")[0][0].read_text(encoding="utf-8")
