"""The records page's sections: browsing records, and the preview of an import."""

from __future__ import annotations

import streamlit as st

from clinsum import records, ui
from clinsum.records.sections import split_sections
from clinsum.references import list_references

KEY = "records."


def browse(store) -> None:
    """Search the records, pick one, and see its sections and references."""
    query = st.text_input(ui.t("records.search"), key=KEY + "query")
    rows = records.search_records(store, query) if query.strip() else records.list_records(store)
    if not rows:
        st.info(ui.t("records.none"))
        return
    st.caption(ui.t("records.found", n=len(rows)))
    columns = ["id", "title", "language", "n_chars", "n_references", "n_generations"]
    ui.table([{c: r.get(c) for c in columns} for r in rows], width="stretch")
    ids = [r["id"] for r in rows]
    chosen = st.selectbox(ui.t("records.pick"), ids, key=KEY + "pick",
                          format_func=lambda i: f"{i} — {next(r['title'] for r in rows if r['id'] == i)}")
    record = records.get_record(store, chosen)
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


def preview(plan) -> None:
    """What an import would write, alias, skip as duplicate, or reject (and why)."""
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
        ui.table([{"id": d.id, "source": d.source, "same_as": same} for d, same in plan.aliases[:200]])
    if plan.duplicates:
        st.warning(ui.t("records.preview.duplicates", n=len(plan.duplicates)))
        ui.table([{"source": d.source, "line": d.meta.get("line"), "existing": e}
                  for d, e in plan.duplicates[:200]])
    if plan.problems:
        st.error(ui.t("records.preview.problems", n=len(plan.problems)))
        ui.table([{"source": p.source, "line": p.line, "reason": ui.reason_text(p.reason)}
                  for p in plan.problems[:500]])


def import_counts(references: int, aliases: int, duplicates: int) -> None:
    """The caption under a finished import: references, aliases and duplicates."""
    st.caption(ui.t("records.imported.details", references=references, aliases=aliases, duplicates=duplicates))
