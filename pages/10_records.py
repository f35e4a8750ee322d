"""Records: browse, search, see sections; import with a preview of what is skipped and why."""

import streamlit as st

from clinsum import ui
from clinsum.records import get_record, list_records, search_records
from clinsum.records.ingest import ColumnMapping, apply_import, plan_import, read_bytes
from clinsum.references import list_references

ui.page("records.title", "records.intro")
KEY = "records."


def browse(store) -> None:
    query = st.text_input(ui.t("records.search"), key=KEY + "query")
    rows = search_records(store, query) if query.strip() else list_records(store)
    if not rows:
        st.info(ui.t("records.none"))
        return
    st.caption(ui.t("records.found", n=len(rows)))
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_order=["id", "title", "language", "n_chars", "n_references", "n_generations"])
    ids = [r["id"] for r in rows]
    chosen = st.selectbox(ui.t("records.pick"), ids, key=KEY + "pick",
                          format_func=lambda i: f"{i} — {next(r['title'] for r in rows if r['id'] == i)}")
    record = get_record(store, chosen)
    st.caption(ui.t("records.meta", language=record.language, n_chars=len(record.text), source=ui.plain(record.source)))
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{ui.t('records.sections', n=len(record.sections))}**")
        for section in record.sections:
            title = section.title or section.kind
            with st.expander(f"{ui.plain(title)} · {section.kind}", expanded=False):
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
    files = st.file_uploader(ui.t("records.upload"), accept_multiple_files=True, key=KEY + "files",
                             help=ui.t("records.upload.help"))
    with st.expander(ui.t("records.mapping")):
        c1, c2, c3, c4 = st.columns(4)
        text_col = c1.text_input(ui.t("records.mapping.text"), "text", key=KEY + "map.text")
        id_col = c2.text_input(ui.t("records.mapping.id"), "id", key=KEY + "map.id")
        title_col = c3.text_input(ui.t("records.mapping.title"), "title", key=KEY + "map.title")
        max_mb = c4.number_input(ui.t("records.max_mb"), 0.1, 500.0, 5.0, key=KEY + "max_mb")
    if not files:
        return
    mapping = ColumnMapping(text=text_col or "text", id=id_col or None, title=title_col or None)
    drafts, problems = [], []
    for upload in files:
        d, p = read_bytes(upload.name, upload.getvalue(), mapping, int(max_mb * 1e6))
        drafts += d
        problems += p
    plan = plan_import(store, drafts, problems)
    st.subheader(ui.t("records.preview"))
    if plan.new:
        st.success(ui.t("records.preview.new", n=len(plan.new)))
        for draft in plan.new[:5]:
            from clinsum.records.sections import split_sections

            sections = split_sections(draft.text)
            with st.expander(f"{ui.plain(draft.id)} · {draft.language} · {len(sections)} secciones/sections"):
                st.text(", ".join(s.title or s.kind for s in sections))
                ui.text_box(draft.text[:3000], height=200)
    if plan.duplicates:
        st.warning(ui.t("records.preview.duplicates", n=len(plan.duplicates)))
        st.write("\n".join(f"- {ui.t('records.duplicate_of', source=ui.plain(d.source), existing=ui.plain(e))}"
                           for d, e in plan.duplicates[:50]))
    if plan.problems:
        st.error(ui.t("records.preview.problems", n=len(plan.problems)))
        st.write("\n".join(f"- {ui.plain(p)}" for p in plan.problems[:100]))
    if not plan.new:
        st.info(ui.t("records.preview.nothing"))
        return
    if st.button(ui.t("records.confirm", n=len(plan.new)), type="primary", key=KEY + "confirm"):
        ids = apply_import(store, plan)
        st.success(ui.t("records.imported", n=len(ids)))


with ui.guard():
    store = ui.store()
    browse_tab, imp_tab = ui.tabs([ui.t("records.tab.browse"), ui.t("records.tab.import")], KEY + "tabs")
    with browse_tab:
        browse(store)
    with imp_tab:
        import_tab(store)
