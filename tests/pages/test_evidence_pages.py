"""Evidence review, PDSQI-9 and judge calibration on the pages (AppTest): a sentence picked on
Compare highlights its evidence in the record; overturning a label stores an annotation;
PDSQI-9 is rated and its agreement shown; judge scores carry a "not calibrated" mark."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from clinsum.annotation import pdsqi
from clinsum.annotation.annotators import sign_in
from clinsum.annotation.rubric import PDSQI9_NAMES
from clinsum.store import Store

RECORD = (
    "Motivo de ingreso:\nVarón de 72 años con disnea y edemas en ambas piernas.\n"
    "Exploración física:\nCrepitantes en base derecha. No fiebre.\n"
    "Evolución:\nSe trató con furosemida 40 mg iv cada 8 horas <b>sin</b> incidencias.\n"
)
SUMMARY = "Crepitantes en base izquierda. Furosemida 40 mg iv cada 8 horas **sin** incidencias."


@pytest.fixture
def workspace(tmp_path) -> Path:
    store = Store.open(tmp_path / "ws")
    store.execute("INSERT INTO records (id, source, language, title, text, content_hash) VALUES"
                  " ('r1', 'test', 'es', 'ICC', ?, 'h1')", [RECORD])
    store.execute("INSERT INTO generations (id, record_id, backend, model, strategy, text) VALUES"
                  " ('g1', 'r1', 'ollama', 'phi4', 'plain', ?)", [SUMMARY])
    store.execute("INSERT INTO reference_summaries (id, record_id, version, text) VALUES"
                  " ('ref-1', 'r1', 1, ?)", [SUMMARY])
    sign_in(store, "ana")
    store.execute("INSERT INTO metrics (target_kind, target_id, metric, name, metric_version, value)"
                  " VALUES ('generation', 'g1', 'judge', 'judge_correctness', 'v', 4)")
    return store.root


def _app(page_app, workspace: Path, page: str) -> AppTest:
    at = page_app(page, workspace, timeout=240)
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _record_html(at: AppTest) -> str:
    frames = at.get("iframe")
    assert frames, "the record is drawn in an HTML component"
    return frames[-1].proto.srcdoc


def test_compare_sentence_shows_evidence_and_overturn_is_stored(page_app, workspace):
    at = _app(page_app, workspace, "30_compare.py")
    warnings = " ".join(w.value for w in at.warning)
    assert "not calibrated" in warnings and "judge_correctness" in warnings
    at.button(key="compare.evidence.g1.align").click().run()
    _ok(at)
    radio = at.radio(key="compare.evidence.g1.sentence")
    assert len(radio.options) == 2
    assert radio.options[0].startswith("🔴 Contradicted")  # colour dot and text label
    assert "\\*\\*sin\\*\\*" in radio.options[1]  # model text shown literally, not as Markdown
    html = _record_html(at)
    assert 'id="ev-0"' in html and ">Crepitantes en base derecha.</mark>" in html
    assert "scrollIntoView" in html and "&lt;b&gt;sin&lt;/b&gt;" in html and "<b>sin</b>" not in html
    legend = " ".join(m.value for m in at.markdown)
    assert all(word in legend for word in ("Supported", "Partly supported", "Unsupported", "Contradicted"))
    radio.set_value(1).run()
    _ok(at)
    html = _record_html(at)
    assert "furosemida 40 mg iv cada 8 horas &lt;b&gt;sin&lt;/b&gt; incidencias.</mark>" in html
    assert "Crepitantes en base derecha.</mark>" not in html
    radio = at.radio(key="compare.evidence.g1.sentence").set_value(0)
    at.text_input(key="compare.evidence.g1.who").input("dra.ruiz")
    at.run()
    at.selectbox(key="compare.evidence.g1.to.0").set_value("unsupported")
    at.button(key="compare.evidence.g1.overturn.0").click().run()
    _ok(at)
    assert any("overturned to: Unsupported" in s.value for s in at.success)
    store = Store.open(workspace)
    row = store.fetch_one("SELECT item_kind, item_id, annotator, verdict FROM annotations")
    assert row == {"item_kind": "evidence", "item_id": "generation:g1:0", "annotator": "dra.ruiz",
                   "verdict": "overturn"}


def test_annotation_pdsqi_rated_and_agreement_shown(page_app, workspace):
    store = Store.open(workspace)
    pdsqi.submit_pdsqi(store, "luis", "reference", "ref-1", {n: 4 for n in PDSQI9_NAMES})
    at = page_app("70_annotate.py", workspace, timeout=240, run=False)
    at.session_state["annotate.who"] = "ana"
    at.run()
    _ok(at)
    key = "annotate.r.ref-1.pdsqi"
    for name in PDSQI9_NAMES:
        at.radio(key=f"{key}.{name}").set_value(5 if name == "cited" else 4)
    at.button(key=f"{key}.submit").click().run()
    _ok(at)
    assert any("PDSQI-9 rating saved" in s.value for s in at.success)
    assert pdsqi.get_pdsqi(store, "ref-1", "ana") == {n: 5 if n == "cited" else 4 for n in PDSQI9_NAMES}
    at.radio(key="annotate.section").set_value("agreement").run()
    _ok(at)
    assert "PDSQI-9 agreement per item" in " ".join(m.value for m in at.markdown)
    overall = next(d.value for d in at.dataframe if "Krippendorff α (ordinal)" in d.value and len(d.value) == 9)
    assert len(overall) == 9 and "Cited" in set(overall["Criterion"])  # headers read as labels
    row = overall.set_index("Criterion").loc["Accurate"]
    assert row["Items"] == 1 and row["Observed agreement"] == 1.0
    from test_pages_i18n import problems, visible_texts

    found = problems(visible_texts(at), "en", {r[0] for r in store.execute("SELECT id FROM records")} | {"ref-1"})
    assert found == [], "\n".join(found)


def test_annotation_evidence_on_the_reference(page_app, workspace):
    at = page_app("70_annotate.py", workspace, timeout=240, run=False)
    at.session_state["annotate.who"] = "ana"
    at.run()
    key = "annotate.r.ref-1.evidence"
    at.button(key=f"{key}.align").click().run()
    _ok(at)
    at.button(key=f"{key}.confirm.0").click().run()
    _ok(at)
    store = Store.open(workspace)
    assert store.fetch_one("SELECT annotator, verdict FROM annotations WHERE item_kind = 'evidence'") == {
        "annotator": "ana", "verdict": "confirm"}
