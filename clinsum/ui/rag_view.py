"""The RAG view for the live page: settings, key ideas, passages per section, phase timings.

``params_form`` draws the knowledge-base settings and returns the strategy params;
``show_result`` draws what a RAG run retrieved and how long each phase took;
``show_preview`` shows retrieval for a record without an LLM (extractive backend only).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import streamlit as st

import clinsum.strategies.rag  # noqa: F401 - registers the RAG strategies
from clinsum import ui
from clinsum.rag import list_bases
from clinsum.rag.pipeline import (
    DEFAULT_MAX_DISTANCE,
    DEFAULT_TOP_K,
    preview_for_record,
    section_hits,
)
from clinsum.rag.seed import SEED_NAME
from clinsum.store import Store


def is_rag(strategy: str | None) -> bool:
    """Whether the registered strategy ``strategy`` retrieves (custom ones never do)."""
    from clinsum.strategies import STRATEGIES

    return bool(strategy) and strategy in STRATEGIES and STRATEGIES.get(strategy).retrieves


def params_form(store: Store, key: str = "rag.") -> dict[str, Any]:
    """Base, k and maximum distance; the params to pass to a RAG strategy."""
    names = [b["name"] for b in list_bases(store)]
    if SEED_NAME not in names:
        names.append(SEED_NAME)
    with st.expander(ui.t("rag.settings"), expanded=False):
        kb = st.selectbox(ui.t("rag.kb"), names, key=key + "kb")
        if kb == SEED_NAME and SEED_NAME not in [b["name"] for b in list_bases(store)]:
            st.caption(ui.t("rag.seed_note"))
        k = st.slider(ui.t("rag.top_k"), 1, 10, DEFAULT_TOP_K, key=key + "k")
        distance = st.slider(ui.t("rag.max_distance"), 0.1, 2.0, DEFAULT_MAX_DISTANCE, 0.05, key=key + "dist")
    return {"kb": kb, "top_k": int(k), "max_distance": float(distance)}


def build_seed_first(store: Store, params: dict[str, Any] | None, status: Any) -> None:
    """Build the seed base before a RAG run that needs it, saying so in ``status`` (the first
    use embeds every seed passage: the slow part of a first RAG run)."""
    from clinsum.embeddings import encoder
    from clinsum.rag.bases import base_exists, get_base
    from clinsum.rag.seed import ensure_seed

    if not params or params.get("kb") != SEED_NAME:
        return
    if base_exists(store, SEED_NAME) and get_base(store, SEED_NAME)["n_passages"]:
        return
    status.update(label=ui.t("rag.seed_loading"))  # the model and the vector store load first
    status.write(ui.t("rag.seed_loading"))
    encoder()
    status.update(label=ui.t("rag.seed_building"))
    ensure_seed(store, progress=lambda done, total, *_: status.update(
        label=ui.t("rag.seed_progress", done=done, total=total or "?")))
    status.write(ui.t("rag.seed_built", n=get_base(store, SEED_NAME)["n_passages"]))
    status.update(label=ui.t("summarize.running"))


def _passage(text: str, distance: float, meta: dict[str, Any] | None = None) -> None:
    source = (meta or {}).get("source_id") or (meta or {}).get("source") or ""
    label = ui.t("rag.passage", distance=distance) + (f" · {ui.esc(source)}" if source else "")
    st.markdown(f'<div style="border-left:3px solid #8ab4f8;padding:.2rem .6rem;margin:.2rem 0;'
                f'font-size:.88rem"><span style="color:#666">{label}</span><br>'
                f'{ui.esc(text).replace(chr(10), "<br>")}</div>', unsafe_allow_html=True)


def show_phases(phases: dict[str, float], total: float | None = None) -> None:
    rows = [{"stage": name, "seconds": round(float(sec), 3)} for name, sec in phases.items()]
    if total is not None:
        rows.append({"stage": "total", "seconds": round(float(total), 3)})
    st.markdown(f"**{ui.t('rag.phases')}**")
    ui.table(rows)


def show_result(result: Any) -> None:
    """Key ideas, passages per section (with distances) and phase timings of a RAG result."""
    info = (getattr(result, "meta", None) or {}).get("rag")
    if not info:
        return
    show_phases(info.get("phases") or {}, getattr(result, "total_seconds", None))
    st.caption(ui.t("rag.summary", passages=info.get("passages", 0), kb=ui.plain(info.get("kb", "")),
                    k=info.get("top_k", ""), dups=info.get("duplicates_removed", 0)))
    by_section: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for row in result.retrieval:
        by_section[row["section"]][row["idea"]].append(row)
    ideas = info.get("ideas") or [{"section": s, "ideas": list(v)} for s, v in by_section.items()]
    st.markdown(f"**{ui.t('rag.ideas')}**")
    for entry in ideas:
        section = entry["section"]
        found = by_section.get(section, {})
        n = sum(len(v) for v in found.values())
        with st.expander(f"{ui.plain(section)} · {n}"):
            for idea in entry["ideas"]:
                st.markdown(f"**{ui.esc(ui.t('rag.idea', idea=idea))}**")
                rows = found.get(idea) or []
                if not rows:
                    st.caption(ui.t("rag.no_passages"))
                for row in sorted(rows, key=lambda r: r["distance"]):
                    _passage(row["text"], row["distance"], row.get("meta"))


def show_preview(store: Store, record: Any, params: dict[str, Any], key: str = "rag.") -> None:
    """Retrieval for ``record`` with each section as its own query, and what generation needs."""
    st.info(ui.t("rag.needs_llm"))
    if not st.button(ui.t("rag.preview_button"), key=key + "preview"):
        return
    sections, seconds = preview_for_record(store, record, params.get("kb"), int(params.get("top_k") or 3),
                                           params.get("max_distance"))
    st.markdown(f"**{ui.t('rag.preview')}**")
    show_phases({"retrieval": seconds})
    for s in sections:
        hits = section_hits(s)
        with st.expander(f"{ui.plain(s.title)} · {len(hits)}"):
            if not hits:
                st.caption(ui.t("rag.no_passages"))
            for hit in hits:
                _passage(hit.text, hit.distance, hit.meta)
