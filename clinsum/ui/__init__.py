"""Streamlit helpers shared by every page: language, workspace, errors, safe HTML, jobs.

This package is the only place (with ``Home.py`` and ``pages/``) that imports streamlit.
A page is thin: ``ui.page(...)``, then read state, call the library, draw, all inside
``with ui.guard():`` so a failure becomes a clear message instead of a traceback.
"""

from __future__ import annotations

import html
import logging
import os
import queue
import re
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from clinsum.config import workspace_path
from clinsum.errors import ClinsumError
from clinsum.store import Store
from clinsum.ui.i18n import LANGUAGES, translate

log = logging.getLogger("clinsum.ui")
PAGES_DIR = Path(__file__).resolve().parent.parent.parent / "pages"


# -- language --------------------------------------------------------------------------------
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


# -- workspace -------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    return Store.open(path)


def store() -> Store:
    """The workspace this server works on (``$CLINSUM_WORKSPACE`` or ./workspace)."""
    return _open_store(str(workspace_path()))


def backend_env() -> str:
    """What backend availability depends on, for ``st.cache_data`` keys (each backend says:
    see :func:`clinsum.backends.settings_fingerprint`), so a changed setting is seen at once."""
    from clinsum.backends import settings_fingerprint

    return settings_fingerprint()


@st.cache_data(ttl=15, show_spinner=False)
def _backend_statuses(env: str) -> list[dict]:
    from clinsum.backends import backend_status

    with store().released():  # servers are asked over the network: no connection held meanwhile
        return [s.__dict__ for s in backend_status()]


def backend_statuses() -> list[dict]:
    """Each backend's availability (cached briefly; a changed host, URL or key is seen at once)."""
    return _backend_statuses(backend_env())


@st.cache_data(ttl=15, show_spinner=False)
def _backend_models(backend: str, env: str, workspace: str) -> tuple[list[str], str | None]:
    from clinsum.generation import list_models

    try:
        with store().released():
            return list_models(backend, store()), None
    except Exception as exc:  # noqa: BLE001 - shown as a line, never a traceback
        return [], getattr(exc, "message", str(exc))


def backend_models(backend: str) -> tuple[list[str], str | None]:
    """(models ``backend`` lists now, or an error line), cached per backend settings and workspace."""
    return _backend_models(backend, backend_env(), str(store().root))


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
    from clinsum.ui.i18n import catalog

    key = f"backends.{status['name']}.{'ok' if status.get('available') else 'down'}"
    if key in catalog():
        return t(key)
    return status["detail"] if lang() == "en" else t("home.check.ok" if status.get("available")
                                                     else "home.check.missing")


def check_line(check: dict) -> tuple[str, str, str]:
    """(name, detail, hint) of a ``clinsum doctor`` check in the page's language."""
    from clinsum.ui.i18n import catalog

    name, state = check["name"], "ok" if check["ok"] else "missing"
    strings = catalog()
    if f"doctor.{name}.{state}" not in strings:
        return name, check["detail"], check.get("hint") or ""
    path = check["detail"].split(" (", 1)[0]
    hint = t(f"doctor.{name}.hint") if f"doctor.{name}.hint" in strings else ""
    return t(f"doctor.{name}"), t(f"doctor.{name}.{state}", path=path), hint if not check["ok"] else ""


# -- page frame and errors -------------------------------------------------------------------
def page(title_key: str, intro_key: str | None = None) -> None:
    """Title, one-line explanation and the sidebar (language, workspace) of a page."""
    _use_app_navigation()
    language_switch()
    st.sidebar.caption(t("common.workspace", path=str(workspace_path())))
    st.title(t(title_key))
    if intro_key:
        st.caption(t(intro_key))


def _use_app_navigation() -> None:
    """When a server's first request is a deep link (``/summarize``), Streamlit runs the page
    with its old ``pages/`` folder navigation (file names, no translation, ``Home.py`` as a
    page of its own). Switch the server to the app's navigation (``Home.py``), and rerun if
    this is the session's first run (no click can be lost)."""
    from streamlit.runtime.pages_manager import PagesManager

    first_run = "_clinsum_session" not in st.session_state
    st.session_state["_clinsum_session"] = True
    if PagesManager.uses_pages_directory and not getattr(_routing, "active", False):
        PagesManager.uses_pages_directory = False
        if first_run:
            st.rerun()


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
    from clinsum.ui.i18n import catalog

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


GENERIC_ERROR_KEYS = ("error.generic", "error.input", "error.not_found", "error.backend",
                      "error.busy", "error.config")


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


# -- plain text: what a user or a model wrote is never Markdown or HTML --------------------------
# Characters that start Markdown, HTML, Streamlit directives (``:red[…]``) or maths (``$``)
# in the text a page draws; GFM autolinks (``http://``, ``www.``, ``a@b``) are broken apart too.
_ENTITIES = {ord(c): f"&#{ord(c)};" for c in "\\`*_[](){}!#|~$@"}
_ENTITIES.update({ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;",
                  ord("'"): "&#x27;"})
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9]):(?=//)|(?<=\b[Ww]{3})\.")
# What Markdown (or a bare link) would read, backslash-escaped by :func:`plain`; ``_`` only at a
# word's edge (``snake_case`` is never emphasis), so ids and model names stay as typed.
_MD_SPECIAL = re.compile(r"[\\`*\[\](){}!#|~$<>&@]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"
                         r"|(?<=[A-Za-z0-9]):(?=//)|(?<=\b[Ww]{3})\.")


def esc(text: object) -> str:
    """Any record or model text made inert for markup: HTML-escaped, and every character
    Markdown would read (and the ``://`` / ``www.`` of a bare link) turned into a character
    reference, shown as itself and never parsed; safe inside HTML and in a Markdown line."""
    escaped = ("" if text is None else str(text)).translate(_ENTITIES)
    return _AUTOLINK.sub(lambda m: f"&#{ord(m.group(0))};", escaped)


def esc_attr(text: object) -> str:
    """Text for an HTML attribute value (``title="…"``), where Markdown is never read."""
    return html.escape("" if text is None else str(text), quote=True)


def plain(text: object) -> str:
    """Text for a place Streamlit always reads as Markdown (widget labels, radio options,
    captions, expander titles, toasts, info boxes): every character Markdown would read
    backslash-escaped and line breaks made spaces, so it shows exactly as written."""
    flat = " ".join(("" if text is None else str(text)).splitlines())
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), flat)


def highlight(text: str, spans: list[tuple], css: str = "background:#fff3b0") -> str:
    """Escaped ``text`` with ``<mark>`` around each (start, end, title[, css]) span
    (non-overlapping; a span's own css, when given, replaces ``css``)."""
    out: list[str] = []
    pos = 0
    for start, end, title, *own in sorted(spans):
        if start < pos:
            continue
        out.append(esc(text[pos:start]))
        style = own[0] if own else css
        out.append(f'<mark style="{esc_attr(style)}" title="{esc_attr(title)}">{esc(text[start:end])}</mark>')
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def tabs(labels: list[str], key: str) -> list:
    """``st.tabs`` that remember the open tab across reruns (an upload, a message appearing
    above them), instead of jumping back to the first."""
    return list(st.tabs(labels, key=key, on_change="rerun"))


def scroll_box_html(body: str, height: int = 420) -> str:
    """A scrolling box around ``body``, markup that is already safe (escaped or highlighted),
    on one line, so no blank line can end the box and let Markdown read the rest."""
    body = body.replace("\r\n", "\n").replace("\n", "<br>")
    return (f'<div style="max-height:{height}px;overflow-y:auto;white-space:pre-wrap;'
            f'border:1px solid #ddd;border-radius:6px;padding:.6rem;font-size:.9rem">{body}</div>')


def scroll_box(body: str, height: int = 420) -> None:
    """Show safe markup (see :func:`scroll_box_html`) in a scrolling box."""
    st.markdown(scroll_box_html(body, height), unsafe_allow_html=True)


def text_box_html(text: str, height: int = 420) -> str:
    """The markup of :func:`text_box`: the text escaped, in a scrolling box."""
    return scroll_box_html(esc(text), height)


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


# -- threads ---------------------------------------------------------------------------------
class OnScriptThread:
    """Wrap ``draw`` so that library callbacks from worker threads (the parallel stages of a
    strategy) are queued and drawn by the script's thread: Streamlit elements cannot be written
    from threads it did not start. Calls on the script thread draw at once, after anything
    queued; call :meth:`flush` when the work is done."""

    def __init__(self, draw: Callable[..., None]) -> None:
        self.draw = draw
        self.thread = threading.current_thread()
        self.pending: queue.SimpleQueue = queue.SimpleQueue()

    def __call__(self, *args: Any) -> None:
        self.pending.put(args)
        if threading.current_thread() is self.thread:
            self.flush()

    def flush(self) -> None:
        while True:
            try:
                args = self.pending.get_nowait()
            except queue.Empty:
                return
            self.draw(*args)


# -- jobs ------------------------------------------------------------------------------------
def job_status(job_id: str) -> dict:
    """Progress bar, "i/N, elapsed < remaining", and stop/resume buttons for a job."""
    from clinsum import jobs

    s = store()
    info = jobs.info(s, job_id)
    progress = info.get("progress") or {}
    done, total = progress.get("done") or 0, progress.get("total")
    status = info["status"]
    label = t(f"jobs.status.{status}")
    progress = {**progress, "message": job_message(progress)}
    if total:
        elapsed = fmt_seconds(progress.get("elapsed_s"))
        remaining = fmt_seconds(progress.get("eta_s"))
        st.progress(min(done / total, 1.0), text=f"{label}: {done}/{total}, {elapsed} < {remaining}")
    else:
        st.write(f"{label}" + (f": {plain(progress.get('message'))}" if progress.get("message") else ""))
    if progress.get("message") and total:
        st.caption(plain(progress["message"]))
    if info.get("error"):
        st.error(t("jobs.failed_detail", error=plain(info["error"])))
    cols = st.columns(2)
    if status in jobs.ACTIVE and cols[0].button(t("jobs.stop"), key=f"stop-{job_id}"):
        jobs.request_stop(s, job_id)
        st.rerun()
    if status in ("stopped", "failed") and cols[1].button(t("jobs.resume"), key=f"resume-{job_id}"):
        jobs.resume(s, job_id)
        st.rerun()
    return info


def job_message(progress: dict) -> str:
    """A job's progress message; a handler may write a UI string key (``home.demo_step.score``),
    shown translated with ``done``/``total``."""
    message = progress.get("message") or ""
    if message in _catalog():
        done, total = progress.get("done") or 0, progress.get("total") or 0
        try:
            return t(message, done=min(done + 1, total or done + 1), total=total)
        except (KeyError, IndexError, ValueError):
            return t(message)
    return message


def job_panel(job_id: str, every: float = 2.0) -> None:
    """:func:`job_status` in a fragment that refreshes itself while the job is active and
    reruns the page once when it ends, so the panel always ends in the job's final state."""
    from clinsum import jobs

    def panel() -> None:
        info = job_status(job_id)
        if info["status"] not in jobs.ACTIVE and st.session_state.get(f"_job_active.{job_id}"):
            st.session_state[f"_job_active.{job_id}"] = False
            st.rerun()  # the page redraws once, without the timer

    active = jobs.info(store(), job_id)["status"] in jobs.ACTIVE
    st.session_state[f"_job_active.{job_id}"] = active
    st.fragment(run_every=every if active else None)(panel)()


def fmt_seconds(value: float | None) -> str:
    """``m:ss`` (or ``h:mm:ss``); ``?`` when unknown."""
    if value is None:
        return "?"
    value = int(value)
    return f"{value // 3600}:{value % 3600 // 60:02d}:{value % 60:02d}" if value >= 3600 else f"{value // 60}:{value % 60:02d}"



# -- readable tables and metric names ----------------------------------------------------------
def table(df, **kwargs: Any) -> None:
    """``st.dataframe`` with translated headers and values (no snake_case, no ``None``)."""
    from clinsum.ui.labels import display_table

    kwargs.setdefault("hide_index", True)
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
    if shown == strategy and f"strategy.{strategy}.label" in _catalog():
        shown = t(f"strategy.{strategy}.label")
    return label({**generation, "strategy": shown})


def _catalog() -> dict:
    from clinsum.ui.i18n import catalog

    return catalog()


NOTE_KEYS = {"extractive:": None, "few-shot:": "summarize.note.few_shot", "rag:": "summarize.note.rag"}


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


def demo_tour() -> None:
    """Where to start on the demo workspace: three pages that open on content, and a note
    that everything there is synthetic demo data."""
    st.subheader(t("home.try_first"))
    st.caption(t("home.demo_data"))
    by_name = dict(named_pages())
    for name in ("compare", "explorer", "annotate"):
        if name in by_name:
            st.page_link(by_name[name], label=t(f"home.try.{name}"))


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


# -- navigation ------------------------------------------------------------------------------
def named_pages() -> list[tuple[str, object]]:
    """(name, ``st.Page``) for each file in ``pages/`` (``NN_name.py``), titled ``nav.<name>``."""
    pages = []
    for path in sorted(PAGES_DIR.glob("[0-9]*_*.py")):
        name = path.stem.split("_", 1)[1]
        page = st.Page(str(path), title=t(f"nav.{name}"), url_path=name, default=name == "home")
        pages.append((name, page))
    return pages


def navigation_pages() -> list:
    """The ``st.Page`` of every page, in file order."""
    return [page for _name, page in named_pages()]


_routing = threading.local()


def run_app() -> None:
    """Route to the requested page through the app's ``st.navigation`` (``Home.py``)."""
    page = st.navigation(navigation_pages())
    _routing.active = True
    try:
        page.run()
    finally:
        _routing.active = False
