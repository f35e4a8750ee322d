"""Records: browse, search, see sections; import with a preview of what is skipped and why
(browsing and the preview are drawn by :mod:`clinsum.ui.records_view`)."""

from pathlib import Path

import streamlit as st

from clinsum import jobs, ui
from clinsum.records.ingest import (
    ColumnMapping,
    MappingError,
    apply_import,
    plan_import,
    read_bytes,
)
from clinsum.records.jobs import background_rows, submit_import
from clinsum.store import new_id
from clinsum.ui import records_view

ui.page("records.title", "records.intro")
KEY = "records."


def import_tab(store) -> None:
    job_id = st.session_state.get(KEY + "job")
    if job_id:
        _job_panel(job_id)
    files = st.file_uploader(ui.t("records.upload"), accept_multiple_files=True, key=KEY + "files",
                             help=ui.t("records.upload.help"))
    with st.expander(ui.t("records.mapping")):
        c1, c2, c3, c4 = st.columns(4)
        text_col = c1.text_input(ui.t("records.mapping.text"), "text", key=KEY + "map.text")
        id_col = c2.text_input(ui.t("records.mapping.id"), "id", key=KEY + "map.id")
        title_col = c3.text_input(ui.t("records.mapping.title"), "title", key=KEY + "map.title")
        max_mb = c4.number_input(ui.t("records.max_mb"), 0.1, 500.0, 5.0, key=KEY + "max_mb")
        r1, r2, r3 = st.columns(3)
        ref_col = r1.text_input(ui.t("records.mapping.reference"), "", key=KEY + "map.reference")
        ref_author = r2.text_input(ui.t("records.mapping.reference_author"), "", key=KEY + "map.ref_author")
        ref_status = r3.text_input(ui.t("records.mapping.reference_status"), "", key=KEY + "map.ref_status")
    if not files:
        return
    mapping = ColumnMapping(text=text_col or "text", id=id_col or None, title=title_col or None,
                            reference=ref_col.strip() or None,
                            reference_author=(ref_author.strip() or None) if ref_col.strip() else None,
                            reference_status=(ref_status.strip() or None) if ref_col.strip() else None)
    drafts, problems = [], []
    try:
        for upload in files:
            d, p = read_bytes(upload.name, upload.getvalue(), mapping, int(max_mb * 1e6))
            drafts += d
            problems += p
    except MappingError as exc:  # a table without a mapped column: say which columns it has
        st.error(ui.t(exc.key, **exc.params))
        return
    plan = plan_import(store, drafts, problems)
    records_view.preview(plan)
    if not plan.n_written and not any(d.reference for d, _ in plan.duplicates):
        st.info(ui.t("records.preview.nothing"))
        return
    if not st.button(ui.t("records.confirm", n=plan.n_written), type="primary", key=KEY + "confirm"):
        return
    if len(drafts) > background_rows():  # a large import runs as a job: the page stays usable
        folder = store.dir("imports", new_id("upload"))
        for upload in files:
            (folder / Path(upload.name).name).write_bytes(upload.getvalue())
        st.session_state[KEY + "job"] = submit_import(store, [folder], mapping, int(max_mb * 1e6))
        st.rerun()
    bar = st.progress(0.0, text=ui.t("records.importing"))

    def progress(done: int, total: int, _message: str) -> None:
        bar.progress(done / total if total else 1.0, text=ui.t("records.importing.progress", done=done, total=total))

    apply_import(store, plan, progress=progress)
    st.success(ui.t("records.imported", n=plan.n_written))
    records_view.import_counts(plan.references, len(plan.aliases), len(plan.duplicates))



@st.fragment(run_every=2)
def _job_panel(job_id: str) -> None:
    info = ui.job_status(job_id)
    if info["status"] not in ("done", "stopped", "failed"):
        return
    done = next((e for e in reversed(jobs.read_log(ui.store(), job_id)) if e.get("event") == "imported"), None)
    if done:
        st.success(ui.t("records.imported", n=done["imported"] + done["aliases"]))
        records_view.import_counts(done["references"], done["aliases"], done["duplicates"])
    if st.session_state.get(KEY + "job_ended") != job_id:
        st.session_state[KEY + "job_ended"] = job_id
        st.rerun(scope="app")  # the Browse tab sees the new records


with ui.guard():
    store = ui.store()
    browse_tab, imp_tab = ui.tabs([ui.t("records.tab.browse"), ui.t("records.tab.import")], KEY + "tabs")
    with browse_tab:
        records_view.browse(store)
    with imp_tab:
        import_tab(store)
