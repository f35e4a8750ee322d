"""Streamlit helpers shared by every page, by role:

- :mod:`~clinsum.ui.frame`: language, ``t``, the page frame (``page``) and errors (``guard``)
- :mod:`~clinsum.ui.data`: cached loaders (``store``, backend statuses and models)
- :mod:`~clinsum.ui.markup`: safe text (``esc``, ``plain``, ``highlight``), no Streamlit
- :mod:`~clinsum.ui.widgets`: shared drawing (text boxes, tabs, tables, metric names)
- :mod:`~clinsum.ui.jobs_view`: a long job's panel; :mod:`~clinsum.ui.threads`: worker callbacks
- :mod:`~clinsum.ui.navigation`: the pages in ``clinsum/ui/pages/`` and the router

This package (with ``Home.py``) is the only place that imports streamlit. A page is thin:
``ui.page(...)``, then read state, call the library, draw, all inside ``with ui.guard():``
so a failure becomes a clear message instead of a traceback. Pages use ``from clinsum
import ui`` and ``ui.<name>`` for everything listed here.
"""

from __future__ import annotations

from clinsum.ui.data import backend_env, backend_models, backend_statuses, store
from clinsum.ui.frame import (
    GENERIC_ERROR_KEYS,
    error_text,
    guard,
    lang,
    language_switch,
    page,
    reason_text,
    show_error,
    t,
)
from clinsum.ui.jobs_view import fmt_seconds, job_message, job_panel, job_status
from clinsum.ui.markup import esc, esc_attr, highlight, plain, scroll_box_html, text_box_html
from clinsum.ui.navigation import demo_tour, named_pages, navigation_pages, run_app
from clinsum.ui.threads import OnScriptThread
from clinsum.ui.widgets import (
    NOTE_KEYS,
    backend_detail,
    check_line,
    choose,
    column_label,
    download_buttons,
    generation_label,
    metric_glossary,
    metric_help,
    metric_label,
    missing_backends,
    output_notes,
    scroll_box,
    stream_text,
    table,
    tabs,
    text_box,
    value_label,
)

__all__ = [
    "GENERIC_ERROR_KEYS", "NOTE_KEYS", "OnScriptThread", "backend_detail", "backend_env",
    "backend_models", "backend_statuses", "check_line", "choose", "column_label", "demo_tour",
    "download_buttons", "error_text", "esc", "esc_attr", "fmt_seconds", "generation_label",
    "guard", "highlight", "job_message", "job_panel", "job_status", "lang", "language_switch",
    "metric_glossary", "metric_help", "metric_label", "missing_backends", "named_pages",
    "navigation_pages", "output_notes", "page", "plain", "reason_text", "run_app", "scroll_box",
    "scroll_box_html", "show_error", "store", "stream_text", "t", "table", "tabs", "text_box",
    "text_box_html", "value_label",
]
