"""Records: browse, search, see sections; import with a preview of what is skipped and why."""

from pathlib import Path

import streamlit as st

from clinsum import jobs, ui
from clinsum.records import get_record, list_records, search_records
from clinsum.records.ingest import (
    ColumnMapping,
    MappingError,
    apply_import,
    plan_import,
    read_bytes,
)
from clinsum.records.jobs import background_rows, submit_import
from clinsum.records.sections import split_sections
from clinsum.references import list_references
from clinsum.store import new_id

ui.page("records.title", "records.intro")
KEY = "records."


def browse(store) -> None:
    query = st.text_input(ui.t("records.search"), key=KEY + "query")
    rows = search_records(store, query) if query.strip() else list_records(store)
    if not rows:
        st.info(ui.t("records.none"))
        return
    st.caption(ui.t("records.found", n=len(rows)))
    columns = ["id", "title", "language", "n_chars", "n_references", "n_generations"]
    ui.table([{c: r.get(c) for c in columns} for r in rows], width="stretch")
    ids = [r["id"] for r in rows]
    chosen = st.selectbox(ui.t("records.pick"), ids, key=KEY + "pick",
                          format_func=lambda i: f"{i} — {next(r['title'] for r in rows if r['id'] == i)}")
    record = get_record(store, chosen)
    st.caption(ui.t("records.meta", language=record.language, n_chars=len(record.text), source=ui.plain(record.source)))
    same = next((r.get("same_text_as") for r in rows if r["id"] == chosen), None)
    if same:
        st.caption(ui.t("records.same_text_as", other=ui.plain(same)))
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{ui.t('records.sections', n=len(record.sections))}**")
        for section in record.sections:
            kind = ui.t(f"section.{section.kind}")
            title = section.title or kind
            with st.expander(f"{ui.plain(title)} · {kind}" if title != kind else ui.plain(title), expanded=False):
                ui.text_box(section.body(record.text), height=260)
        with st.expander(ui.t("records.full_text")):
            ui.text_box(record.text)
    with right:
        st.markdown(f"**{ui.t('records.references')}**")
        refs = list_references(store, record.id)
        if not refs:
            st.caption(ui.t("records.no_reference"))
        for ref in reversed(refs):
            st.caption(ui.t("records.reference_version", version=ref["version"], status=ref["status"],
                            author=ui.plain(ref["author"] or ref["model"] or "?")))
            ui.text_box(ref["text"], height=300)


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
    _preview(plan)
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
    _counts(plan.references, len(plan.aliases), len(plan.duplicates))


def _preview(plan) -> None:
    st.subheader(ui.t("records.preview"))
    if plan.new:
        st.success(ui.t("records.preview.new", n=len(plan.new)))
        for draft in plan.new[:5]:
            sections = split_sections(draft.text)
            with st.expander(f"{ui.plain(draft.id)} · {draft.language} · {len(sections)} secciones/sections"):
                st.text(", ".join(s.title or ui.t(f"section.{s.kind}") for s in sections))
                ui.text_box(draft.text[:3000], height=200)
                if draft.reference:
                    st.caption(ui.t("records.preview.reference", status=draft.reference_status or "draft",
                                    author=draft.reference_author or "import"))
                    ui.text_box(draft.reference[:3000], height=150)
    if plan.n_references:
        st.info(ui.t("records.preview.references", n=plan.n_references))
    if plan.aliases:
        st.info(ui.t("records.preview.aliases", n=len(plan.aliases)))
        st.dataframe([{"id": d.id, "source": d.source, "same_as": same} for d, same in plan.aliases[:200]],
                     hide_index=True)
    if plan.duplicates:
        st.warning(ui.t("records.preview.duplicates", n=len(plan.duplicates)))
        st.dataframe([{"source": d.source, "line": d.meta.get("line"), "existing": e}
                      for d, e in plan.duplicates[:200]], hide_index=True)
    if plan.problems:
        st.error(ui.t("records.preview.problems", n=len(plan.problems)))
        st.dataframe([{"source": p.source, "line": p.line, "reason": p.reason} for p in plan.problems[:500]],
                     hide_index=True)


def _counts(references: int, aliases: int, duplicates: int) -> None:
    st.caption(ui.t("records.imported.details", references=references, aliases=aliases, duplicates=duplicates))


@st.fragment(run_every=2)
def _job_panel(job_id: str) -> None:
    info = ui.job_status(job_id)
    if info["status"] not in ("done", "stopped", "failed"):
        return
    done = next((e for e in reversed(jobs.read_log(ui.store(), job_id)) if e.get("event") == "imported"), None)
    if done:
        st.success(ui.t("records.imported", n=done["imported"] + done["aliases"]))
        _counts(done["references"], done["aliases"], done["duplicates"])
    if st.session_state.get(KEY + "job_ended") != job_id:
        st.session_state[KEY + "job_ended"] = job_id
        st.rerun(scope="app")  # the Browse tab sees the new records


with ui.guard():
    store = ui.store()
    browse_tab, imp_tab = ui.tabs([ui.t("records.tab.browse"), ui.t("records.tab.import")], KEY + "tabs")
    with browse_tab:
        browse(store)
    with imp_tab:
        import_tab(store)
