"""Reference summaries: choose records and prompt, preview what leaves (de-identified), estimate,
confirm, send (a backend now, or an OpenAI batch), follow batches, retry failures."""

import streamlit as st

from clinsum import ui
from clinsum.backends import BACKENDS
from clinsum.deid.types import CLINICAL_TYPES
from clinsum.records import list_records
from clinsum.references import batch
from clinsum.secrets import get_secret
from clinsum.ui import references_view as view

ui.page("references.title", "references.intro")
K = "references."

with ui.guard():
    store = ui.store()
    records = list_records(store)
    if not records:
        st.info(ui.t("references.no_records"))
        st.stop()
    titles = {r["id"]: f"{r['id']} — {r['title']}" for r in records}

    st.subheader(ui.t("references.step.choose"))
    if st.button(ui.t("references.only_missing"), key=K + "missing"):
        st.session_state[K + "records"] = [r["id"] for r in records if not r["n_references"]]
    chosen = st.multiselect(ui.t("references.records"), list(titles), format_func=titles.get, placeholder=ui.choose(),
                            help=ui.t("references.records_help"), key=K + "records")
    prompts = view.prompt_picker()

    st.subheader(ui.t("references.step.privacy"))
    deid = st.checkbox(ui.t("references.deid"), value=True, key=K + "deid")
    keep, reidentify = [], False
    if deid:
        keep = st.multiselect(ui.t("references.keep"), list(CLINICAL_TYPES), help=ui.t("references.keep_help"), placeholder=ui.choose(),
                              key=K + "keep")
        reidentify = st.checkbox(ui.t("references.reidentify"), value=True, key=K + "reid")
    else:
        st.error(ui.t("references.deid_off_warning"))

    st.subheader(ui.t("references.step.how"))
    mode = st.radio(ui.t("references.mode"), ["batch", "now"], key=K + "mode",
                    format_func=lambda m: ui.t(f"references.mode.{m}"))
    cols = st.columns(3)
    if mode == "batch":
        backend = "openai"
        model = cols[0].text_input(ui.t("references.model"), value=batch.DEFAULT_MODEL, key=K + "model")
    else:
        names = [n for n, cls in BACKENDS.items() if cls.generative] or ["openai-compatible"]
        backend = cols[0].selectbox(ui.t("references.backend"), names, key=K + "backend")
        model = cols[1].text_input(ui.t("references.model"), value="llama3.2:1b", key=K + "local_model")
    base_url = cols[2].text_input(ui.t("references.base_url"), key=K + "base_url") or None
    max_tokens = st.number_input(ui.t("references.max_tokens"), 64, 4096, 700, step=64, key=K + "max_tokens")
    has_key = bool(get_secret("OPENAI_API_KEY"))
    if mode == "batch" and not has_key:
        st.warning(ui.t("references.no_key"))
        st.info(ui.t("references.no_key_hint"))

    st.subheader(ui.t("references.step.preview"))
    choice = view.Choice(chosen, prompts, deid, keep, reidentify, mode, backend, model, base_url, int(max_tokens))
    if st.button(ui.t("references.make_preview"), key=K + "preview", disabled=not (chosen and prompts)):
        view.make_plan(store, choice)
    plan = st.session_state.get(K + "plan")
    if plan is not None and st.session_state.get(K + "signature") != choice.signature:
        st.info(ui.t("references.preview_stale"))
        plan = None
    if plan is not None and view.residues(plan):
        view.make_plan(store, choice)
        st.rerun()
    if plan is not None:
        view.preview(plan)
        st.subheader(ui.t("references.step.send"))
        if mode == "batch":
            st.checkbox(ui.t("references.follow"), value=True, key=K + "follow")
        confirm = st.checkbox(ui.t("references.confirm" if mode == "batch" else "references.confirm_local"),
                              key=K + "confirm")
        can_send = confirm and (has_key or mode != "batch") and not plan.blocked
        if plan.blocked:
            st.caption(ui.t("references.residues_block"))
        if st.button(ui.t("references.send"), type="primary", disabled=not can_send, key=K + "send"):
            if mode == "batch":
                view.send_batch(store, plan, choice)
            else:
                view.send_now(store, choice)
            st.session_state.pop(K + "plan", None)
    view.batches_section(store)
    view.audit_section(store)
