"""The annotation page's work sections: reviewing references and blinded comparisons.

Every widget change is written to the workspace as a draft (``on_change``), so a closed tab
or a server restart loses nothing; widgets are filled from the draft, else from the
submitted review, else left empty (form state: :mod:`clinsum.annotation.form`).
"""

from __future__ import annotations

import streamlit as st

from clinsum import ui
from clinsum.annotation import assignment, drafts, form, pairwise, reviews, rubric
from clinsum.annotation.spans import make_span
from clinsum.errors import InputError
from clinsum.records import get_record
from clinsum.references import get_reference
from clinsum.text import normalize
from clinsum.ui import evidence_view, pdsqi_view

K = "annotate."


# -- reference review -------------------------------------------------------------------------
def rkey(item_id: str, field: str) -> str:
    return form.review_key(item_id, field)


def review_data(item_id: str) -> dict:
    return form.review_values(st.session_state, item_id)


def save_quietly(who: str, kind: str, item_id: str, data: dict) -> None:
    """Write a draft from a widget callback: a failure becomes a warning, never a traceback."""
    try:
        drafts.save_draft(ui.store(), who, kind, item_id, data)
    except Exception as exc:  # noqa: BLE001 - callbacks run outside ui.guard()
        st.session_state[K + "save_error"] = getattr(exc, "message", None) or type(exc).__name__
    else:
        st.session_state.pop(K + "save_error", None)


def autosave_review(who: str, item_id: str) -> None:
    save_quietly(who, "reference", item_id, review_data(item_id))


def queue_picker(items: list[dict], key: str, label=None) -> str:
    """A select box over the queue (first item not yet submitted by default) and progress.

    The open item lives in ``key`` and only a choice in the box or "next" changes it
    (:mod:`clinsum.annotation.form`), whatever the labels do between reruns.
    """
    message = form.pop_flash(st.session_state)
    if message:
        st.success(ui.t(message[0], **message[1]))
    done = sum(i["state"] == "done" for i in items)
    st.progress(done / len(items), text=ui.t("annotate.progress", done=done, total=len(items)))
    ids = [i["item_id"] for i in items]
    by_id = {i["item_id"]: i for i in items}
    chosen = form.current_item(st.session_state, key, items)
    form.picker_value(st.session_state, key)
    marks = {"done": "✓", "draft": "✎", "todo": "•"}

    def fmt(item_id: str) -> str:
        item = by_id[item_id]
        return f"{marks[item['state']]} {item['title'][:60]} · {item['record_id']} ({ui.t('annotate.state.' + item['state'])})"

    cols = st.columns([5, 1])
    cols[0].selectbox(ui.t("annotate.item"), ids, format_func=label or fmt, key=form.picker_key(key),
                      on_change=form.picked, args=(st.session_state, key))
    cols[1].button(ui.t("annotate.next"), on_click=form.next_item, args=(st.session_state, key, items),
                   key=key + ".next", width="stretch")
    return chosen


def span_title(span: dict) -> str:
    kind = rubric.label(rubric.ERROR_TYPES[span["type"]], ui.lang())
    sev = rubric.label(rubric.SEVERITIES[span["severity"]], ui.lang())
    return f"{kind} · {sev}" + (f" · {span['note']}" if span.get("note") else "")


def review_section(s, who: str) -> None:
    items = assignment.queue(s, who, "reference")
    if not items:
        st.info(ui.t("annotate.empty_queue"))
        return
    item_id = queue_picker(items, K + "item")
    ref = get_reference(s, item_id)
    record = get_record(s, ref["record_id"])
    form.load_review_state(st.session_state, s, who, ref)
    if st.session_state.get(rkey(item_id, "restored")):
        st.caption(ui.t("annotate.draft_restored"))
    if reviews.get_annotation(s, "reference", item_id, who):
        st.info(ui.t("annotate.already"))
    spans = st.session_state[rkey(item_id, "spans")]
    save = {"on_change": autosave_review, "args": (who, item_id)}

    left, right = st.columns(2)
    with left:
        st.markdown(f"**{ui.t('annotate.record')}** · {ui.esc(record.title)}")
        marks = [(sp["start"], sp["end"], span_title(sp)) for sp in spans if sp.get("target") == "record"]
        ui.scroll_box(ui.highlight(record.text, marks, "background:#ffd6d6"), height=460)
    with right:
        st.markdown(f"**{ui.t('annotate.reference', version=ref['version'])}**")
        marks = [(sp["start"], sp["end"], span_title(sp)) for sp in spans if sp.get("target") != "record"]
        ui.scroll_box(ui.highlight(ref["text"], marks), height=300)
        st.text_area(ui.t("annotate.edit"), key=rkey(item_id, "edited"), help=ui.t("annotate.edit_help"),
                     height=220, **save)
        if normalize(st.session_state[rkey(item_id, "edited")] or "") != normalize(ref["text"]):
            st.caption(ui.t("annotate.edited_note"))

    st.subheader(ui.t("annotate.rubric"))
    cols = st.columns(len(rubric.CRITERIA))
    for col, criterion in zip(cols, rubric.CRITERIA, strict=True):
        col.radio(rubric.label(criterion.label, ui.lang()), list(range(rubric.SCORE_MIN, rubric.SCORE_MAX + 1)),
                  index=None, horizontal=True, key=rkey(item_id, criterion.name),
                  help=rubric.label(criterion.guideline, ui.lang()), **save)
    st.caption(ui.t("annotate.scale_help"))
    st.radio(ui.t("annotate.verdict"), list(rubric.VERDICTS), index=None, horizontal=True,
             format_func=lambda v: rubric.label(rubric.VERDICTS[v], ui.lang()), key=rkey(item_id, "verdict"), **save)
    with st.expander(ui.t("evidence.expander")):
        evidence_view.panel(s, "reference", item_id, rkey(item_id, "evidence"), annotator=who)
    with st.expander(ui.t("pdsqi.title")):
        pdsqi_view.rating_form(s, who, "reference", item_id, rkey(item_id, "pdsqi"))
    spans_editor(who, item_id, ref["text"], record.text)
    st.text_area(ui.t("annotate.comment"), key=rkey(item_id, "comment"), help=ui.t("annotate.comment_required"),
                 height=90, **save)
    if st.button(ui.t("annotate.submit"), type="primary", key=rkey(item_id, "submit")):
        data = review_data(item_id)
        try:
            result = reviews.submit_review(s, who, item_id, scores=data["scores"], verdict=data["verdict"],
                                           comment=data["comment"], spans=data["spans"],
                                           edited_text=data["edited_text"])
        except InputError as exc:
            ui.show_error(exc)
        else:
            st.session_state[rkey(item_id, "restored")] = False
            form.flash(st.session_state, "annotate.submitted",
                       decision=ui.t("annotate.decision." + result["decision"]))
            st.rerun()  # progress and the queue's labels were drawn before the submit


def spans_editor(who: str, item_id: str, reference: str, record: str) -> None:
    """List the marked errors (each removable) and a small form to add one by quoting it."""
    spans = st.session_state[rkey(item_id, "spans")]
    st.markdown(f"**{ui.t('annotate.spans')}**")
    if not spans:
        st.caption(ui.t("annotate.no_spans"))
    for n, span in enumerate(spans):
        cols = st.columns([6, 1])
        where = ui.t("annotate.target." + span.get("target", "reference"))
        cols[0].markdown(f"«{ui.esc(span['quote'])}» — {ui.esc(span_title(span))} ({ui.esc(where)})")
        if cols[1].button(ui.t("annotate.remove"), key=rkey(item_id, f"rm{n}")):
            spans.pop(n)
            autosave_review(who, item_id)
            st.rerun()
    with st.expander(ui.t("annotate.add_span")):
        cols = st.columns([4, 1])
        quote = cols[0].text_input(ui.t("annotate.quote"), key=rkey(item_id, "quote"), help=ui.t("annotate.quote_help"))
        occurrence = cols[1].number_input(ui.t("annotate.occurrence"), 1, 50, 1, key=rkey(item_id, "occ"))
        cols = st.columns(3)
        error_type = cols[0].selectbox(ui.t("annotate.error_type"), list(rubric.ERROR_TYPES),
                                       format_func=lambda v: rubric.label(rubric.ERROR_TYPES[v], ui.lang()),
                                       key=rkey(item_id, "etype"))
        severity = cols[1].selectbox(ui.t("annotate.severity"), list(rubric.SEVERITIES),
                                     format_func=lambda v: rubric.label(rubric.SEVERITIES[v], ui.lang()),
                                     key=rkey(item_id, "sev"))
        target = cols[2].radio(ui.t("annotate.target"), ["reference", "record"], key=rkey(item_id, "target"),
                               format_func=lambda v: ui.t("annotate.target." + v))
        note = st.text_input(ui.t("annotate.span_note"), key=rkey(item_id, "note"))
        if st.button(ui.t("annotate.add"), key=rkey(item_id, "add")):
            try:
                span = make_span(record if target == "record" else reference, error_type, severity,
                                 quote=quote, occurrence=int(occurrence), note=note, target=target)
            except InputError as exc:
                ui.show_error(exc)
            else:
                spans.append(span)
                autosave_review(who, item_id)
                st.rerun()


# -- blinded pairwise -------------------------------------------------------------------------
def pkey(pair_id: str, field: str) -> str:
    return form.pair_key(pair_id, field)


def autosave_pair(who: str, pair_id: str) -> None:
    data = form.pair_values(st.session_state, pair_id)
    save_quietly(who, "pairwise", pair_id, {"scores": data["scores"], "comment": data["comment"]})


def pairwise_section(s, who: str) -> None:
    st.caption(ui.t("annotate.pair_intro"))
    items = assignment.queue(s, who, "pairwise")
    if not items:
        st.info(ui.t("annotate.pair_empty"))
        return
    where = form.positions(items)
    marks = {"done": "✓", "draft": "✎", "todo": "•"}

    def label(pair_id: str) -> str:
        at = where[pair_id]
        return f"{marks[at['state']]} " + ui.t("annotate.pair_label", **at)

    pair_id = queue_picker(items, K + "pair", label)
    pair = pairwise.get_pair(s, pair_id)
    form.load_pair_state(st.session_state, s, who, pair)
    st.subheader(ui.plain(ui.t("annotate.pair_heading", **where[pair_id])))
    if st.session_state.get(pkey(pair_id, "restored")):
        st.caption(ui.t("annotate.draft_restored"))
    with st.expander(ui.t("annotate.show_record")):
        ui.text_box(get_record(s, pair["record_id"]).text, height=360)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{ui.t('annotate.left')}**")
        ui.text_box(pair["left"]["text"], height=360)
    with right:
        st.markdown(f"**{ui.t('annotate.right')}**")
        ui.text_box(pair["right"]["text"], height=360)
    save = {"on_change": autosave_pair, "args": (who, pair_id)}
    for criterion in rubric.PAIR_CRITERIA:
        st.radio(rubric.label(criterion.label, ui.lang()), list(range(rubric.PAIR_MIN, rubric.PAIR_MAX + 1)),
                 index=None, horizontal=True, format_func=lambda v: f"{v:+d}" if v else "0",
                 key=pkey(pair_id, criterion.name), help=rubric.label(criterion.guideline, ui.lang()), **save)
    st.text_area(ui.t("annotate.comment"), key=pkey(pair_id, "comment"), height=80, **save)
    if st.button(ui.t("annotate.pair_submit"), type="primary", key=pkey(pair_id, "submit")):
        data = form.pair_values(st.session_state, pair_id)
        try:
            pairwise.submit_pairwise(s, who, pair_id, data["scores"], data["comment"], shown=data["shown"])
        except InputError as exc:
            ui.show_error(exc)
        else:
            st.session_state[pkey(pair_id, "restored")] = False
            form.flash(st.session_state, "annotate.pair_saved")
            st.rerun()
