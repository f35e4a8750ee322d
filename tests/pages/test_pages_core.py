"""Home and Records pages through Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "ws"
    monkeypatch.setenv("CLINSUM_WORKSPACE", str(path))
    return path


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_home_loads_the_demo_from_an_empty_workspace(page_app, workspace) -> None:
    at = page_app("Home.py", workspace, lang="es", timeout=60)
    no_errors(at)
    assert at.metric[0].value == "0"
    at.button(key="home.load_demo").click().run()
    no_errors(at)
    values = {m.label: m.value for m in at.metric}
    assert int(values["Registros"]) >= 20
    from clinsum import jobs
    from clinsum.demo_content import latest_demo_job
    from clinsum.store import Store

    store = Store.open(workspace)
    job = latest_demo_job(store)  # the demo content is built by a job, with progress on Home
    assert job is not None and job["kind"] == "demo_content"
    assert any("Preparando el contenido" in i.value for i in at.info) or job["status"] not in jobs.ACTIVE
    import time

    for _ in range(600):  # stop it once it runs (the test needs the records, not the content)
        if jobs.info(store, job["id"])["status"] != "queued":
            break
        time.sleep(0.2)
    jobs.request_stop(store, job["id"])
    final = jobs.wait(store, job["id"], timeout=300)
    assert final["status"] in ("stopped", "done"), final.get("error")


def test_home_speaks_english_when_switched(page_app, workspace) -> None:
    at = page_app("Home.py", workspace, lang="es", timeout=60)
    at.radio(key="_lang_widget").set_value("en").run()
    no_errors(at)
    assert at.title[0].value.startswith("clinsum · clinical summaries")
    assert "Records" in [m.label for m in at.metric]


def test_records_page_browses_searches_and_shows_sections(page_app, demo_workspace) -> None:
    at = page_app("10_records.py", demo_workspace, lang="es", timeout=60)
    no_errors(at)
    at.text_input(key="records.query").set_value("bronquiolitis").run()
    no_errors(at)
    assert at.selectbox(key="records.pick").value == "es12_pediatria_bronquiolitis"
    assert len(at.expander) >= 4


def test_records_page_imports_an_upload_after_a_preview(page_app, workspace) -> None:
    at = page_app("10_records.py", workspace, lang="es", timeout=60)
    assert any("No hay registros" in i.value for i in at.info)
    csv = "id,text\nn1,\"Motivo de consulta: fiebre.\nPlan: control.\"\nn2,\n"
    at.file_uploader(key="records.files").set_value(
        [("notas.csv", csv.encode(), "text/csv"), ("scan.txt", b"\x00\x01", "text/plain")]
    ).run()
    assert not at.exception
    assert any("1 registros nuevos" in s.value for s in at.success)
    assert any("2 elementos" in e.value for e in at.error)  # the empty row and the binary file
    at.button(key="records.confirm").click().run()
    assert any("Importados 1" in s.value for s in at.success)
    from clinsum.store import Store

    assert Store.open(workspace).scalar("SELECT id FROM records") == "n1"


def test_page_shows_a_message_not_a_traceback_on_failure(page_app, workspace, monkeypatch) -> None:
    import clinsum.records as records

    def broken(*_a, **_k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(records, "list_records", broken)
    at = page_app("10_records.py", workspace, lang="es", timeout=60)
    assert not at.exception
    assert any("inesperadamente" in e.value for e in at.error)
    log = (workspace / "logs" / "ui-errors.log").read_text()
    assert "disk on fire" in log


def test_the_pages_folder_is_not_beside_the_router() -> None:
    """``Home.py`` routes with ``st.navigation``; a ``pages/`` folder beside it would start
    Streamlit's own folder navigation on a deep link (file names, untranslated)."""
    from clinsum.ui.navigation import PAGES_DIR, page_files

    assert not (ROOT / "pages").exists()
    assert PAGES_DIR == ROOT / "clinsum" / "ui" / "pages" and len(page_files()) >= 10
