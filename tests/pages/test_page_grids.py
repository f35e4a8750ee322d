"""The Grids page through AppTest: build a grid without TOML, launch it, follow it, results,
stop and resume; with the extractive backend and with a loopback Ollama server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from clinsum import jobs
from clinsum.experiments import grid_toml, parse_grid
from clinsum.store import Store
from tests.fakes.llm_server import LLMServer, free_port_url


@pytest.fixture(scope="module")
def workspace(module_demo_workspace) -> Path:
    """This module's copy of the session's demo workspace."""
    return module_demo_workspace


def _app(page_app, workspace, host: str) -> AppTest:
    at = page_app("25_grids.py", workspace, ollama_host=host, timeout=60)
    _clean(at)
    return at


def _clean(at: AppTest) -> None:
    assert not at.exception, at.exception
    errors = [e.value for e in at.error if "cells failed" not in e.value]  # a grid's own report
    assert not errors, errors


def speaks(at: AppTest, lang: str, store: Store, known: set[str]) -> None:
    """The page's tables and texts read in ``lang``, with no raw identifier."""
    from test_pages_i18n import problems, visible_texts

    known = known | {r[0] for r in store.execute("SELECT id FROM records")}
    known |= {r[0] for r in store.execute("SELECT id FROM generations")}
    found = problems(visible_texts(at), lang, known)
    assert found == [], "\n".join(found)


def _launch(at: AppTest) -> str:
    at.button(key="grids.start").click().run()
    _clean(at)
    job_id = at.session_state["grids.started"]
    assert any(job_id in s.value for s in at.success)
    return job_id


def test_extractive_grid_on_two_demo_records_end_to_end(page_app, workspace):
    at = _app(page_app, workspace, free_port_url())
    # Ollama is down: it is explained with what it needs, in the page's language
    assert any("ollama serve" in m.value for m in at.markdown)
    assert at.multiselect(key="grids.models.extractive").value  # preselected: the only usable one
    at.text_input(key="grids.name").set_value("<b>demo</b>")
    at.radio(key="grids.records_mode").set_value("selection").run()
    demo_ids = [r[0] for r in Store(workspace).execute("SELECT id FROM records ORDER BY id LIMIT 2")]
    at.multiselect(key="grids.records_pick").set_value(demo_ids)
    at.multiselect(key="grids.strategies").set_value(["template"]).run()
    _clean(at)
    assert any(s.value.startswith("2 cells = 1 model(s)") for s in at.success), [s.value for s in at.success]
    toml_text = next(c.value for c in at.code if "[[models]]" in c.value)
    grid = parse_grid(toml_text)  # the equivalent GRID.toml is valid and says the same
    assert [m.backend for m in grid.models] == ["extractive"] and grid.records == demo_ids
    assert any(c.value.endswith(" run b_demo_b.toml") for c in at.code)

    job_id = _launch(at)
    store = Store(workspace)
    assert jobs.wait(store, job_id, timeout=60)["status"] == "done"
    at.run()
    _clean(at)
    rows = store.fetch_dicts("SELECT * FROM generations WHERE grid_id = ?", [job_id])
    assert len(rows) == 2 and {r["record_id"] for r in rows} == set(demo_ids)
    assert all(r["error"] is None and r["backend"] == "extractive" for r in rows)
    results = [df.value for df in at.dataframe]
    assert any("Cells" in df.columns and df["Cells"].sum() == 2 for df in results)  # headers read as labels
    assert any("Record" in df.columns and set(df["Record"]) == set(demo_ids) for df in results)
    speaks(at, "en", store, {job_id})
    titles = " ".join(m.value for m in at.markdown)
    assert "&lt;b&gt;demo&lt;/b&gt;" in titles and "<b>demo</b>" not in titles  # escaped


def test_ollama_grid_with_an_uploaded_toml_and_error_cells(page_app, workspace, llm_server):
    at = _app(page_app, workspace, llm_server.ollama_host)
    assert at.multiselect(key="grids.models.ollama").options == sorted(llm_server.models)
    at.multiselect(key="grids.models.ollama").set_value(["phi4:latest"])
    at.multiselect(key="grids.models.extractive").set_value([])
    at.radio(key="grids.records_mode").set_value("demo").run()
    at.number_input(key="grids.demo_count").set_value(2)
    at.multiselect(key="grids.temperatures").set_value([0.2, 0.8]).run()
    _clean(at)
    assert any(s.value.startswith("4 cells") for s in at.success)
    toml_text = next(c.value for c in at.code if "[[models]]" in c.value)
    assert f'host = "{llm_server.ollama_host}"' in toml_text  # the CLI reaches the same server

    llm_server.fail_next(1, status=500)  # one cell fails; the grid goes on and shows it
    job_id = _launch(at)
    store = Store(workspace)
    row = jobs.wait(store, job_id, timeout=60)
    assert row["status"] == "failed" and "1 of 4 cells failed" in row["error"]  # not "done" (issue 11)
    at.run()
    assert not at.exception
    assert any("1 of 4 cells failed" in e.value for e in at.error)
    assert [b for b in at.button if b.key == f"resume-{job_id}"]  # resume retries the failed cell
    rows = store.fetch_dicts("SELECT error FROM generations WHERE grid_id = ?", [job_id])
    assert len(rows) == 4 and sum(r["error"] is not None for r in rows) == 1
    assert any("1 cell(s) failed" in w.value for w in at.warning)
    failed = next(df.value for df in at.dataframe if "Error" in df.value.columns and len(df.value) == 1)
    assert list(failed.columns)[:3] == ["Record", "Model", "Strategy"]
    speaks(at, "en", store, {job_id, "phi4:latest"})
    assert all(c.model == "phi4:latest" for c in llm_server.calls)

    # the same grid as an uploaded GRID.toml plans the same cells
    assert grid_toml(parse_grid(toml_text).raw).rstrip() == toml_text.rstrip()
    at.radio(key="grids.mode").set_value("upload").run()
    at.file_uploader(key="grids.upload").set_value(("g.toml", toml_text.encode(), "application/toml")).run()
    _clean(at)
    assert any(s.value.startswith("4 cells") for s in at.success)
    assert any(c.value.startswith("Estimated duration") for c in at.caption)  # from the cells just run
    # a broken file is explained, and the grids list stays visible
    at.file_uploader(key="grids.upload").set_value(("g.toml", b"models = [", "application/toml")).run()
    assert not at.exception
    assert any("not valid TOML" in e.value for e in at.error)
    assert any(job_id in m.value for m in at.markdown)


def test_stop_and_resume_a_running_grid(page_app, workspace):
    with LLMServer(latency=2.0, capacity=1) as server:  # 6 cells ≈ 12 s: the stop lands mid-grid
        at = _app(page_app, workspace, server.ollama_host)
        at.multiselect(key="grids.models.ollama").set_value(["llama3.2:1b"])
        at.multiselect(key="grids.models.extractive").set_value([])
        at.radio(key="grids.records_mode").set_value("demo").run()
        at.number_input(key="grids.demo_count").set_value(2)
        at.multiselect(key="grids.temperatures").set_value([0.1, 0.5, 1.0]).run()
        at.number_input(key="grids.concurrency.ollama").set_value(1).run()
        _clean(at)
        job_id = _launch(at)
        store = Store(workspace)
        deadline = time.monotonic() + 30
        while (jobs.read_progress(store, job_id).get("done") or 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        at.run()
        _clean(at)
        at.button(key=f"stop-{job_id}").click().run()
        assert not at.exception
        assert jobs.wait(store, job_id, timeout=30)["status"] == "stopped"
        kept = store.scalar("SELECT count(*) FROM generations WHERE grid_id = ?", [job_id])
        assert 1 <= kept < 6
        at.run()
        _clean(at)
        assert not [b for b in at.button if b.key == f"stop-{job_id}"]
        at.button(key=f"resume-{job_id}").click().run()
        assert not at.exception
        assert jobs.wait(store, job_id, timeout=60)["status"] == "done"
        keys = [r[0] for r in store.execute("SELECT cell_key FROM generations WHERE grid_id = ?", [job_id])]
        assert len(keys) == 6 == len(set(keys))  # every cell once; finished ones were skipped
        assert len(server.calls) == 6 + sum(c.outcome != "ok" for c in server.calls)


def test_empty_workspace_offers_the_demo_instead_of_an_error(page_app, tmp_path):
    at = _app(page_app, tmp_path / "empty", free_port_url())
    assert at.info and not at.success  # nothing to plan yet, and no error
    at.button(key="grids.load_demo").click().run()
    _clean(at)
    assert Store(tmp_path / "empty").scalar("SELECT count(*) FROM records") > 0
    assert any(" cells = 1 model(s)" in s.value for s in at.success)  # all records × the default model
