"""The fine-tuning page through AppTest: demo references -> dataset -> job -> curves -> adapter."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from clinsum import jobs, ui
from clinsum.finetune.adapters import list_adapters
from clinsum.store import Store
from tests.fakes.tiny_llama import build_tiny_llama


@pytest.fixture
def app(page_app, demo_workspace, monkeypatch, tmp_path):
    workspace = demo_workspace
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    at = page_app("80_finetune.py", workspace, timeout=120)
    assert not at.exception and not at.error
    return at, Store.open(workspace), build_tiny_llama(tmp_path / "tiny")


def validation_points(at: AppTest) -> int:
    """How many validation-loss points the loss chart draws joined by a line."""
    import json

    for chart in at.get("plotly_chart"):
        figure = json.loads(chart.proto.spec)
        for trace in figure["data"]:
            if trace.get("name") == "Validation" and "lines" in trace.get("mode", ""):
                return sum(y is not None for y in trace["y"])
    return 0


def charts_speak_both_languages(page_app, store: Store, at_least: int = 2) -> None:
    """The page's charts (titles, legends, hover labels) and tables (the adapters and datasets,
    headers and cells) on a fresh run in Spanish and in English (the watch tab opens on the
    latest job)."""
    from test_pages_i18n import app_figures, chart_problems, problems, visible_texts

    known = {r[0] for r in store.execute("SELECT id FROM records")}
    known |= {r[0] for r in store.execute("SELECT id FROM finetune_adapters")}
    for lang in ("es", "en"):
        at = page_app("80_finetune.py", store.root, lang=lang, timeout=120)
        no_errors(at)
        figures = app_figures(at)
        assert len(figures) >= at_least, (lang, len(figures))
        assert chart_problems(figures, lang) == [], lang
        adapters = next(d.value for d in at.dataframe if "Peak VRAM (MB)" in d.value or "Pico de VRAM (MB)" in d.value)
        assert ("Training loss" if lang == "en" else "Pérdida de entrenamiento") in adapters, lang
        tables = [t for t in visible_texts(at) if t[0].startswith("Dataframe")]
        found = problems(tables, lang, known)
        assert found == [], "\n".join([lang, *found])


def no_errors(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_page_builds_a_dataset_launches_a_job_and_shows_the_adapter(app, page_app) -> None:
    at, store, model = app
    assert any("no NVIDIA GPU" in i.value for i in at.info)
    at.button(key="finetune.preview_btn").click().run()
    assert any("base model" in w.value for w in at.warning)  # no model given yet: said plainly
    at.text_input(key="finetune.base_model").input(str(model)).run()
    at.button(key="finetune.preview_btn").click().run()
    no_errors(at)
    assert any("training" in s.value and "template model" in s.value for s in at.success)
    from test_pages_i18n import problems, visible_texts

    lengths = next(d.value for d in at.dataframe if "Measure" in d.value.columns)  # token lengths
    assert "tokens per example" in set(lengths["Measure"]) and "95th percentile" in lengths.columns
    assert problems([t for t in visible_texts(at) if t[0].startswith("Dataframe")], "en") == []
    at.button(key="finetune.save_ds").click().run()
    no_errors(at)
    assert any(ui.plain("demo@1") in s.value and "Saved as" in s.value for s in at.success)

    at.number_input(key="finetune.tiny-cpu.max_steps").set_value(6).run()
    at.number_input(key="finetune.tiny-cpu.eval_steps").set_value(3).run()
    assert any("finetune run" in c.value for c in at.code)
    at.button(key="finetune.launch").click().run()
    no_errors(at)
    job_id = at.session_state["finetune.job"]
    assert jobs.wait(store, job_id, timeout=120)["status"] == "done", jobs.read_log(store, job_id)[-3:]
    at.run()
    no_errors(at)
    assert any("Adapter ready" in s.value for s in at.success)
    assert any(m.label == "Perplexity" for m in at.metric)
    assert validation_points(at) >= 2  # the validation loss is drawn as a line, not a legend entry only
    charts_speak_both_languages(page_app, store)
    adapters = list_adapters(store)
    assert len(adapters) == 1 and adapters[0]["name"] == "demo-lora"
    assert any("transformers" in c.value and "demo-lora" in c.value for c in at.caption)
    assert any("GGUF needs" in c.value for c in at.caption)
    at.button(key="finetune.merged").click().run()
    no_errors(at)
    assert any("Exported to" in s.value for s in at.success)


def test_page_bad_knob_is_a_clear_message_not_a_traceback(app) -> None:
    at, store, model = app
    at.text_input(key="finetune.base_model").input(str(model)).run()
    at.button(key="finetune.preview_btn").click().run()
    at.button(key="finetune.save_ds").click().run()
    at.text_input(key="finetune.tiny-cpu.target_modules").input("").run()
    assert not at.exception
    assert any("target_modules" in e.value for e in at.error)
