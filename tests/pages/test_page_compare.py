"""The comparison page through AppTest: escaping, marks, stepping, worst/best/random jumps."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from clinsum.store import Store
from tests.fakes.explorer_data import build


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("page-compare") / "ws"
    build(Store.open(path), with_ratings=False)
    return path


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _app(page_app, workspace: Path) -> AppTest:
    at = page_app("30_compare.py", workspace, timeout=60)
    _ok(at)
    return at


def _html(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_first_record_side_by_side_with_marks(page_app, workspace):
    at = _app(page_app, workspace)
    assert at.selectbox(key="compare.record").value == "r1"
    html = _html(at)
    assert "Paciente de 67 años con dolor torácico</mark>" in html  # shared n-gram, escaped text
    assert "title=\"dose: not in source\">500 mg</mark>" in html  # faithfulness flag
    assert "Record 1 of 4" in " ".join(c.value for c in at.caption)
    assert any(df.value.set_index("Metric").loc["ROUGE-1 F1", "Value"] == pytest.approx(0.2)
               for df in at.dataframe if "Metric" in df.value.columns and "Value" in df.value.columns)


def test_step_and_escaping(page_app, workspace):
    at = _app(page_app, workspace)
    at.button(key="compare.next").click().run()
    _ok(at)
    assert at.selectbox(key="compare.record").value == "r2"
    at.button(key="compare.next").click().run()
    at.button(key="compare.next").click().run()
    at.button(key="compare.next").click().run()
    assert at.selectbox(key="compare.record").value == "r1"  # wrapped around
    at.button(key="compare.prev").click().run()
    assert at.selectbox(key="compare.record").value == "r4"
    at.selectbox(key="compare.record").set_value("r3").run()
    _ok(at)
    html = _html(at)
    assert "<script>" not in html and "<b>cefalea</b>" not in html
    assert "&lt;b&gt;cefalea&lt;/b&gt;" in html  # the candidate's markup shown as text
    assert "&lt;script&gt;" in html  # the record's markup shown as text


def test_jump_worst_best_random(page_app, workspace):
    at = _app(page_app, workspace)
    at.selectbox(key="compare.metric").set_value("rouge1_f").run()
    at.button(key="compare.jump.best").click().run()
    _ok(at)
    assert at.selectbox(key="compare.record").value == "r2"
    assert at.multiselect(key="compare.cands.r2").value == ["g4"]
    assert "Best: ROUGE-1 F1 = 0.8" in " ".join(c.value for c in at.caption)
    at.button(key="compare.jump.worst").click().run()
    assert at.selectbox(key="compare.record").value == "r1"
    assert at.multiselect(key="compare.cands.r1").value == ["g1"]
    at.button(key="compare.jump.random").click().run()
    _ok(at)
    assert at.selectbox(key="compare.record").value in {"r1", "r2", "r3", "r4"}


def test_empty_workspace_explains(page_app, tmp_path):
    Store.open(tmp_path / "empty")
    at = _app(page_app, tmp_path / "empty")
    assert any("no generated summaries" in i.value for i in at.info)
