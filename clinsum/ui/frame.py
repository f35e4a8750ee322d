"""The page frame: language, translated strings, title and sidebar, and errors as messages.

A page is ``ui.page(...)`` then its body inside ``with ui.guard():``.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from clinsum.config import workspace_path
from clinsum.errors import ClinsumError
from clinsum.ui.data import store
from clinsum.ui.i18n import LANGUAGES, catalog, translate
from clinsum.ui.markup import plain

log = logging.getLogger("clinsum.ui")
GENERIC_ERROR_KEYS = ("error.generic", "error.input", "error.not_found", "error.backend",
                      "error.busy", "error.config")


def lang() -> str:
    """The language chosen in the sidebar (default ``$CLINSUM_LANG`` or Spanish).

    Outside a page run (a widget's ``format_func`` called by a test harness) there is no
    session to remember a choice in, so the default is read afresh, never cached globally.
    """
    default = os.environ.get("CLINSUM_LANG", "es")
    default = default if default in LANGUAGES else "es"
    if get_script_run_ctx(suppress_warning=True) is None:
        return default
    if "_lang" not in st.session_state:
        st.session_state["_lang"] = default
    return st.session_state["_lang"]


def t(key: str, **params: object) -> str:
    return translate(key, lang(), **params)


def language_switch() -> None:
    current = lang()

    def changed() -> None:
        st.session_state["_lang"] = st.session_state["_lang_widget"]

    st.sidebar.radio(
        "Idioma / Language", LANGUAGES, index=LANGUAGES.index(current), horizontal=True,
        format_func=lambda code: {"es": "Español", "en": "English"}[code],
        key="_lang_widget", on_change=changed,
    )


def page(title_key: str, intro_key: str | None = None) -> None:
    """Title, one-line explanation and the sidebar (language, workspace) of a page."""
    language_switch()
    st.sidebar.caption(t("common.workspace", path=str(workspace_path())))
    st.title(t(title_key))
    if intro_key:
        st.caption(t(intro_key))


def show_error(exc: BaseException) -> None:
    """A clear message for ``exc``; unexpected errors are logged to the workspace, not shown."""
    if isinstance(exc, ClinsumError):  # messages quote file names, titles, model names: plain
        message, hint = error_text(exc)
        st.error(plain(message))
        if hint:
            st.info(plain(hint))
        return
    ref = uuid.uuid4().hex[:8]
    try:
        folder = store().dir("logs")
        with open(folder / "ui-errors.log", "a", encoding="utf-8") as handle:
            handle.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} ref {ref}\n{traceback.format_exc()}\n")
    except Exception:  # noqa: BLE001 - logging must never break the page
        log.exception("could not write the UI error log")
    st.error(t("common.unexpected", ref=ref))


def error_text(exc: ClinsumError) -> tuple[str, str | None]:
    """(message, hint) of a library error in the page's language.

    An error with its own key (``error.record_empty``) is shown from the catalogue, with its
    ``params`` and ``<key>.hint``. Otherwise (library messages are English) the English page
    shows the message and hint as raised; the Spanish page shows the Spanish line of the
    error's class (``error.input`` ...) with the original as a labelled technical detail.
    """
    strings = catalog()
    key = getattr(exc, "key", None) or "error.generic"
    params = dict(getattr(exc, "params", None) or {})
    if key not in GENERIC_ERROR_KEYS and key in strings and _formats(strings[key], params):
        hint_key = f"{key}.hint"
        hint = t(hint_key, **params) if hint_key in strings else (exc.hint if lang() == "en" else None)
        return t(key, **params), hint
    if lang() == "en":
        return exc.message, exc.hint
    generic = t(key if key in strings else "error.generic")
    return f"{generic} {t('error.detail', message=exc.message)}", None


def reason_text(reason: str, key: str | None = None, params: dict | None = None) -> str:
    """Why something was skipped, in the page's language: through its key (``problem.<name>``,
    carried by a :class:`clinsum.errors.Reason` or stored beside it in a job's log), else as given."""
    key = key or getattr(reason, "key", "")
    params = dict(params if params is not None else getattr(reason, "params", {}) or {})
    strings = catalog()
    if key and key in strings and _formats(strings[key], params):
        return t(key, **params)
    return str(reason)


def _formats(pair: tuple[str, str], params: dict) -> bool:
    try:
        pair[0].format(**params)
        pair[1].format(**params)
    except (KeyError, IndexError, ValueError):
        return False
    return True


@contextmanager
def guard() -> Iterator[None]:
    """Run a page body; errors become messages (Streamlit's own control flow passes through).
    The body's reads share one workspace connection (``Store.shared_connection``), closed
    for model calls and writes and at the end of the body."""
    try:
        shared = store().shared_connection()
    except Exception:  # noqa: BLE001 - the body meets the same error and shows it
        shared = nullcontext()
    try:
        with shared:
            yield
    except ClinsumError as exc:
        show_error(exc)
    except Exception as exc:
        if type(exc).__module__.startswith("streamlit"):
            raise  # st.rerun / st.stop use exceptions
        show_error(exc)
