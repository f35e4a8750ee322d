"""Drawing helpers shared by pages and views: text boxes, remembered tabs, translated tables
and metric names, backend lines, summary notes, downloads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import streamlit as st

from clinsum.ui.frame import lang, t
from clinsum.ui.i18n import catalog
from clinsum.ui.markup import plain, scroll_box_html, text_box_html

NOTE_KEYS = {"extractive:": None, "few-shot:": "summarize.note.few_shot", "rag:": "summarize.note.rag"}


def tabs(labels: list[str], key: str) -> list:
    """``st.tabs`` that remember the open tab across reruns (an upload, a message appearing
    above them), instead of jumping back to the first."""
    return list(st.tabs(labels, key=key, on_change="rerun"))


def scroll_box(body: str, height: int = 420) -> None:
    """Show safe markup (see :func:`clinsum.ui.markup.scroll_box_html`) in a scrolling box."""
    st.markdown(scroll_box_html(body, height), unsafe_allow_html=True)


def text_box(text: str, height: int = 420) -> None:
    """Show a long text in a scrolling box, as plain text."""
    st.markdown(text_box_html(text, height), unsafe_allow_html=True)


def stream_text(pieces: Iterable[str], height: int = 380) -> str:
    """Draw streamed model output as it comes, as plain text (``st.write_stream`` would read
    it as Markdown); returns the whole text."""
    slot, shown = st.empty(), ""
    for piece in pieces:
        shown += piece
        slot.markdown(text_box_html(shown, height), unsafe_allow_html=True)
    return shown


def missing_backends(statuses: list[dict], details: bool = False) -> None:
    """An expander naming each unavailable backend and what it needs."""
    if not statuses:
        return
    with st.expander(t("summarize.backend_missing")):
        for status in statuses:
            st.markdown(f"**{t(status['label_key'])}**: {t(status['needs_key'])}")  # catalogue text
            if details:
                st.caption(plain(backend_detail(status)))


def backend_detail(status: dict) -> str:
    """A backend's availability line in the page's language (the library's is English)."""
    key = f"backends.{status['name']}.{'ok' if status.get('available') else 'down'}"
    if key in catalog():
        return t(key)
    return status["detail"] if lang() == "en" else t("home.check.ok" if status.get("available")
                                                     else "home.check.missing")


def check_line(check: dict) -> tuple[str, str, str]:
    """(name, detail, hint) of a ``clinsum doctor`` check in the page's language."""
    name, state = check["name"], "ok" if check["ok"] else "missing"
    strings = catalog()
    if f"doctor.{name}.{state}" not in strings:
        return name, check["detail"], check.get("hint") or ""
    path = check["detail"].split(" (", 1)[0]
    hint = t(f"doctor.{name}.hint") if f"doctor.{name}.hint" in strings else ""
    return t(f"doctor.{name}"), t(f"doctor.{name}.{state}", path=path), hint if not check["ok"] else ""


def table(df, **kwargs: Any) -> None:
    """``st.dataframe`` with translated headers and values (no snake_case, no ``None``);
    ``column_order`` and ``column_config`` name the data's own columns (the columns that
    ``column_order`` leaves out are not sent to the browser)."""
    import pandas as pd

    from clinsum.ui.labels import column_label, display_table

    kwargs.setdefault("hide_index", True)
    if kwargs.get("column_order"):
        df = pd.DataFrame(df)
        df = df[[c for c in kwargs["column_order"] if c in df.columns]]
        kwargs["column_order"] = [column_label(c, lang()) for c in df.columns]
    if kwargs.get("column_config"):
        kwargs["column_config"] = {column_label(c, lang()): v for c, v in kwargs["column_config"].items()}
    st.dataframe(display_table(df, lang()), **kwargs)


def metric_label(name: str) -> str:
    from clinsum.ui.labels import metric_label as label

    return label(name, lang())


def metric_help(name: str) -> str:
    from clinsum.ui.labels import metric_help as help_line

    return help_line(name, lang())


def column_label(name: str) -> str:
    from clinsum.ui.labels import column_label as label

    return label(name, lang())


def value_label(column: str, value: Any) -> Any:
    from clinsum.ui.labels import value_label as label

    return label(column, value, lang())


def metric_glossary(names: list[str], expanded: bool = False) -> None:
    """An expander with what each of ``names`` measures, its range and which way is better."""
    from clinsum.ui.labels import glossary

    if not names:
        return
    with st.expander(t("glossary.title"), expanded=expanded):
        st.caption(t("glossary.intro"))
        st.dataframe(glossary(list(names), lang()), hide_index=True)


def generation_label(generation: dict) -> str:
    """model · strategy · T=… of a generation, with the strategy's name translated."""
    from clinsum.compare import label

    strategy = generation.get("strategy") or ""
    shown = value_label("strategy", strategy)
    if shown == strategy and f"strategy.{strategy}.label" in catalog():
        shown = t(f"strategy.{strategy}.label")
    return label({**generation, "strategy": shown})


def output_notes(result: Any) -> None:
    """What a user should know about a summary: the tiny demo model's random-weight text, an
    empty answer, and the strategy's notes (translated; the library writes them in English)."""
    from clinsum.finetune.tiny import is_tiny_output

    if is_tiny_output(result.backend, result.model):
        st.warning(t("summarize.tiny_note"))
    if not (result.text or "").strip():
        st.warning(t("summarize.empty_output", n=len(result.raw or "")))
    for note in result.notes:
        prefix = next((p for p in NOTE_KEYS if note.startswith(p)), None)
        if prefix is None:
            if lang() == "en":
                st.caption(plain(note))
        elif NOTE_KEYS[prefix]:
            st.caption(t(NOTE_KEYS[prefix]))


def choose() -> str:
    """The placeholder of an empty multiselect / selectbox, in the page's language."""
    return t("common.choose")


def download_buttons(df, name: str) -> None:
    """CSV and Parquet downloads of a DataFrame."""
    import io

    cols = st.columns(2)
    cols[0].download_button(t("common.download_csv"), df.to_csv(index=False).encode("utf-8"),
                            f"{name}.csv", "text/csv", key=f"csv-{name}")
    buffer = io.BytesIO()
    df.to_parquet(buffer, index=False)
    cols[1].download_button(t("common.download_parquet"), buffer.getvalue(), f"{name}.parquet",
                            "application/octet-stream", key=f"pq-{name}")
