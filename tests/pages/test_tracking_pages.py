"""The Grids, Explorer and Fine-tuning pages show a job's MLflow run: a link for a tracking
server, the run id and the command that opens a local store, and a note when tracking is off."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from test_pages_i18n import problems, visible_texts

import clinsum.plugins  # noqa: F401 - registers every job kind
from clinsum import jobs, tracking
from clinsum.store import Store


@pytest.fixture
def workspace(module_demo_workspace, monkeypatch) -> Store:
    """This module's copy of the demo workspace, with tracking on."""
    store = Store.open(module_demo_workspace)
    monkeypatch.setenv("CLINSUM_WORKSPACE", str(store.root))
    monkeypatch.setenv("CLINSUM_TRACKING", "on")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return store


def job_with_run(store: Store, kind: str, config: dict, uri: str, run_id: str) -> str:
    """A finished job whose MLflow run is recorded (as the tracking hooks record it)."""
    job_id = jobs.submit(store, kind, config, title=f"{kind} job", spawn=False)
    store.execute("UPDATE jobs SET status = 'done' WHERE id = ?", [job_id])
    store.execute("INSERT INTO tracking_runs (job_id, kind, run_id, experiment_id, tracking_uri) "
                  "VALUES (?, ?, ?, '7', ?)", [job_id, kind, run_id, uri])
    return job_id


@pytest.fixture
def page(page_app, workspace):
    """``page(name, lang)``: a page on the tracked workspace."""
    return lambda name, lang: page_app(name, workspace.root, lang=lang, timeout=120)


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def grid_config(store: Store) -> dict:
    ids = [r[0] for r in store.execute("SELECT id FROM records ORDER BY id LIMIT 1")]
    return {"grid": {"name": "g", "records": ids, "strategies": ["template"], "temperatures": [0.2],
                     "decodings": ["greedy"], "models": [{"backend": "extractive", "model": "mmr"}]}}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_grids_page_shows_a_local_run_and_how_to_open_it(page, workspace, lang):
    uri = tracking.default_uri(workspace)
    job_with_run(workspace, "grid", grid_config(workspace), uri, "runlocal0123")
    at = page("25_grids.py", lang)
    text = captions(at)
    assert "runlocal0123" in text
    assert ("MLflow run:" if lang == "en" else "Ejecución de MLflow:") in text
    assert any(c.value.startswith(f"mlflow ui --backend-store-uri {uri}") for c in at.code)
    assert ("MLflow tracking: on" if lang == "en" else "Seguimiento en MLflow: activo") in text
    known = {r[0] for r in workspace.execute("SELECT id FROM records")} | {"runlocal0123"}
    found = problems(visible_texts(at), lang, known)
    assert found == [], "\n".join(found)


def test_finetune_page_links_to_a_run_on_a_tracking_server(page, workspace):
    job_with_run(workspace, "finetune", {"name": "a"}, "http://mlflow.team:5000", "runremote456")
    at = page("80_finetune.py", "en")
    buttons = at.get("link_button")
    assert [b.proto.url for b in buttons] == ["http://mlflow.team:5000/#/experiments/7/runs/runremote456"]
    assert "runremote456" in captions(at)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_explorer_lists_the_runs_and_says_when_mlflow_is_missing(page, workspace, monkeypatch, lang):
    job_id = job_with_run(workspace, "score", {"metrics": ["rouge"]}, tracking.default_uri(workspace),
                          "runscore789")
    monkeypatch.setattr(tracking, "mlflow_available", lambda: False)
    at = page("40_explorer.py", lang)
    runs = next(d.value for d in at.dataframe if "runscore789" in d.value.to_string())
    assert list(runs.columns)[:2] == (["Job", "Job kind"] if lang == "en" else ["Trabajo", "Tipo de trabajo"])
    assert runs.iloc[0, 1] == ("scoring" if lang == "en" else "puntuación")
    if lang == "en":
        assert "MLflow tracking: off, because the mlflow package is not installed" in captions(at)
    known = {r[0] for r in workspace.execute("SELECT id FROM records")} | {"runscore789", job_id}
    found = problems(visible_texts(at), lang, known)
    assert found == [], "\n".join(found)


def test_a_tracking_warning_is_shown_with_the_job(page, workspace, monkeypatch):
    monkeypatch.setenv("CLINSUM_TRACKING", "off")
    job_id = jobs.submit(workspace, "grid", grid_config(workspace), title="g", spawn=False)
    ctx = jobs.JobContext(workspace, job_id, {}, jobs.job_dir(workspace, job_id))
    ctx.log(event="warning", source="tracking", message="MLflow tracking stopped (start): refused <b>")
    at = page("25_grids.py", "en")
    text = captions(at)
    assert "MLflow tracking warning" in text and "refused \\<b\\>" in text  # drawn as plain text
    assert "MLflow tracking: off" in text
