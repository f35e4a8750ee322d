"""The Records page's import: references in the preview, large imports as a job."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from clinsum import jobs
from clinsum.store import Store

CSV = ("id,text,gold\n"
       "n1,\"Motivo de consulta: fiebre.\nPlan: control.\",fiebre; control\n"
       "n2,\"Motivo de consulta: tos.\nPlan: jarabe.\",tos; jarabe\n"
       "n3,\"Motivo de consulta: fiebre.\nPlan: control.\",\n")


@pytest.fixture
def workspace(tmp_path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def records_page(page_app, workspace):
    """The Records page (in Spanish) on an empty workspace."""
    return lambda: page_app("10_records.py", workspace, lang="es", timeout=60, run=False).run()


def upload(at: AppTest) -> AppTest:
    at.text_input(key="records.map.reference").set_value("gold").run()
    return at.file_uploader(key="records.files").set_value([("notas.csv", CSV.encode(), "text/csv")]).run()


def test_preview_shows_references_and_aliases_then_stores_them(records_page, workspace) -> None:
    at = upload(records_page())
    assert not at.exception and not at.error
    assert any("2 filas traen un resumen de referencia" in i.value for i in at.info)
    assert any("1 filas tienen el mismo texto" in i.value for i in at.info)  # n3 repeats n1's text
    assert any("Resumen de referencia · draft" in c.value for c in at.caption)
    at.button(key="records.confirm").click().run()
    assert any("Importados 3" in s.value for s in at.success)
    store = Store.open(workspace)
    assert store.fetch_dicts("SELECT record_id, text FROM reference_summaries ORDER BY 1") == [
        {"record_id": "n1", "text": "fiebre; control"}, {"record_id": "n2", "text": "tos; jarabe"}]


def test_a_large_upload_is_imported_by_a_job_with_a_progress_panel(records_page, workspace, monkeypatch) -> None:
    monkeypatch.setenv("CLINSUM_IMPORT_BACKGROUND_ROWS", "2")
    at = upload(records_page())
    at.button(key="records.confirm").click().run()
    assert not at.exception
    job_id = at.session_state["records.job"]
    store = Store.open(workspace)
    assert jobs.wait(store, job_id, timeout=120)["status"] == "done"
    at.run()
    assert not at.exception and not at.error
    assert any("Importados 3" in s.value for s in at.success)
    assert store.scalar("SELECT count(*) FROM records") == 3
    assert store.scalar("SELECT count(*) FROM reference_summaries") == 2


@pytest.mark.parametrize("lang", ["es", "en"])
def test_preview_tables_speak_the_users_language(page_app, workspace, lang) -> None:
    """Aliases, a skipped row and, on a second upload, rows already stored: each table of the
    preview has translated headers and no raw identifier in either language (the records are
    written in the page's language: their text is shown as it is)."""
    from test_pages_i18n import problems, visible_texts

    ids = {"n1", "n2", "n3", "n4"}
    rows = CSV if lang == "es" else CSV.replace("Motivo de consulta", "Reason for visit")
    bad = (rows + "n4,,\n").encode()
    at = page_app("10_records.py", workspace, lang=lang, timeout=60)
    at = at.file_uploader(key="records.files").set_value([("notas.csv", bad, "text/csv")]).run()
    assert not at.exception
    headers = {c for d in at.dataframe for c in d.value.columns}
    same_as, line = ("Igual que", "Línea") if lang == "es" else ("Same as", "Line")
    assert {same_as, line} <= headers, headers  # the aliases and the problems tables
    found = problems(visible_texts(at), lang, ids)
    assert found == [], "\n".join(found)
    at.button(key="records.confirm").click().run()
    at = page_app("10_records.py", workspace, lang=lang, timeout=60)
    at = at.file_uploader(key="records.files").set_value([("notas.csv", rows.encode(), "text/csv")]).run()
    existing = "Ya existente" if lang == "es" else "Already there"
    assert any(existing in d.value.columns for d in at.dataframe), [list(d.value.columns) for d in at.dataframe]
    assert problems(visible_texts(at), lang, ids) == []
