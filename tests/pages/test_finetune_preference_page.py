"""The preference tab through AppTest: judged pairs -> rule + preview -> set -> DPO job -> curves
-> adapter -> before/after grid -> a new blinded round."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from test_finetune_page import charts_speak_both_languages

from clinsum import jobs, ui
from clinsum.finetune.adapters import list_adapters
from clinsum.store import Store
from tests.fakes.preference_set import ANSWERS, build_preference_workspace
from tests.fakes.tiny_llama import build_tiny_llama


@pytest.fixture
def app(page_app, monkeypatch, tmp_path):
    workspace = tmp_path / "ws"
    store = Store.open(workspace)
    build_preference_workspace(store, 16, ties=1, split=1)
    build_tiny_llama(workspace / "models" / "tiny-demo", extra_text=ANSWERS)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    at = page_app("80_finetune.py", workspace, timeout=120)
    assert not at.exception and not at.error
    return at, store


def no_errors(at: AppTest, *context) -> None:
    assert not at.exception, at.exception
    assert not at.error, ([e.value for e in at.error], context)


@pytest.mark.slow
def test_preference_tab_from_judgements_to_adapter_grid_and_round(app, page_app, monkeypatch) -> None:
    at, store = app
    assert any("Rule: a pair is used" in i.value for i in at.info)
    at.button(key="preference.preview_btn").click().run()
    no_errors(at)
    assert any("36 judgements on 18 pairs" in s.value and "1 ties, 1 with low agreement" in s.value
               for s in at.success), [s.value for s in at.success]
    assert len(at.dataframe) >= 3  # per physician, per record, left out
    at.button(key="preference.save_ds").click().run()
    no_errors(at)
    assert any(ui.plain("preferences@1") in s.value for s in at.success)

    at.number_input(key="preference.tiny-cpu.max_steps").set_value(40).run()
    at.number_input(key="preference.tiny-cpu.batch_size").set_value(4).run()
    at.number_input(key="preference.tiny-cpu.eval_steps").set_value(20).run()
    at.button(key="preference.launch").click().run()
    no_errors(at)
    job_id = at.session_state["finetune.job"]
    assert jobs.wait(store, job_id, timeout=300)["status"] == "done", jobs.read_log(store, job_id)[-3:]
    at.run()
    no_errors(at)
    assert any("Adapter ready (dpo): preference accuracy" in s.value for s in at.success)
    assert any("Preference accuracy on the held-out pairs" in c.value for c in at.caption)
    charts_speak_both_languages(page_app, store, at_least=3)  # margin, accuracy, loss
    adapter = next(a for a in list_adapters(store) if a["job_id"] == job_id)
    assert adapter["config"]["kind"] == "preference" and adapter["config"]["val_records"]
    assert adapter["results"]["preference_accuracy_after"] > adapter["results"]["preference_accuracy_before"]

    at.number_input(key="preference.max_new_tokens").set_value(8).run()
    at.button(key="preference.grid").click().run()
    no_errors(at)
    grid = next(g for g in jobs.list_jobs(store, kind="grid"))
    models = grid["config"]["grid"]["models"]
    assert [m.get("adapter") for m in models] == [None, adapter["adapter_path"]]
    assert grid["config"]["grid"]["records"] == adapter["config"]["val_records"]
    assert jobs.wait(store, grid["id"], timeout=300)["status"] == "done", jobs.read_log(store, grid["id"])[-3:]
    at.run()
    no_errors(at)
    at.button(key="preference.round").click().run()
    no_errors(at, store.fetch_dicts("SELECT adapter, text FROM generations WHERE grid_id = ?", [grid["id"]]))
    n = len(adapter["config"]["val_records"])
    assert any(f"{n} new before/after pairs" in s.value for s in at.success)
    items = store.fetch_dicts("SELECT * FROM pairwise_items WHERE a_id IN (SELECT id FROM generations WHERE grid_id = ?)",
                              [grid["id"]])
    assert len(items) == n and {i["record_id"] for i in items} == set(adapter["config"]["val_records"])


@pytest.mark.parametrize("lang", ["es", "en"])
def test_preference_preview_tables_speak_the_users_language(page_app, tmp_path, lang) -> None:
    """The preview's counts per physician and per record and the pairs left out: translated
    headers (reasons included) and values, no raw identifier."""
    from test_pages_i18n import problems, visible_texts

    store = Store.open(tmp_path / "ws")
    build_preference_workspace(store, 6, ties=1, split=1)
    at = page_app("80_finetune.py", store.root, lang=lang, timeout=120)
    at.button(key="preference.preview_btn").click().run()
    no_errors(at)
    headers = {c for d in at.dataframe for c in d.value.columns}
    expected = {"en": {"Annotator", "Record", "Ties", "Low agreement", "Reason"},
                "es": {"Anotador", "Registro", "Empates", "Acuerdo bajo", "Motivo"}}[lang]
    assert expected <= headers, headers
    known = {r[0] for r in store.execute("SELECT id FROM records")}
    known |= {r[0] for r in store.execute("SELECT DISTINCT item_id FROM annotations")}
    found = problems(visible_texts(at), lang, known)
    assert found == [], "\n".join(found)
