"""Knowledge bases: create, ingest a file with a progress bar (a job), browse, search, delete."""

from __future__ import annotations

import re
import time

import streamlit as st

import clinsum.rag.jobs  # noqa: F401 - registers the kb_ingest job kind
from clinsum import jobs, ui
from clinsum.rag import base_stats, browse, create_base, delete_base, list_bases, search
from clinsum.rag.layouts import LAYOUTS
from clinsum.rag.readers import SUFFIXES
from clinsum.rag.seed import SEED_NAME, SEED_PATH

K = "kb."
ui.page("kb.title", "kb.intro")


def _start(store, config: dict, title: str) -> None:
    """Start an ingestion job and rerun, so its progress panel (above) appears at once."""
    job_id = jobs.submit(store, "kb_ingest", config, title=title)
    st.session_state[K + "job"] = job_id
    st.rerun()


@st.fragment(run_every=2)
def _job_panel(job_id: str) -> None:
    info = ui.job_status(job_id)
    if info["status"] in ("done", "stopped", "failed"):
        if st.session_state.get(K + "job_ended") != job_id:
            st.session_state[K + "job_ended"] = job_id
            st.rerun(scope="app")  # the counts, search and browse tabs see the new passages
        events = jobs.read_log(ui.store(), job_id)
        done = next((e for e in reversed(events) if e.get("event") == "ingested"), None)
        if done:
            st.success(ui.t("kb.ingest.report", rows_read=done["rows_read"], added=done["added"],
                            existing=done["existing"], duplicates=done["duplicates"],
                            problems=done["n_problems"]))
        problems = [e for e in events if e.get("event") == "problem"]
        if problems:
            with st.expander(ui.t("kb.ingest.problems", n=len(problems))):
                ui.table([{"line": e["line"], "reason": ui.reason_text(e["reason"], e.get("reason_key"), e.get("reason_params"))}
                          for e in problems])


def _search_tab(store, name: str, n_passages: int) -> None:
    if not n_passages:
        st.info(ui.t("kb.search.empty"))
        return
    query = st.text_input(ui.t("kb.search.query"), key=K + "query")
    c1, c2 = st.columns(2)
    k = c1.slider(ui.t("kb.search.k"), 1, 20, 5, key=K + "k")
    distance = c2.slider(ui.t("kb.search.max_distance"), 0.1, 2.0, 2.0, 0.05, key=K + "dist")
    if query.strip():
        hits = search(store, name, query, k, distance)
        if not hits:
            st.info(ui.t("kb.search.none"))
        for hit in hits:
            st.markdown(f"**{ui.t('kb.search.hit', rank=hit.rank, distance=hit.distance, score=hit.score)}**")
            ui.text_box(hit.text, height=160)


def _ingest_tab(store, name: str) -> None:
    st.caption(ui.t("kb.ingest.help"))
    upload = st.file_uploader(ui.t("kb.ingest.file"), type=[s.lstrip(".") for s in SUFFIXES], key=K + "upload")
    layouts = ["auto", *LAYOUTS.names()]
    layout = st.selectbox(ui.t("kb.ingest.layout"), layouts, key=K + "layout",
                          format_func=lambda n: ui.t("kb.ingest.layout.auto") if n == "auto" else
                          f"{n} — {ui.t(f'kb.layout.{n}')}")
    mapping = st.text_input(ui.t("kb.ingest.mapping"), key=K + "mapping")
    c1, c2 = st.columns(2)
    if c1.button(ui.t("kb.ingest.start"), type="primary", disabled=upload is None, key=K + "start"):
        safe = re.sub(r"[^\w.-]+", "_", upload.name)
        path = store.dir("kb", "uploads") / f"{int(time.time())}_{safe}"
        path.write_bytes(upload.getvalue())
        _start(store, {"base": name, "path": str(path), "layout": None if layout == "auto" else layout,
                       "mapping": mapping or None}, f"kb ingest {name}: {upload.name}")
    if c2.button(ui.t("kb.ingest.references"), key=K + "refs"):
        _start(store, {"base": name, "source": "references"}, f"kb ingest {name}: references")


def _manage_tab(store, name: str) -> None:
    stats = base_stats(store, name)
    c1, c2, c3 = st.columns(3)
    c1.metric(ui.t("kb.stats.passages"), stats["n_passages"])
    c2.metric(ui.t("kb.stats.rows"), stats["n_rows"])
    c3.metric(ui.t("kb.stats.problems"), stats["n_problems"])
    if stats["ingests"]:
        st.markdown(f"**{ui.t('kb.stats.runs')}**")
        ui.table(stats["ingests"], column_order=["started_at", "status", "rows_read", "added", "existing",
                                                 "duplicates", "problems", "seconds", "precision", "source"])
    st.divider()
    st.markdown(f"**{ui.t('kb.delete')}**")
    typed = st.text_input(ui.t("kb.delete.confirm"), key=K + "confirm")
    if st.button(ui.t("kb.delete.button"), disabled=typed.strip() != name, key=K + "delete"):
        delete_base(store, name)
        st.session_state.pop(K + "pick", None)
        st.session_state[K + "flash"] = ui.t("kb.deleted", name=ui.plain(name))
        st.rerun()


with ui.guard():
    store = ui.store()
    if st.session_state.get(K + "flash"):
        st.success(st.session_state.pop(K + "flash"))
    bases = list_bases(store)
    left, right = st.columns([3, 2])
    with left:
        if bases:
            st.markdown(f"**{ui.t('kb.bases')}**")
            ui.table([{**b, "base": b["name"]} for b in bases], column_order=["base", "n_passages", "layout", "description"])
        else:
            st.info(ui.t("kb.none"))
        if SEED_NAME not in {b["name"] for b in bases} and st.button(ui.t("kb.seed"), key=K + "seed"):
            create_base(store, SEED_NAME, "Seed knowledge base written for clinsum (es/en)", exist_ok=True)
            _start(store, {"base": SEED_NAME, "path": str(SEED_PATH), "layout": "qa"}, "kb seed")
    with right, st.form(K + "create"):
        st.markdown(f"**{ui.t('kb.create')}**")
        new_name = st.text_input(ui.t("kb.create.name"), key=K + "new_name")
        new_desc = st.text_input(ui.t("kb.create.description"), key=K + "new_desc")
        if st.form_submit_button(ui.t("kb.create.button")):
            create_base(store, new_name.strip(), new_desc)
            st.session_state[K + "pick"] = new_name.strip()
            st.session_state[K + "flash"] = ui.t("kb.created", name=ui.plain(new_name.strip()))
            st.rerun()

    if st.session_state.get(K + "job"):
        _job_panel(st.session_state[K + "job"])

    names = [b["name"] for b in list_bases(store)]
    if names:
        name = st.selectbox(ui.t("kb.pick"), names, key=K + "pick")
        n_passages = next(b["n_passages"] for b in list_bases(store) if b["name"] == name)
        t_search, t_ingest, t_browse, t_manage = ui.tabs(
            [ui.t("kb.tab.search"), ui.t("kb.tab.ingest"), ui.t("kb.tab.browse"), ui.t("kb.tab.manage")], K + "tabs")
        with t_search:
            _search_tab(store, name, n_passages)
        with t_ingest:
            _ingest_tab(store, name)
        with t_browse:
            offset = st.number_input(ui.t("kb.browse.offset"), 0, max(n_passages - 1, 0), 0, 50, key=K + "offset")
            rows = browse(store, name, int(offset), 50)
            if rows:
                ui.table(rows)
            else:
                st.caption(ui.t("common.none_yet"))
        with t_manage:
            _manage_tab(store, name)
