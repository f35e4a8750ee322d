"""Evidence-linked review on a page: summary sentences coloured by label, the record with the
selected sentence's evidence highlighted and scrolled into view, and a physician's confirm /
overturn of the label (stored as an annotation). Every text is escaped: plain text only."""

from __future__ import annotations

import re

import streamlit as st

from clinsum import ui
from clinsum.evidence import LABELS, Alignment, get_alignment, label_reviews, review_label
from clinsum.evidence.stored import is_current, target_texts
from clinsum.ui.steps import StepLines

COLOURS = {"supported": "#d3f9d8", "partly_supported": "#fff3bf", "unsupported": "#ffe8cc",
           "contradicted": "#ffc9c9"}
DOTS = {"supported": "🟢", "partly_supported": "🟡", "unsupported": "🟠", "contradicted": "🔴"}
EVIDENCE_CSS = "background:#a5d8ff;outline:2px solid #1c7ed6"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")


def md_plain(text: str) -> str:
    """``text`` escaped for Streamlit Markdown labels (radio options), one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join((text or "").split()))


def label_text(label: str) -> str:
    return ui.t(f"evidence.label.{label}")


def legend() -> None:
    chips = " ".join(
        f'<span style="background:{COLOURS[k]};padding:0 .4rem;border-radius:4px">'
        f'{DOTS[k]} {ui.esc(label_text(k))}</span>' for k in LABELS)
    st.markdown(f"{ui.esc(ui.t('evidence.legend'))} {chips}", unsafe_allow_html=True)


def summary_html(alignment: Alignment, selected: int | None) -> str:
    """The summary's sentences as escaped, coloured spans titled with their label."""
    parts = []
    for s in alignment.sentences:
        border = "outline:2px solid #1c7ed6;" if s.index == selected else ""
        parts.append(f'<span style="background:{COLOURS[s.label]};{border}padding:0 .15rem" '
                     f'title="{ui.esc(label_text(s.label))}">{DOTS[s.label]} {ui.esc(s.text)} '
                     f'<small>[{ui.esc(label_text(s.label))}]</small></span>')
    return " ".join(parts)


def record_html(record: str, alignment: Alignment, selected: int | None, height: int = 460) -> str:
    """A self-contained HTML document: the record (escaped) in a scrolling box, the selected
    sentence's evidence marked (``id="ev-0"``, ``ev-1`` …) and the first one scrolled into view."""
    evidence = []
    if selected is not None and 0 <= selected < len(alignment.sentences):
        evidence = alignment.sentences[selected].evidence
    spans = sorted((alignment.record_sentences[j].start, alignment.record_sentences[j].end)
                   for j in evidence if j < len(alignment.record_sentences))
    out, pos = [], 0
    for n, (start, end) in enumerate(spans):
        if start < pos:
            continue
        out.append(ui.esc(record[pos:start]))
        out.append(f'<mark id="ev-{n}" style="{EVIDENCE_CSS}">{ui.esc(record[start:end])}</mark>')
        pos = end
    out.append(ui.esc(record[pos:]))
    body = "".join(out)
    return (
        f'<div id="record" style="height:{height - 12}px;overflow-y:auto;white-space:pre-wrap;'
        'border:1px solid #ddd;border-radius:6px;padding:.6rem;font:14px/1.5 sans-serif">'
        f'{body}</div><script>var m=document.getElementById("ev-0");'
        'if(m){m.scrollIntoView({block:"center"});}</script>'
    )


def _option(alignment: Alignment, reviews: dict, i: int) -> str:
    s = alignment.sentences[i]
    reviewed = " ✎" if reviews.get(s.index) else ""
    return f"{DOTS[s.label]} {md_plain(label_text(s.label))}{reviewed} · {md_plain(s.text)}"


def panel(store, target_kind: str, target_id: str, key: str, annotator: str | None = None,
          height: int = 460) -> Alignment | None:
    """The evidence review of one generation or reference version (aligned on request the
    first time, then read from the workspace)."""
    if not is_current(store, target_kind, target_id) and not st.session_state.get(f"{key}.go"):
        st.caption(ui.t("evidence.not_aligned"))
        if not st.button(ui.t("evidence.align"), key=f"{key}.align"):
            return None
        st.session_state[f"{key}.go"] = True
    if is_current(store, target_kind, target_id):
        alignment = get_alignment(store, target_kind, target_id)
    else:  # embedding the record (and loading the model on first use) takes seconds: say so
        status = st.status(ui.t("evidence.computing"), expanded=False)
        steps = StepLines(status)
        alignment = get_alignment(store, target_kind, target_id,
                                  progress=lambda step, **info: steps(step, info))
        status.update(label=ui.t("evidence.computed", n=len(alignment.sentences)), state="complete")
    _, _, record = target_texts(store, target_kind, target_id)
    legend()
    if not alignment.sentences:
        st.info(ui.t("evidence.none"))
        return alignment
    counts = alignment.counts()
    coverage = alignment.section_coverage()
    st.caption(ui.t("evidence.summary_counts", supported=counts["supported"],
                    partly=counts["partly_supported"], unsupported=counts["unsupported"],
                    contradicted=counts["contradicted"],
                    coverage="–" if coverage is None else f"{coverage:.0%}"))
    reviews = label_reviews(store, target_kind, target_id)
    left, right = st.columns([1, 1])
    with left:
        picked = st.radio(ui.t("evidence.sentences"), list(range(len(alignment.sentences))),
                          key=f"{key}.sentence", format_func=lambda i: _option(alignment, reviews, i))
        sentence = alignment.sentences[picked]
        st.markdown(f'<div style="font-size:.9rem">{summary_html(alignment, picked)}</div>',
                    unsafe_allow_html=True)
        if sentence.evidence:
            st.caption(ui.t("evidence.n_evidence", n=len(sentence.evidence)))
        else:
            st.caption(ui.t("evidence.no_evidence"))
        st.caption(ui.t("evidence.coverage", value=f"{sentence.coverage:.0%}"))
        if sentence.reasons:
            st.caption(ui.t("evidence.reasons", reasons="; ".join(sentence.reasons)))
        review_form(store, target_kind, target_id, sentence.index, sentence.label, key, annotator,
                    reviews.get(sentence.index, []))
    with right:
        st.markdown(f"**{ui.esc(ui.t('evidence.record'))}**")
        import streamlit.components.v1 as components

        components.html(record_html(record, alignment, picked, height), height=height)
    return alignment


def review_form(store, target_kind: str, target_id: str, index: int, label: str, key: str,
                annotator: str | None, reviews: list[dict]) -> None:
    st.markdown(f"**{ui.esc(ui.t('evidence.review'))}**")
    if reviews:
        st.caption(ui.t("evidence.reviews", items="; ".join(
            f"{r['annotator']}: {label_text(r['label'])}" for r in reviews)))
    who = annotator or st.text_input(ui.t("evidence.reviewer"), key=f"{key}.who",
                                     help=ui.t("evidence.reviewer_help"))
    cols = st.columns([1, 1, 1])
    if cols[0].button(ui.t("evidence.confirm"), key=f"{key}.confirm.{index}"):
        _save(store, who, target_kind, target_id, index, label)
    other = [x for x in LABELS if x != label]
    choice = cols[1].selectbox(ui.t("evidence.correct_to"), other, key=f"{key}.to.{index}",
                               format_func=label_text, label_visibility="collapsed")
    if cols[2].button(ui.t("evidence.overturn"), key=f"{key}.overturn.{index}"):
        _save(store, who, target_kind, target_id, index, choice)


def _save(store, who: str | None, target_kind: str, target_id: str, index: int, label: str) -> None:
    from clinsum.errors import ClinsumError

    try:
        result = review_label(store, who or "", target_kind, target_id, index, label)
    except ClinsumError as exc:
        ui.show_error(exc)
        return
    st.success(ui.t(f"evidence.saved.{result['verdict']}", label=label_text(label)))


def compare_section(store, candidates: list, key: str = "compare.evidence") -> None:
    """On the Compare page: pick one of the shown candidates and review its evidence."""
    if not candidates:
        return
    st.subheader(ui.t("evidence.title"))
    st.caption(ui.t("evidence.intro"))
    ids = [c.generation_id for c in candidates]
    chosen = ids[0]
    if len(ids) > 1:
        chosen = st.selectbox(ui.t("evidence.candidate"), ids, key=f"{key}.target")
    panel(store, "generation", chosen, f"{key}.{chosen}")
