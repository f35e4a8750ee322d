"""What a user or a model wrote is drawn as plain text on every page: a record title, a model
name, a file name or a model's answer written as Markdown/HTML never becomes an image, a
link or markup (an image would make the browser call an outside server when it is shown)."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from clinsum import ui
from clinsum.annotation import annotators
from clinsum.store import Store
from tests.fakes.explorer_data import build
from tests.fakes.llm_server import LLMServer

BEACON = "http://127.0.0.1:9/beacon.png"
TITLE = f"![t]({BEACON}) <img src={BEACON}> [link](http://127.0.0.1:9/x) **bold** :red[beacon]"
MODEL = f"beacon![m]({BEACON})"
FILE = "![f](beacon.png) <b>beacon</b>.txt"
ANSWER = f"Resumen: ![a]({BEACON}) <img src={BEACON}>\n\n[link](http://127.0.0.1:9/y) beacon"
RAW = ("![", "<img", "<b>", "[link](", "**bold**", ":red[", "http://")
MD = MarkdownIt("commonmark", {"html": True})
ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]")  # a backslash-escaped character is shown as itself


def raw_markup(value: str) -> list[str]:
    """The injected Markdown/HTML that ``value`` still carries unescaped."""
    bare = ESCAPED.sub("", value)
    return [r for r in RAW if r in bare]


def markdown_values(at: AppTest) -> list[str]:
    """Every string the page gave Streamlit where Markdown is read."""
    values: list[str] = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "title", "header",
                 "subheader", "toast"):
        values += [e.value for e in getattr(at, kind)]
    for kind in ("expander", "tabs", "metric", "button", "selectbox", "multiselect", "text_input",
                 "text_area", "number_input", "slider", "checkbox", "radio"):
        values += [e.label for e in getattr(at, kind)]
    for radio in at.radio:
        values += [str(o) for o in radio.options]
    return values


def assert_inert(at: AppTest) -> None:
    """Each value carrying injected text shows it as text: no raw Markdown/HTML of it, and
    rendered as Markdown it has no image, link or element of its own."""
    assert not at.exception, [e.value for e in at.exception]
    carrying = [v for v in markdown_values(at) if "beacon" in v]
    assert carrying, "the page did not show the injected text at all"
    for value in carrying:
        assert not raw_markup(value), value
        html = MD.render(value)
        assert not re.search(r"<(img|a|b)[\s>]", html), (value, html)


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Store:
    store = build(Store.open(tmp_path / "ws"), with_ratings=False)
    store.execute("UPDATE records SET title = ? || ' ' || id, source = ?", [TITLE, FILE])
    store.execute("UPDATE generations SET model = ?", [MODEL])
    monkeypatch.setattr(annotators, "read_secrets", lambda: {})
    return store


@pytest.fixture
def page(page_app, ws):
    """``page(name, annotator=None, host=None)``: a page on the planted workspace."""
    def make(name: str, annotator: str | None = None, host: str | None = None) -> AppTest:
        query = {"annotator": annotator} if annotator else {}
        return page_app(name, ws.root, ollama_host=host, timeout=120, run=False, **query).run()
    return make


def test_helpers_make_any_text_inert():
    for text in (TITLE, MODEL, FILE, ANSWER):
        for shown in (ui.esc(text), ui.plain(text)):
            assert not raw_markup(shown)
            assert not re.search(r"<(img|a|b)[\s>]", MD.render("**x** " + shown))
    assert ui.plain("a\n\n![t](x)").count("\n") == 0
    assert "<br>" in ui.text_box_html("one\n\ntwo") and "\n" not in ui.text_box_html("one\n\ntwo")


def test_records_page_titles_sources_and_uploaded_file_names(page, ws):
    at = page("10_records.py")
    assert_inert(at)
    at.file_uploader(key="records.files").set_value(
        [(FILE, b"Motivo de consulta: fiebre.\nPlan: control beacon.", "text/plain")]).run()
    assert_inert(at)


def test_compare_page_titles_and_model_names(page, ws):
    assert_inert(page("30_compare.py"))


def test_explorer_page_model_names(page, ws):
    at = page("40_explorer.py")
    assert not at.exception, [e.value for e in at.exception]
    for value in markdown_values(at):
        assert not raw_markup(value), value


def test_annotation_page_titles_in_review_and_pairwise(page, ws):
    from clinsum import annotation as A

    annotators.register(ws, "ana")
    at = page("70_annotate.py", "ana")
    assert_inert(at)
    A.create_pairs(ws, "generations", seed=1)
    at.radio(key="annotate.section").set_value("pairwise").run()
    assert not at.exception
    for value in markdown_values(at):
        assert not raw_markup(value), value


def test_summarize_page_model_name_and_streamed_answer(page, ws):
    with LLMServer() as server:
        server.models = [MODEL]
        server.responder = lambda messages, model: ANSWER
        at = page("20_summarize.py", host=server.ollama_host)
        at.selectbox(key="summarize.strategy").set_value("template")
        at.button(key="summarize.run").click().run()
        assert len(server.calls) == 1
    assert_inert(at)
    assert any("Resumen" in v and "beacon" in v for v in markdown_values(at))  # the answer, shown
