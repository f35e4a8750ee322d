"""Side-by-side comparison: source, reference and candidate summaries with their marks and metrics."""

import random

import pandas as pd
import streamlit as st

from clinsum import compare as cmp
from clinsum import explorer as ex
from clinsum import ui
from clinsum.errors import ClinsumError
from clinsum.ui import calibration_view, evidence_view

ui.page("compare.title", "compare.intro")
KEY = "compare."
BOX = ("max-height:460px;overflow-y:auto;border:1px solid #ddd;border-radius:6px;"
       "padding:.6rem;font-size:.9rem;line-height:1.5")


def boxed(html: str) -> None:
    st.markdown(f'<div style="{BOX}">{html}</div>', unsafe_allow_html=True)


def go(ids: list[str], delta: int) -> None:
    st.session_state[KEY + "record"] = cmp.step(ids, st.session_state.get(KEY + "record"), delta)
    st.session_state.pop(KEY + "picked", None)


def jump(store, which: str) -> None:
    metric = st.session_state.get(KEY + "metric")
    try:
        pick = cmp.jump(store, metric, which, rng=random.Random())
    except ClinsumError as exc:
        st.session_state[KEY + "error"] = exc
        return
    st.session_state[KEY + "record"] = pick.record_id
    st.session_state[KEY + "cands." + pick.record_id] = [pick.generation_id]
    st.session_state[KEY + "picked"] = (which, metric, pick.value)


def navigation(store, ids: list[str]) -> str:
    if st.session_state.get(KEY + "record") not in ids:
        st.session_state[KEY + "record"] = ids[0]
    c1, c2, c3 = st.columns([1, 4, 1])
    c1.button(ui.t("compare.prev"), key=KEY + "prev", on_click=go, args=(ids, -1))
    record_id = c2.selectbox(ui.t("compare.record"), ids, key=KEY + "record",
                             label_visibility="collapsed")
    c3.button(ui.t("compare.next"), key=KEY + "next", on_click=go, args=(ids, 1))
    st.caption(ui.t("compare.position", i=ids.index(record_id) + 1, n=len(ids)))
    names = ex.metric_names(store)["name"].tolist() if ex.has_scores(store) else []
    if names:
        j1, j2, j3, j4 = st.columns([3, 1, 1, 1])
        default = names.index("rouge1_f") if "rouge1_f" in names else 0
        j1.selectbox(ui.t("compare.jump.metric"), names, index=default, key=KEY + "metric",
                     format_func=ui.metric_label)
        for col, which in ((j2, "worst"), (j3, "best"), (j4, "random")):
            col.button(ui.t(f"compare.jump.{which}"), key=KEY + "jump." + which,
                       on_click=jump, args=(store, which))
    else:
        st.caption(ui.t("compare.jump.none"))
    if KEY + "error" in st.session_state:
        ui.show_error(st.session_state.pop(KEY + "error"))
    picked = st.session_state.get(KEY + "picked")
    if picked:
        which, metric, value = picked
        st.caption(ui.t("compare.jumped", which=ui.t(f"compare.jump.{which}"), metric=ui.metric_label(metric),
                        value=f"{value:.4g}" if value is not None else "–"))
    return record_id


def metrics_table(values: dict) -> None:
    if not values:
        st.caption(ui.t("compare.metrics.none"))
        return
    arrows = {1: "↑", -1: "↓", 0: ""}
    rows = [{"metric": name, "value": value, "": arrows[ex.direction(name)]}
            for name, value in sorted(values.items())]
    ui.table(pd.DataFrame(rows), height=min(36 * len(rows) + 40, 420))
    ui.metric_glossary(sorted(values))


def candidate_column(candidate: cmp.Candidate) -> None:
    st.markdown(f"**{ui.esc(ui.generation_label(candidate.settings))}**")
    st.caption(candidate.generation_id)
    boxed(ui.highlight(candidate.text, candidate.marks()))
    if candidate.flags_origin == "none":
        st.caption(ui.t("compare.flags.off"))
    elif candidate.flags:
        with st.expander(ui.t("compare.flags", n=len(candidate.flags))):
            for flag in candidate.flags:
                st.markdown(f"- `{str(flag.get('kind', '')).replace('`', '')}` {ui.esc(flag['text'])} — "
                            f"{ui.esc(flag.get('reason', ''))}")
    else:
        st.caption(ui.t("compare.flags.none"))
    st.markdown(f"**{ui.t('compare.metrics')}**")
    metrics_table(candidate.metrics)
    calibration_view.judge_mark(ui.store(), candidate.metrics)


with ui.guard():
    store = ui.store()
    ids = cmp.record_ids(store)
    if not ids:
        st.info(ui.t("compare.empty"))
        st.stop()
    record_id = navigation(store, ids)
    generations = cmp.generations_for(store, record_id)
    options = [g["id"] for g in generations]
    labels = {g["id"]: f"{ui.generation_label(g)} ({g['id']})" for g in generations}
    cand_key = KEY + "cands." + record_id
    if cand_key not in st.session_state:
        st.session_state[cand_key] = options[:2]
    c1, c2 = st.columns([4, 1])
    chosen = c1.multiselect(ui.t("compare.candidates"), options, key=cand_key,
                            format_func=labels.get, max_selections=4, placeholder=ui.choose())
    n = c2.number_input(ui.t("compare.ngram"), 1, 8, 3, key=KEY + "n")
    comparison = cmp.compare(store, record_id, chosen, n=int(n))
    st.caption(ui.t("compare.legend"))

    left, right = st.columns(2)
    with left:
        st.markdown(f"**{ui.t('compare.source')}** · {ui.esc(comparison.record.title)}")
        ui.text_box(comparison.record.text, height=460)
    with right:
        ref = comparison.reference
        if ref is None:
            st.info(ui.t("compare.no_reference"))
        else:
            st.markdown(f"**{ui.t('compare.reference', version=ref['version'], status=ui.value_label('status', ref['status']))}**")
            focus = 0
            if len(comparison.candidates) > 1:
                focus = st.radio(ui.t("compare.candidates"), range(len(comparison.candidates)), horizontal=True,
                                 key=KEY + "focus." + record_id, label_visibility="collapsed",
                                 format_func=lambda i: ui.plain(ui.generation_label(comparison.candidates[i].settings)))
            boxed(ui.highlight(ref["text"], cmp.reference_marks(comparison, focus)))
    if not comparison.candidates:
        st.info(ui.t("compare.no_candidates"))
    else:
        for column, candidate in zip(st.columns(len(comparison.candidates)), comparison.candidates,
                                     strict=True):
            with column:
                candidate_column(candidate)
        evidence_view.compare_section(store, comparison.candidates)
