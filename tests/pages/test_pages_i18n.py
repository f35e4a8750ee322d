"""Every page, rendered in Spanish and in English on the demo workspace, speaks one language.

A checker walks everything AppTest sees on a page (titles, text, alerts, widget labels,
options and placeholders, metrics, table headers and cells) and fails on a catalogue string
of the other language, a known English leak (Streamlit's "Choose options", library English),
or a raw identifier a user would see: a snake_case column name or value, ``None``/``nan``,
or a raw status / section-type value.
"""

from __future__ import annotations

import json
import re
import string
from functools import cache
from pathlib import Path

import pytest
from pandas.api.types import is_numeric_dtype
from streamlit.testing.v1 import AppTest

from clinsum.ui.i18n import catalog

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "clinsum" / "ui" / "pages").glob("[0-9]*_*.py"))
SNAKE = re.compile(r"(?<![\w./\\:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./\\-])")
RAW_VALUES = {"None", "none", "nan", "NaN", "null", "NULL", "<NA>", "NaT"}
#: raw enumerated values (statuses, section kinds, flags) that must be shown translated
RAW_ENUMS = {"validated", "draft", "rejected", "queued", "running", "stopping", "stopped",
             "done", "failed", "other", "tests", "reason", "assessment", "block", "True", "False"}
#: English that leaks from Streamlit or the library when a placeholder or message is not set
ENGLISH_LEAKS = ["Choose options", "Choose an option", "No options to select", "No results",
                 "error(s)", "missing:", "Drag and drop file here", "Limit 200MB"]
#: words that only English uses (a Spanish page showing them leaks English), and the reverse
ENGLISH_WORDS = re.compile(r"\b(the|and|with|is|are|not|needs|missing|available|found|bundled|"
                           r"offline|running|install|server|set)\b")
SPANISH_WORDS = re.compile(r"\b(el|los|las|con|para|una|del|sin|está|están|falta|disponible|"
                           r"instale|servidor|todavía|aún)\b")
#: element kinds whose text is the app's own (records and summaries are shown elsewhere)
OWN_TEXT = ("Caption", "Info", "Warning", "Error", "Success", "Title", "Header", "Subheader",
            "Metric.label", "Dataframe.column", "Toast")
#: the language switch names both languages on purpose
ALLOWED = {"Idioma / Language", "Español", "English"}


def _strings(node) -> list[tuple[str, str]]:
    """(what, text) for everything a user reads on one element."""
    kind = type(node).__name__
    if kind in ("Code", "Json", "Exception", "UnknownElement", "Html"):
        return []  # commands and code are shown as such; exceptions fail elsewhere
    out: list[tuple[str, str]] = []
    for attr in ("label", "placeholder", "help", "body"):
        value = getattr(node, attr, None) if attr != "body" else _proto_field(node, "body")
        if isinstance(value, str) and value:
            out.append((f"{kind}.{attr}", value))
    if kind == "Dataframe":
        out += _table_strings(node.value)
        return out
    if kind in ("Selectbox", "Multiselect", "Radio", "SelectSlider", "ButtonGroup"):
        out += [(f"{kind}.option", str(o)) for o in (getattr(node, "options", None) or [])]
        return out
    if kind == "Metric":
        out.append(("Metric.value", str(node.value)))
        return out
    if kind in ("Markdown", "Caption", "Title", "Header", "Subheader", "Text", "Error",
                "Warning", "Info", "Success", "Toast", "Latex"):
        value = getattr(node, "value", None)
        if isinstance(value, str):
            out.append((kind, value))
    return out


def _proto_field(node, name: str):
    proto = getattr(node, "proto", None)
    return getattr(proto, name, None) if proto is not None and hasattr(proto, name) else None


def _table_strings(df) -> list[tuple[str, str]]:
    out = [("Dataframe.column", str(c)) for c in df.columns]
    if df.index.name:
        out.append(("Dataframe.column", str(df.index.name)))
    for column in df.columns:
        for value in df[column].head(50):
            if value is None or (isinstance(value, float) and value != value):
                if not is_numeric_dtype(df[column]):
                    out.append(("Dataframe.cell", "None"))
            elif isinstance(value, str):
                out.append(("Dataframe.cell", value))
            elif isinstance(value, bool):
                out.append(("Dataframe.cell", str(value)))
    return out


def visible_texts(at: AppTest) -> list[tuple[str, str]]:
    """Every (element kind, text) on the rendered page, main area and sidebar."""
    found: list[tuple[str, str]] = []
    for root in (at.main, at.sidebar):
        for node in root:
            if hasattr(node, "children") and type(node).__name__ not in ("Expander", "Tab", "Status"):
                continue
            found += _strings(node)
    return [(k, v) for k, v in found if v not in ALLOWED]


@cache
def _fragments(lang: str) -> tuple[str, ...]:
    """Static pieces (≥ 14 characters, two words) of the catalogue strings of ``lang`` that the
    other language does not also use."""
    index = 0 if lang == "es" else 1
    mine = {pair[1 - index] for pair in catalog().values()}
    pieces: set[str] = set()
    for pair in catalog().values():
        text = pair[index]
        if text in mine or text == pair[1 - index]:
            continue
        for literal, *_ in string.Formatter().parse(text):
            literal = literal.strip(" :·,.()«»\"'")
            if len(literal) >= 14 and " " in literal and not any(literal in m for m in mine):
                pieces.add(literal)
    return tuple(sorted(pieces))


def problems(texts: list[tuple[str, str]], lang: str, allowed_ids: set[str] = frozenset()) -> list[str]:
    """What a ``lang`` user should not see in ``texts`` (empty when the page is clean)."""
    other = "en" if lang == "es" else "es"
    found: list[str] = []
    for kind, text in texts:
        user_text = kind in ("Dataframe.cell", "Markdown", "Text") and len(text) > 300
        if not user_text:
            for piece in _fragments(other):
                if piece in text:
                    found.append(f"{kind}: {other} string {piece!r} in {text[:120]!r}")
                    break
            if lang == "es":
                for leak in ENGLISH_LEAKS:
                    if leak in text:
                        found.append(f"{kind}: English {leak!r} in {text[:120]!r}")
            words_re = ENGLISH_WORDS if lang == "es" else SPANISH_WORDS
            own = kind in OWN_TEXT or kind.endswith((".label", ".help", ".placeholder"))
            if own and len(words_re.findall(text.lower())) >= 2:
                found.append(f"{kind}: {other} words in {text[:120]!r}")
        if text.strip() in RAW_VALUES or (kind.startswith("Dataframe") and text in RAW_ENUMS):
            found.append(f"{kind}: raw value {text!r}")
        elif re.search(r"(?<![\w.])None(?![\w.])", text) and not user_text:
            found.append(f"{kind}: 'None' in {text[:120]!r}")
        if kind in ("Dataframe.column", "Metric.label") or kind.endswith(".label") or kind.endswith(".option"):
            for token in SNAKE.findall(text):
                if token not in allowed_ids:
                    found.append(f"{kind}: raw identifier {token!r} in {text[:120]!r}")
        elif kind == "Dataframe.cell" and SNAKE.fullmatch(text.strip()) and text.strip() not in allowed_ids:
            found.append(f"{kind}: raw identifier {text!r}")
    return sorted(set(found))


# -- charts ----------------------------------------------------------------------------------
_HOVER_FIELD = re.compile(r"%\{[^}]*\}")
_TAGS = re.compile(r"</?(?:b|i|em|span)(?:\s[^>]*)?>")


def figure_texts(figure: dict) -> list[tuple[str, str]]:
    """(kind, text) of what a Plotly figure (its JSON: ``data`` and ``layout``) shows: titles
    (``Plot.label``), legend entries and category names (``Plot.option``) and the labels of its
    hover boxes (``Plot.hover.label``, the template without its ``%{...}`` values)."""
    layout = figure.get("layout") or {}
    out: list[tuple[str, str]] = []

    def title(node) -> str:
        value = (node or {}).get("title") if isinstance(node, dict) else None
        return (value.get("text") if isinstance(value, dict) else value) or ""

    for key, node in layout.items():
        if key.startswith(("xaxis", "yaxis", "legend", "coloraxis")) and isinstance(node, dict):
            out.append(("Plot.label", title(node)))
            out.append(("Plot.label", title(node.get("colorbar"))))
    out.append(("Plot.label", title(layout)))
    out += [("Plot.label", a.get("text") or "") for a in layout.get("annotations") or []]
    for trace in figure.get("data") or []:
        if trace.get("showlegend") is not False and trace.get("type") not in ("heatmap", "histogram2d"):
            out.append(("Plot.option", trace.get("name") or ""))
        out.append(("Plot.label", title(trace.get("colorbar"))))
        for axis in ("x", "y"):
            values = trace.get(axis)
            if isinstance(values, list):
                out += [("Plot.option", v) for v in dict.fromkeys(values) if isinstance(v, str)]
        template = re.sub(r"<extra>.*?</extra>", "", trace.get("hovertemplate") or "")
        for line in _TAGS.sub("", template).split("<br>"):
            label = re.split(r"=|: ", line, maxsplit=1)[0] if ("=" in line or ": " in line) else line
            out.append(("Plot.hover.label", _HOVER_FIELD.sub("", label).strip()))
    return [(k, str(v).strip()) for k, v in out if str(v).strip()]


def raw_columns(lang: str) -> set[str]:
    """Column names a chart must not show as such: they have a label in the catalogue (a name
    that is itself a ``lang`` string, English ``model``, is that label)."""
    own = {pair[0 if lang == "es" else 1] for pair in catalog().values()}
    names = {key[4:] for key in catalog() if key.startswith("col.")} | {"value", "color", "index", "variable"}
    return names - own


def chart_problems(figures: list[dict], lang: str, allowed_ids: set[str] = frozenset()) -> list[str]:
    """What a ``lang`` user should not see on the charts: other-language strings, raw
    identifiers and raw column names in titles, legends and hover labels."""
    texts = [t for figure in figures for t in figure_texts(figure)]
    found = problems(texts, lang, allowed_ids)
    found += [f"{k}: raw column name {v!r}" for k, v in texts if v in raw_columns(lang)]
    return sorted(set(found))


def app_figures(at: AppTest) -> list[dict]:
    """The figures of every Plotly chart on an AppTest page."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


# -- the checker itself ------------------------------------------------------------------------
def test_checker_finds_other_language_raw_identifiers_and_none() -> None:
    from clinsum.ui.i18n import translate

    english = translate("home.empty", "en")
    texts = [("Info", english), ("Dataframe.column", "n_chars"), ("Dataframe.cell", "validated"),
             ("Dataframe.cell", "None"), ("Multiselect.placeholder", "Choose options"),
             ("Caption", "The Ollama server is not reachable, install it and set OLLAMA_HOST")]
    found = "\n".join(problems(texts, "es"))
    assert "en string" in found and "raw identifier 'n_chars'" in found
    assert "raw value 'validated'" in found and "raw value 'None'" in found
    assert "English 'Choose options'" in found and "en words" in found
    assert problems([("Info", translate("home.empty", "es"))], "es") == []
    assert problems([("Selectbox.option", "es01_cardiologia_icc")], "es", {"es01_cardiologia_icc"}) == []


# -- every page, both languages ----------------------------------------------------------------
@pytest.fixture(scope="module")
def content_workspace(tmp_path_factory) -> tuple[Path, set[str]]:
    """A demo workspace with its content (candidates, scores, annotations); the quick methods
    only (lead-k, ROUGE and text statistics), so the module stays fast."""
    import clinsum.demo_content as content
    from clinsum.demo import load_demo
    from clinsum.store import Store

    path = tmp_path_factory.mktemp("pages-i18n") / "ws"
    store = Store.open(path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(content, "DEMO_METHODS", (("extractive", "lead-k"),))
        patch.setattr(content, "DEMO_METRICS", ("rouge", "lexical", "faithfulness"))
        result = load_demo(store, content=True)
    assert result.generations >= 3 and result.metric_values > 0 and result.annotations > 0
    return path, {r[0] for r in store.execute("SELECT id FROM records")}


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_page_speaks_one_language_and_shows_no_identifier(page_app, page, lang, content_workspace) -> None:
    path, record_ids = content_workspace
    at = page_app(page.name, path, lang=lang, timeout=120)
    assert not at.error, [e.value for e in at.error]
    texts = visible_texts(at)
    assert len(texts) >= 8, texts  # the page drew content, not just a title
    assert problems(texts, lang, record_ids) == []
    assert chart_problems(app_figures(at), lang, record_ids) == []


def test_chart_checker_reads_titles_legends_and_hover_labels() -> None:
    import plotly.express as px
    import plotly.io as pio

    rows = {"mean_s": [1.0, 2.0], "model": ["a", "b"], "strategy": ["by_parts", "template"]}
    raw = pio.to_json(px.bar(rows, x="model", y="mean_s", color="strategy", hover_data=["strategy"]))
    found = "\n".join(chart_problems([json.loads(raw)], "es"))
    assert "raw identifier 'mean_s'" in found and "'by_parts'" in found and "Plot.hover.label" in found
    labelled = px.bar(rows, x="model", y="mean_s", labels={"mean_s": "Segundos", "model": "Modelo"})
    assert chart_problems([json.loads(pio.to_json(labelled))], "es") == []


def test_summarize_ends_done_and_shows_the_summary_once(page_app, content_workspace) -> None:
    path, _ids = content_workspace
    at = page_app("20_summarize.py", path, lang="es", timeout=120)  # no Ollama: extractive only
    at.selectbox(key="summarize.model.extractive").set_value("lead-k").run()
    at.button(key="summarize.run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    statuses = [s.label for s in at.status]
    assert any(label.startswith("Resumen listo en") for label in statuses), statuses
    assert not any("Generando" in label for label in statuses)
    headings = [m.value for m in at.markdown if m.value.startswith("**Resumen**")]
    assert len(headings) == 1, headings  # drawn once, not streamed and then drawn again
    assert problems(visible_texts(at), "es", _ids) == []
