"""The metric explorer page through AppTest: charts, filters, the SQL box, the empty state."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from clinsum.store import Store
from tests.fakes.explorer_data import build


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("page-explorer") / "ws"
    build(Store.open(path))
    return path


def _app(page_app, workspace: Path) -> AppTest:
    at = page_app("40_explorer.py", workspace, timeout=60)
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _charts(at: AppTest) -> list:
    return at.get("plotly_chart")


def test_every_chart_renders(page_app, workspace):
    at = _app(page_app, workspace)
    assert at.selectbox(key="explorer.metric").value == "rouge1_f"
    charts = _charts(at)
    # groups, temperature, matrix, time, pareto, histogram, correlation, ratings heatmap + scatter
    assert len(charts) == 9
    wide = next(df.value for df in at.dataframe if "Summary" in df.value.columns)  # headers read as labels
    assert len(wide) == 6 and "ROUGE-1 F1" in wide.columns  # all scores, failed g7 left out
    assert "higher is better" in " ".join(c.value for c in at.caption)
    tables = [df.value for df in at.dataframe]
    by_model = next(t for t in tables if "Mean" in t.columns and "Model" in t.columns)
    assert by_model.set_index("Model").loc["A", "Mean"] == pytest.approx(0.3)
    assert "clinsum explore summary --by model --metric rouge1_f" in " ".join(c.value for c in at.caption)


def test_filters_and_grouping_change_the_tables(page_app, workspace):
    at = _app(page_app, workspace)
    at.multiselect(key="explorer.f.model").set_value(["B"]).run()
    _ok(at)
    at.selectbox(key="explorer.by").set_value("strategy").run()
    _ok(at)
    table = next(df.value for df in at.dataframe if "Strategy" in df.value.columns and "Mean" in df.value.columns)
    assert table.set_index("Strategy")["Mean"].to_dict() == pytest.approx({"s1": 0.6, "s2": 0.8})
    captions = " ".join(c.value for c in at.caption)
    assert "clinsum explore summary --by strategy --metric rouge1_f --model B" in captions
    at.selectbox(key="explorer.metric").set_value("bleu").run()
    _ok(at)
    assert len(_charts(at)) >= 8


def test_sql_box_runs_selects_and_refuses_writes(page_app, workspace):
    at = _app(page_app, workspace)
    at.text_area(key="explorer.sql").set_value("SELECT count(*) AS n FROM generations").run()
    at.button(key="explorer.sql.run").click().run()
    _ok(at)
    assert any(list(df.value.columns) == ["n"] and df.value["n"].iloc[0] == 7 for df in at.dataframe)
    at.text_area(key="explorer.sql").set_value("DELETE FROM generations").run()
    at.button(key="explorer.sql.run").click().run()
    assert not at.exception
    assert any("Only reading queries" in e.value for e in at.error)
    assert Store(workspace).scalar("SELECT count(*) FROM generations") == 7


def test_empty_workspace_explains_how_to_get_data(page_app, tmp_path):
    Store.open(tmp_path / "empty")
    at = _app(page_app, tmp_path / "empty")
    assert any("There are no metrics yet" in i.value for i in at.info)
    assert not _charts(at)


def test_score_now_starts_the_scoring_job(page_app, tmp_path):
    from clinsum import jobs

    ws = tmp_path / "to-score"
    Store.open(ws)
    at = _app(page_app, ws)
    at.button(key="explorer.score").click().run()
    _ok(at)
    job_id = at.session_state["explorer.job"]
    store = Store(ws)
    info = jobs.info(store, job_id)
    assert info["kind"] == "score"
    jobs.wait(store, job_id, timeout=120)  # an empty workspace: nothing to score, done quickly
    assert jobs.info(store, job_id)["status"] == "done"
    at.run()
    _ok(at)
    assert "Scoring started" in " ".join(c.value for c in at.caption)
