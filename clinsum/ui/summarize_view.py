"""The summarize page's sections: the text to summarize, decoding settings, the custom
strategy editor and the last result (kept across reruns, with its save button)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from clinsum import ui
from clinsum.generation import (
    DECODINGS,
    decoding_options,
    ensure_record,
    record_from_text,
    save_generation,
    stored_record_id,
)
from clinsum.records import Record, get_record, list_records
from clinsum.records.encoding import decode_bytes
from clinsum.references import latest_reference
from clinsum.strategies.custom import save_custom
from clinsum.ui import rag_view

K = "summarize."


def pick_record(store) -> Record | None:
    """The text to summarize: a workspace record, pasted text or an uploaded file."""
    sources = ["record", "paste", "upload"]
    source = st.radio(ui.t("summarize.source"), sources, horizontal=True, key=K + "source",
                      format_func=lambda s: ui.t(f"summarize.source.{s}"))
    record = None
    if source == "record":
        rows = list_records(store)
        if not rows:
            st.info(ui.t("summarize.no_records"))
            if st.button(ui.t("summarize.load_demo"), key=K + "demo"):
                from clinsum.demo import load_demo

                load_demo(store)
                st.rerun()
        else:
            ids = [r["id"] for r in rows]
            titles = {r["id"]: f"{r['id']} · {r['title'] or ''}"[:90] for r in rows}
            chosen = st.selectbox(ui.t("common.record"), ids, key=K + "record",
                                  format_func=lambda i: titles[i])
            record = get_record(store, chosen)
    elif source == "paste":
        text = st.text_area(ui.t("summarize.paste_label"), height=220, key=K + "paste")
        if text.strip():
            record = record_from_text(text)
    else:
        upload = st.file_uploader(ui.t("summarize.upload_label"), type=["txt"], key=K + "upload")
        if upload is not None:
            text, _encoding = decode_bytes(upload.getvalue(), upload.name)
            record = record_from_text(text, title=upload.name)
    if record is not None:
        with st.expander(ui.t("summarize.record_text")):
            st.caption(ui.t("summarize.sections", n=len(record.sections)))
            ui.text_box(record.text, height=300)
    return record


def decoding_form() -> dict:
    """The decoding widgets, returned as generation options."""
    decoding = st.selectbox(ui.t("summarize.decoding"), DECODINGS, key=K + "decoding",
                            format_func=lambda d: ui.value_label("decoding", d))
    temperature = st.slider(ui.t("summarize.temperature"), 0.0, 2.0, 0.2, 0.1, key=K + "temperature")
    top_k = st.number_input(ui.t("summarize.top_k"), 1, 500, 50, key=K + "top_k") if decoding == "top_k" else 50
    top_p = st.slider(ui.t("summarize.top_p"), 0.05, 1.0, 0.9, 0.05, key=K + "top_p") if decoding == "top_p" else 0.9
    beams = st.number_input(ui.t("summarize.beams"), 2, 8, 4, key=K + "beams") if decoding == "beam" else 4
    penalty = st.slider(ui.t("summarize.repetition_penalty"), 1.0, 2.0, 1.0, 0.05, key=K + "penalty")
    max_tokens = st.number_input(ui.t("summarize.max_tokens"), 16, 8192, 768, 16, key=K + "max_tokens")
    seed = st.number_input(ui.t("summarize.seed"), 0, 2**31 - 1, 0, key=K + "seed")
    return decoding_options(decoding, temperature, top_k=int(top_k), top_p=float(top_p),
                            num_beams=int(beams), max_new_tokens=int(max_tokens),
                            repetition_penalty=None if penalty == 1.0 else float(penalty),
                            seed=int(seed) or None)


def strategy_editor(store) -> None:
    """The expander that saves a custom prompt strategy (a new version each save)."""
    with st.expander(ui.t("summarize.editor")):
        st.caption(ui.t("summarize.editor_help"))
        with st.form(K + "editor"):
            c_name = st.text_input(ui.t("summarize.editor.name"), key=K + "c_name")
            c_desc = st.text_input(ui.t("summarize.editor.description"), key=K + "c_desc")
            c_system = st.text_area(ui.t("summarize.editor.system"), key=K + "c_system", height=80)
            c_user = st.text_area(ui.t("summarize.editor.user"), key=K + "c_user", height=140,
                                  value="Resume el siguiente informe clínico en 5 frases:\n\n{record}")
            if st.form_submit_button(ui.t("common.save")):
                version = save_custom(store, c_name, c_user, system=c_system, description=c_desc,
                                      language=ui.lang(), author="ui")
                st.success(ui.t("summarize.editor.saved", name=c_name.strip().lower(), version=version))


def last_result(store) -> None:
    """The last summary beside its reference, timings, prompts, and the save button."""
    last = st.session_state.get(K + "result")
    if not last:
        return
    result, rec = last["result"], last["record"]
    if result.extractive:
        st.warning(ui.t("summarize.extractive_note"))
    ui.output_notes(result)
    in_ws = stored_record_id(store, rec)
    reference = latest_reference(store, in_ws) if in_ws else None
    col_sum, col_ref = st.columns(2)
    with col_sum:
        st.markdown(f"**{ui.t('summarize.summary')}** · {ui.esc(result.backend)} / {ui.esc(result.model)}"
                    f" · {ui.esc(ui.value_label('strategy', result.strategy))}")
        ui.text_box(result.text, height=380)
    with col_ref:
        if reference:
            st.markdown(f"**{ui.t('summarize.reference', version=reference['version'], status=ui.value_label('status', reference['status']))}**")
            ui.text_box(reference["text"], height=380)
        else:
            st.caption(ui.t("summarize.no_reference"))
    st.markdown(f"**{ui.t('summarize.timings')}**")
    ui.table(pd.DataFrame([{"stage": s.name, "seconds": s.seconds, "prompt_tokens": s.prompt_tokens,
                            "completion_tokens": s.completion_tokens} for s in result.stages]),
             width="stretch")
    st.caption(ui.t("summarize.total", seconds=result.total_seconds,
                    prompt=result.prompt_tokens or "-", completion=result.completion_tokens or "-"))
    with st.expander(ui.t("summarize.prompts")):
        st.json(result.prompts, expanded=False)
    if result.raw != result.text:
        with st.expander(ui.t("summarize.raw")):
            ui.text_box(result.raw, height=300)
    rag_view.show_result(result)
    if result.retrieval:
        with st.expander(ui.t("summarize.retrieval")):
            ui.table(pd.DataFrame(result.retrieval))
    if last["saved"]:
        st.success(ui.t("summarize.saved", id=ui.plain(last["saved"][0]), record=ui.plain(last["saved"][1])))
    elif st.button(ui.t("summarize.save"), key=K + "save"):
        record_id = ensure_record(store, rec)
        gen_id = save_generation(store, record_id, result, options=last["options"],
                                 adapter=last["adapter"])
        last["saved"] = (gen_id, record_id)
        st.rerun()
