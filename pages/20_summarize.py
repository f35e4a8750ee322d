"""Live summarization: pick a text, a backend, a model and a strategy; stream; save."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from clinsum import ui
from clinsum.backends import preferred_backend
from clinsum.cluster.endpoints import endpoint_key
from clinsum.cluster.failover import endpoint_list, summarize_stream_failover
from clinsum.generation import (
    DECODINGS,
    decoding_options,
    ensure_record,
    list_adapters,
    record_from_text,
    save_generation,
)
from clinsum.records import get_record, list_records
from clinsum.records.encoding import decode_bytes
from clinsum.references import latest_reference
from clinsum.strategies import list_strategies
from clinsum.strategies.custom import save_custom
from clinsum.ui import rag_view

K = "summarize."
ui.page("summarize.title", "summarize.intro")


with ui.guard():
    store = ui.store()

    # -- the text ---------------------------------------------------------------------------
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

    # -- backend, model, strategy, decoding -------------------------------------------------
    statuses = ui.backend_statuses()
    usable = [s for s in statuses if s["available"]]
    missing = [s for s in statuses if not s["available"]]
    if not any(s["generative"] and s["name"] != "transformers" for s in usable):
        st.info(ui.t("summarize.no_llm"))
    left, right = st.columns(2)
    with left:
        labels = {s["name"]: f"{ui.t(s['label_key'])} — {ui.backend_detail(s)}" for s in usable}
        names = list(labels)
        preferred = preferred_backend(names)
        default = names.index(preferred) if preferred else 0
        backend = st.selectbox(ui.t("summarize.backend"), names, index=default if names else None,
                               key=K + "backend", format_func=lambda n: labels[n])
        ui.missing_backends(missing)
        model, adapter, endpoints = "", None, []
        if backend:
            models, error = ui.backend_models(backend)
            if error:
                st.caption(ui.t("summarize.models_error", error=ui.plain(error)))
            if models:
                model = st.selectbox(ui.t("summarize.model"), models, key=K + f"model.{backend}")
            else:
                model = st.text_input(ui.t("summarize.model_free"), key=K + f"model_free.{backend}")
            if endpoint_key(backend):
                endpoints = endpoint_list(st.text_area(
                    ui.t("summarize.endpoints"), key=K + f"endpoints.{backend}", height=68,
                    help=ui.t("summarize.endpoints.help")))
            if backend == "transformers":
                adapters = {a["adapter_path"]: f"{a['name']} ({a['base_model']})" for a in list_adapters(store)}
                if adapters:
                    picked = st.selectbox(ui.t("summarize.adapter"), ["", *adapters], key=K + "adapter",
                                          format_func=lambda p: adapters.get(p, ui.t("summarize.no_adapter")))
                    adapter = picked or None
        strategies = list_strategies(store)
        by_name = {s["name"]: s for s in strategies}
        strategy = st.selectbox(
            ui.t("summarize.strategy"), list(by_name), key=K + "strategy",
            index=list(by_name).index("by_parts") if "by_parts" in by_name else 0,
            format_func=lambda n: by_name[n]["label"] + ("" if by_name[n]["builtin"]
                                                         else f" ({ui.t('summarize.custom_tag')} v{by_name[n]['version']})"))
        described = ui.t(f"strategy.{strategy}.description")
        st.caption(ui.plain(by_name[strategy]["description"]) if described.startswith("strategy.") else described)
        rag_params = rag_view.params_form(store, K + "rag.") if rag_view.is_rag(strategy) else None
        language = st.selectbox(ui.t("summarize.language"), ["auto", "es", "en"], key=K + "language",
                                format_func=lambda c: ui.t("summarize.language.auto") if c == "auto" else c)
    with right:
        decoding = st.selectbox(ui.t("summarize.decoding"), DECODINGS, key=K + "decoding",
                                format_func=lambda d: ui.value_label("decoding", d))
        temperature = st.slider(ui.t("summarize.temperature"), 0.0, 2.0, 0.2, 0.1, key=K + "temperature")
        top_k = st.number_input(ui.t("summarize.top_k"), 1, 500, 50, key=K + "top_k") if decoding == "top_k" else 50
        top_p = st.slider(ui.t("summarize.top_p"), 0.05, 1.0, 0.9, 0.05, key=K + "top_p") if decoding == "top_p" else 0.9
        beams = st.number_input(ui.t("summarize.beams"), 2, 8, 4, key=K + "beams") if decoding == "beam" else 4
        penalty = st.slider(ui.t("summarize.repetition_penalty"), 1.0, 2.0, 1.0, 0.05, key=K + "penalty")
        max_tokens = st.number_input(ui.t("summarize.max_tokens"), 16, 8192, 768, 16, key=K + "max_tokens")
        seed = st.number_input(ui.t("summarize.seed"), 0, 2**31 - 1, 0, key=K + "seed")

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

    # -- run --------------------------------------------------------------------------------
    options = decoding_options(decoding, temperature, top_k=int(top_k), top_p=float(top_p),
                               num_beams=int(beams), max_new_tokens=int(max_tokens),
                               repetition_penalty=None if penalty == 1.0 else float(penalty),
                               seed=int(seed) or None)
    ready = record is not None and bool(backend)
    if rag_params is not None and record is not None and not any(
            x["name"] == backend and x["generative"] for x in usable):
        rag_view.show_preview(store, record, rag_params, K + "rag.")
    if st.button(ui.t("summarize.run"), type="primary", disabled=not ready, key=K + "run"):
        st.session_state.pop(K + "result", None)
        progress = st.status(ui.t("summarize.running"), expanded=True)

        on_stage = ui.OnScriptThread(lambda stage: progress.write(
            ui.t("summarize.stage_done", name=stage.name, seconds=stage.seconds)))
        on_step = ui.OnScriptThread(lambda step, info: progress.update(
            label=ui.t(f"summarize.step.{step}", **info)))
        steps = {"progress": lambda step, **info: on_step(step, info)} if backend == "extractive" else None
        live = st.empty()  # the streamed text, replaced by the result below once done
        try:
            rag_view.build_seed_first(store, rag_params, progress)
            stream = summarize_stream_failover(
                store, record, backend, model, strategy, options, endpoints=endpoints,
                language=None if language == "auto" else language,
                adapter=adapter, on_stage=on_stage, params=rag_params, backend_config=steps)

            def pieces():
                for piece in stream:
                    on_stage.flush()  # stages that finished on worker threads
                    on_step.flush()
                    yield piece

            with live.container():
                st.subheader(ui.t("summarize.summary"))
                ui.stream_text(pieces())  # the model's words as plain text, never Markdown
            on_stage.flush()
        except BaseException:
            progress.update(label=ui.t("summarize.failed"), state="error", expanded=False)
            live.empty()
            raise
        live.empty()
        progress.update(label=ui.t("summarize.done", seconds=stream.result.total_seconds),
                        state="complete", expanded=False)
        st.session_state[K + "result"] = {"result": stream.result, "record": record,
                                          "options": options, "adapter": adapter, "saved": None}

    # -- the last result (kept across reruns) -----------------------------------------------
    last = st.session_state.get(K + "result")
    if last:
        result, rec = last["result"], last["record"]
        if result.extractive:
            st.warning(ui.t("summarize.extractive_note"))
        ui.output_notes(result)
        in_ws = store.fetch_one("SELECT id FROM records WHERE content_hash = ?", [rec.content_hash])
        reference = latest_reference(store, in_ws["id"]) if in_ws else None
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
                st.dataframe(pd.DataFrame(result.retrieval), hide_index=True)
        if last["saved"]:
            st.success(ui.t("summarize.saved", id=ui.plain(last["saved"][0]), record=ui.plain(last["saved"][1])))
        elif st.button(ui.t("summarize.save"), key=K + "save"):
            record_id = ensure_record(store, rec)
            gen_id = save_generation(store, record_id, result, options=last["options"],
                                     adapter=last["adapter"])
            last["saved"] = (gen_id, record_id)
            st.rerun()
