"""The tiny random-weight model's output is labelled as demo text; an empty answer is explained."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _draw(folder: str, text: str, raw: str) -> None:
    from types import SimpleNamespace

    from clinsum import ui

    ui.output_notes(SimpleNamespace(backend="transformers", model=folder, text=text, raw=raw, notes=[]))


def _run(monkeypatch, folder: str, text: str, raw: str) -> AppTest:
    monkeypatch.setenv("CLINSUM_LANG", "es")
    at = AppTest.from_function(_draw, args=(folder, text, raw), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_tiny_model_text_is_labelled_and_an_empty_answer_explained(monkeypatch, tmp_path) -> None:
    from clinsum.finetune.tiny import MARKER

    tiny = tmp_path / "tiny"
    tiny.mkdir()
    (tiny / MARKER).write_text("{}", encoding="utf-8")
    at = _run(monkeypatch, str(tiny), "", "\n" * 768)
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("Texto de demostración: el modelo diminuto tiene pesos aleatorios") for w in warnings)
    assert any("no devolvió texto" in w and "768 caracteres" in w for w in warnings)


def test_a_real_model_with_text_gets_no_demo_label(monkeypatch, tmp_path) -> None:
    at = _run(monkeypatch, str(tmp_path), "Paciente estable.", "Paciente estable.")
    assert [w.value for w in at.warning] == []
