"""The reference page through Streamlit's AppTest: preview, confirm, send a batch, refresh, results."""

from __future__ import annotations

import html

import pytest
from streamlit.testing.v1 import AppTest

from clinsum.references import batch, list_references
from tests.fakes.openai_batch_server import BatchServer

KEY = "sk-page-test-0123456789"


@pytest.fixture
def _app(page_app, page_ws):
    """Opens the page on the workspace (no Ollama), as a fresh session each call."""
    return lambda: page_app("60_references.py", page_ws.root, timeout=60)


def _ok(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


@pytest.fixture
def page_ws(demo_store, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("clinsum.secrets.secrets_files", lambda: [])
    return demo_store


def test_without_key_the_page_explains_and_sends_nothing(_app, page_ws, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    at = _app()
    _ok(at)
    assert any("OPENAI_API_KEY" in i.value for i in at.info)
    record_id = page_ws.scalar("SELECT id FROM records ORDER BY id LIMIT 1")
    at.multiselect(key="references.records").set_value([record_id]).run()
    at.button(key="references.preview").click().run()
    _ok(at)
    assert any("<mark" in m.value for m in at.markdown), "the preview highlights placeholders"
    assert any("<b>User</b>: " in m.value for m in at.markdown)  # roles in the user's words
    assert not any("<b>user</b>" in m.value for m in at.markdown)
    assert [s.label.split(" in ")[0] for s in at.status] == ["Preview ready"]  # the wait had a status
    assert at.status[0].state == "complete"
    at.checkbox(key="references.confirm").check().run()
    assert at.button(key="references.send").disabled
    assert batch.list_batches(page_ws) == []


def test_preview_confirm_send_refresh_results(_app, page_ws, monkeypatch) -> None:
    ids = [r[0] for r in page_ws.execute("SELECT id FROM records ORDER BY id LIMIT 2")]
    with BatchServer(api_key=KEY) as server:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        at = _app()
        _ok(at)
        at.multiselect(key="references.records").set_value(ids).run()
        at.button(key="references.preview").click().run()
        _ok(at)
        assert any("2 request(s) to gpt-4o-mini" in m.value for m in at.markdown)
        preview = html.unescape(" ".join(m.value for m in at.markdown))
        assert "[NOMBRE_1]" in preview or "[ID_PACIENTE_1]" in preview
        assert at.button(key="references.send").disabled  # not before confirming
        at.checkbox(key="references.follow").uncheck()  # no background process in this test
        at.checkbox(key="references.confirm").check().run()
        at.button(key="references.send").click().run()
        _ok(at)
        assert len(server.uploads) == 1 and len(batch.list_batches(page_ws)) == 1
        n_before = len(list_references(page_ws))
        for _ in range(4):
            at.button(key="references.refresh").click().run()
            _ok(at)
        assert batch.list_batches(page_ws)[0]["status"] == "fetched"
        assert len(list_references(page_ws)) == n_before + 2
        assert any(ids[0] in e.label for e in at.expander)


def test_generate_now_through_a_backend(_app, page_ws) -> None:
    from tests.fakes.llm_server import LLMServer

    record_id = page_ws.scalar("SELECT id FROM records ORDER BY id LIMIT 1")
    n_before = len(list_references(page_ws))
    with LLMServer() as server:
        at = _app()
        at.multiselect(key="references.records").set_value([record_id]).run()
        at.radio(key="references.mode").set_value("now").run()
        at.selectbox(key="references.backend").set_value("openai-compatible")
        at.text_input(key="references.base_url").input(server.openai_base_url).run()
        at.button(key="references.preview").click().run()
        at.checkbox(key="references.confirm").check().run()
        at.button(key="references.send").click().run()
        _ok(at)
        assert any("1 reference(s) stored, 0 failed" in s.value for s in at.success)
        assert len(server.calls) == 1 and "[NOMBRE_1]" in server.calls[0].messages[-1]["content"]
    assert len(list_references(page_ws)) == n_before + 1


def test_residues_block_the_send_until_masked_and_the_send_log_shows_it(_app, page_ws, monkeypatch) -> None:
    """The fake Batch API counts as outside the hospital: the gate applies, a record with
    possible identifiers left is highlighted and blocked until a person masks them, and the
    send then appears in the page's send log."""
    from clinsum.privacy import PrivacySettings, save_settings
    from clinsum.privacy.audit import list_sends

    save_settings(page_ws, PrivacySettings(inside_hosts=[]))
    with BatchServer(api_key=KEY) as server:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        ids = [r[0] for r in page_ws.execute("SELECT id FROM records ORDER BY id")]
        record_id = next(i for i in ids if batch.plan_batch(page_ws, [i]).residues())
        residues = batch.plan_batch(page_ws, [record_id]).residues()
        at = _app()
        assert any("Nothing has been sent" in c.value for c in at.caption)
        at.multiselect(key="references.records").set_value([record_id]).run()
        at.button(key="references.preview").click().run()
        _ok(at)
        assert any("possible identifier(s) remain" in w.value for w in at.warning)
        assert any("#ffb3b3" in m.value for m in at.markdown), "residues are highlighted"
        at.checkbox(key="references.follow").uncheck()
        at.checkbox(key="references.confirm").check().run()
        assert at.button(key="references.send").disabled  # blocked while residues remain
        at.multiselect(key="references.mask_pick").set_value(residues).run()
        at.button(key="references.apply_residues").click().run()
        _ok(at)
        assert not at.warning and any(f"{len(residues)} masked" in s.value for s in at.success)
        preview = html.unescape(" ".join(m.value for m in at.markdown))
        assert "[PHI_1]" in preview
        at.checkbox(key="references.confirm").check().run()
        assert not at.button(key="references.send").disabled
        at.button(key="references.send").click().run()
        _ok(at)
        assert len(server.uploads) == 1
        uploaded = server.uploads[0].decode("utf-8")
        assert record_id not in uploaded and not [r for r in residues if r in uploaded]
    sends = list_sends(page_ws)
    assert len(sends) == 1 and sends[0]["gate"] == "on" and sends[0]["records"] == [record_id]
    at.run()
    assert any("Send log" in h.value for h in at.subheader)
    assert any("Payload fingerprint (SHA-256)" in d.value.columns for d in at.dataframe)


def test_batch_failures_and_send_log_speak_the_users_language(_app, page_app, page_ws, monkeypatch) -> None:
    """A fetched batch with one failed request and its send-log row: every table (batches,
    failures, send log) reads in Spanish and in English, with no raw column name."""
    from test_pages_i18n import problems, visible_texts

    from clinsum.privacy import PrivacySettings, save_settings
    from clinsum.privacy.audit import list_sends

    save_settings(page_ws, PrivacySettings(inside_hosts=[]))  # the fake service is outside: logged
    ids = [r[0] for r in page_ws.execute("SELECT id FROM records ORDER BY id")]
    ids = [i for i in ids if not batch.plan_batch(page_ws, [i]).residues()][:2]
    second = lambda custom_id, body: "server overloaded" if custom_id.startswith("req-00002") else None  # noqa: E731
    with BatchServer(api_key=KEY, fail=second) as server:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        at = _app()
        at.multiselect(key="references.records").set_value(ids).run()
        at.button(key="references.preview").click().run()
        at.checkbox(key="references.follow").uncheck()
        at.checkbox(key="references.confirm").check().run()
        at.button(key="references.send").click().run()
        _ok(at)
        for _ in range(4):
            at.button(key="references.refresh").click().run()
            _ok(at)
    assert batch.list_batches(page_ws)[0]["n_failed"] == 1
    assert list_sends(page_ws)
    known = {r[0] for r in page_ws.execute("SELECT id FROM records")} | {b[k] for b in batch.list_batches(page_ws) for k in ("id", "remote_id")}
    headers = {"es": ("Huella del envío (SHA-256)", "Fallidos", "Instrucción"),
               "en": ("Payload fingerprint (SHA-256)", "Failed", "Prompt")}
    for lang in ("es", "en"):
        at = page_app("60_references.py", page_ws.root, lang=lang, timeout=60)
        _ok(at)
        columns = {c for d in at.dataframe for c in d.value.columns}
        assert set(headers[lang]) <= columns, (lang, columns)
        log = next(d.value for d in at.dataframe if headers[lang][0] in d.value.columns)
        assert set(log.iloc[:, 5]) == {"aplicado" if lang == "es" else "applied"}  # the gate, translated
        found = problems(visible_texts(at), lang, known)
        assert found == [], "\n".join([lang, *found])
