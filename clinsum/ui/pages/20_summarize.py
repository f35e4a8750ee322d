"""Live summarization: pick a text, a backend, a model and a strategy; stream; save (the
text, decoding, editor and result sections are drawn by :mod:`clinsum.ui.summarize_view`)."""

from __future__ import annotations

import streamlit as st

from clinsum import ui
from clinsum.backends import preferred_backend
from clinsum.cluster.endpoints import endpoint_key
from clinsum.cluster.failover import endpoint_list, summarize_stream_failover
from clinsum.generation import list_adapters
from clinsum.strategies import list_strategies
from clinsum.ui import rag_view, summarize_view
from clinsum.ui.steps import StepLines

K = "summarize."
ui.page("summarize.title", "summarize.intro")


with ui.guard():
    store = ui.store()
    record = summarize_view.pick_record(store)

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
        options = summarize_view.decoding_form()

    summarize_view.strategy_editor(store)

    # -- run --------------------------------------------------------------------------------
    ready = record is not None and bool(backend)
    if rag_params is not None and record is not None and not any(
            x["name"] == backend and x["generative"] for x in usable):
        rag_view.show_preview(store, record, rag_params, K + "rag.")
    if st.button(ui.t("summarize.run"), type="primary", disabled=not ready, key=K + "run"):
        st.session_state.pop(K + "result", None)
        progress = st.status(ui.t("summarize.running"), expanded=True)

        on_stage = ui.OnScriptThread(lambda stage: progress.write(
            ui.t("summarize.stage_done", name=stage.name, seconds=stage.seconds)))
        on_step = ui.OnScriptThread(StepLines(progress))
        steps = {"progress": lambda step, **info: on_step(step, info)}  # Backend.step
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

    summarize_view.last_result(store)
