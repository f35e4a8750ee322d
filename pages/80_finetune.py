"""Fine-tuning: build a dataset, configure and launch a LoRA job, watch it, use or export the adapter."""

from __future__ import annotations

from dataclasses import fields

import pandas as pd
import streamlit as st

from clinsum import jobs, ui
from clinsum.finetune import datasets as ds
from clinsum.finetune.adapters import list_adapters
from clinsum.finetune.config import (
    PRESETS,
    FinetuneConfig,
    command_preview,
    preset,
    save_config,
    to_toml,
)
from clinsum.finetune.job import finetune_jobs, submit_run
from clinsum.finetune.logs import job_summary
from clinsum.finetune.models import cuda_available, load_tokenizer, unsloth_available
from clinsum.finetune.preference_job import preference_jobs
from clinsum.finetune.preferences import is_preference_dataset
from clinsum.finetune.templates import TEMPLATES
from clinsum.finetune.tiny import create_tiny_model, is_tiny, local_models
from clinsum.ui import charts, preference_view, tracking_view
from clinsum.ui.preference_view import knob

K = "finetune."
ui.page("finetune.title", "finetune.intro")


def _use_local_model() -> None:
    if st.session_state.get(K + "local_model"):
        st.session_state[K + "base_model"] = st.session_state[K + "local_model"]


def model_picker(store) -> None:
    """The tiny-model button and the models under ``<workspace>/models`` as base-model choices."""
    if st.button(ui.t("finetune.tiny.create"), key=K + "tiny", help=ui.t("finetune.tiny.help")):
        with st.spinner(ui.t("finetune.tiny.building")):
            path = str(create_tiny_model(store))
        st.session_state[K + "base_model"] = st.session_state[K + "local_model"] = path
        st.success(ui.t("finetune.tiny.created", path=path))
    found = local_models(store.root)
    if found:
        tag = ui.t("finetune.tiny_tag")
        st.selectbox(ui.t("finetune.local_models"), ["", *found], key=K + "local_model", on_change=_use_local_model,
                     format_func=lambda p: (f"{p} ({tag})" if is_tiny(p) else p) if p
                     else ui.t("finetune.local_models.none"))


def dataset_tab(store) -> None:
    model_picker(store)
    base = st.text_input(ui.t("finetune.base_model"), key=K + "base_model", help=ui.t("finetune.base_model.help"))
    source = st.radio(ui.t("finetune.source"), ["references", "jsonl"], horizontal=True, key=K + "source",
                      format_func=lambda s: ui.t(f"finetune.source.{s}"))
    jsonl_text = None
    if source == "jsonl":
        upload = st.file_uploader(ui.t("finetune.jsonl.upload"), type=["jsonl", "json"], key=K + "jsonl",
                                  help=ui.t("finetune.jsonl.help"))
        jsonl_text = upload.getvalue().decode("utf-8", errors="replace") if upload else ""
    cols = st.columns(4)
    template = cols[0].selectbox(ui.t("finetune.template"), TEMPLATES, key=K + "template")
    val = cols[1].slider(ui.t("finetune.val_fraction"), 0.0, 0.5, 0.2, 0.05, key=K + "val")
    pct = cols[2].number_input(ui.t("finetune.cut_percentile"), 50.0, 100.0, 95.0, 1.0, key=K + "pct")
    max_tokens = cols[3].number_input(ui.t("finetune.max_tokens"), 0, 1_000_000, 0, key=K + "max_tokens")
    if st.button(ui.t("finetune.preview"), key=K + "preview_btn"):
        if not base.strip():
            st.warning(ui.t("finetune.need_model"))
            return
        examples, problems = ds.collect_examples(store, source, jsonl_text=jsonl_text, lang=ui.lang())
        built = ds.build(examples, load_tokenizer(base.strip()), template=template, val_fraction=val,
                         cut_percentile=pct, max_tokens=int(max_tokens) or None)
        options = {"template": template, "val_fraction": val, "cut_percentile": pct,
                   "max_tokens": int(max_tokens) or None}
        st.session_state[K + "preview"] = (built, problems, source, base.strip(), options)
    preview = st.session_state.get(K + "preview")
    if preview:
        built, problems, source, base_model, options = preview
        st.success(ui.t("finetune.stats", train=len(built.train), val=len(built.val),
                        dropped=built.stats["n_dropped"], cutoff=built.stats["cutoff"] or "-",
                        template=built.template))
        if problems:
            st.warning(ui.t("finetune.problems", n=len(problems)) + " " + ui.plain("; ".join(problems[:5])))
        stats = {k: v for k, v in built.stats.items() if isinstance(v, dict)}
        st.dataframe(pd.DataFrame(stats).T, width="stretch")
        for ex in built.train[:2]:
            with st.expander(ui.t("finetune.example", id=ui.plain(ex.id), n=ex.n_tokens)):
                ui.text_box(ex.prompt[-3000:], height=220)
                st.divider()
                ui.text_box(ex.text[len(ex.prompt):], height=220)
        name = st.text_input(ui.t("finetune.dataset_name"), "demo" if source == "references" else "upload",
                             key=K + "ds_name")
        if st.button(ui.t("finetune.save_dataset"), key=K + "save_ds"):
            row = ds.save_dataset(store, name.strip(), built, source=source, base_model=base_model, options=options)
            st.session_state.pop(K + "preview", None)
            st.success(ui.t("finetune.saved_dataset", ref=ui.plain(row["ref"])))
    rows = ds.list_datasets(store)
    st.subheader(ui.t("finetune.datasets"))
    if rows:
        st.dataframe(pd.DataFrame([{"ref": r["ref"], "source": r["source"], "template": r["template"],
                                    "train": r["n_train"], "val": r["n_val"],
                                    "p95 tokens": r["stats"].get("tokens", {}).get("p95"),
                                    "created": r["created_at"]} for r in rows]), width="stretch")
    else:
        st.caption(ui.t("finetune.no_datasets"))


def config_tab(store) -> None:
    rows = [r for r in ds.list_datasets(store) if not is_preference_dataset(r)]
    if not rows:
        st.info(ui.t("finetune.no_datasets"))
        return
    names = list(PRESETS)
    chosen = st.selectbox(ui.t("finetune.preset"), names, index=names.index("tiny-cpu"), key=K + "preset")
    st.caption(PRESETS[chosen]["description"])
    start = preset(chosen, workspace=store.root)
    dataset = st.selectbox(ui.t("finetune.dataset"), [r["ref"] for r in rows], key=K + "dataset")
    default_base = st.session_state.get(K + "base_model") or next(r["base_model"] for r in rows if r["ref"] == dataset)
    base = st.text_input(ui.t("finetune.base_model"), default_base or start.base_model, key=K + "cfg_base")
    name = st.text_input("name", f"{dataset.split('@')[0]}-lora", key=K + "cfg_name")
    values = {"name": name, "base_model": base, "dataset": dataset}
    with st.expander(ui.t("finetune.knobs"), expanded=False):
        cols = st.columns(3)
        skip = {"name", "base_model", "dataset"}
        for i, field in enumerate(f for f in fields(FinetuneConfig) if f.name not in skip):
            with cols[i % 3]:
                values[field.name] = knob(field, getattr(start, field.name), f"{K}{chosen}.")
    config = FinetuneConfig.from_dict(values)
    target = store.dir("finetune", "configs") / f"{config.name}.toml"
    st.caption(ui.t("finetune.command"))
    st.code(command_preview(target, store.root), language="bash")
    with st.expander(ui.plain(target.name)):
        st.code(to_toml(config.to_dict()), language="toml")
    if st.button(ui.t("finetune.launch"), type="primary", key=K + "launch"):
        save_config(config, target)
        job_id = submit_run(store, config)
        st.session_state[K + "job"] = job_id
        st.success(ui.t("finetune.launched", job=job_id))


def draw_job(store, job_id: str) -> None:
    info = ui.job_status(job_id)
    tracking_view.run_note(store, job_id)
    summary = job_summary(store, job_id)
    for notice in summary["notices"]:
        st.caption("ℹ️ " + ui.plain(notice))
    train, evals = summary["curves"]["train"], summary["curves"]["eval"]
    preference = info["kind"] == "preference"
    if not train:
        if info["status"] in jobs.ACTIVE:
            st.caption(ui.t("finetune.waiting"))
    else:
        last = train[-1]
        cols = st.columns(5)
        cols[0].metric(ui.t("finetune.metric.loss"), f"{last['loss']:.4f}")
        scored = [e for e in evals if e.get("eval_loss") is not None]
        if scored:
            cols[1].metric(ui.t("finetune.metric.eval"), f"{scored[-1]['eval_loss']:.4f}")
        if scored and not preference:
            cols[2].metric(ui.t("finetune.metric.ppl"), f"{scored[-1]['perplexity']:.2f}")
        if last.get("tokens_per_s") is not None:
            cols[3].metric(ui.t("finetune.metric.speed"), f"{last['tokens_per_s']:.0f}")
        cols[4].metric(ui.t("finetune.metric.ram"), f"{last['rss_mb']:.0f}")
        evals = scored if preference else evals
        if preference:
            preference_view.draw_curves(train, summary["curves"]["eval"])
        st.caption(ui.t("finetune.chart.loss"))
        st.plotly_chart(charts.loss_figure(train, evals), key=K + "chart.loss")
        if evals and not preference:
            st.caption(ui.t("finetune.chart.ppl"))
            st.plotly_chart(charts.perplexity_figure(evals), key=K + "chart.ppl")
    if info["status"] == "failed" and summary["traceback"]:
        st.caption(ui.t("finetune.crash_log", path=str(jobs.job_dir(store, job_id) / "log.jsonl")))
    result = summary["result"]
    if result and info["status"] == "done" and preference:
        st.success(preference_view.result_text(result))
    elif result and info["status"] == "done":
        st.success(ui.t("finetune.result", trainable=f"{result['trainable_params']:,}", pct=result["trainable_pct"],
                        adapter_mb=result["adapter_mb"], base_mb=result["base_mb"],
                        seconds=result["train_seconds"], ram=result["peak_rss_mb"], vram=result["peak_vram_mb"]))


def watch_tab(store) -> None:
    rows = sorted(finetune_jobs(store) + preference_jobs(store), key=lambda r: r["created_at"], reverse=True)
    if not rows:
        st.info(ui.t("finetune.no_jobs"))
        return
    tracking_view.status_note(store)
    ids = [r["id"] for r in rows]
    current = st.session_state.get(K + "job")
    job_id = st.selectbox(ui.t("finetune.job"), ids, index=ids.index(current) if current in ids else 0,
                          format_func=lambda i: f"{i} · {next(r['title'] for r in rows if r['id'] == i)}",
                          key=K + "job_pick")
    active = next(r for r in rows if r["id"] == job_id)["status"] in jobs.ACTIVE

    @st.fragment(run_every=2 if active else None)
    def live() -> None:
        with ui.guard():
            draw_job(store, job_id)

    live()


def adapters_tab(store) -> None:
    from clinsum.finetune import export

    rows = list_adapters(store)
    if not rows:
        st.info(ui.t("finetune.no_adapters"))
        return
    st.dataframe(pd.DataFrame([{
        "name": r["name"], "base model": r["base_model"], "dataset": r["config"].get("dataset_ref"),
        "train loss": r["results"].get("final_loss"), "validation loss": r["results"].get("final_eval_loss"),
        "perplexity": r["results"].get("perplexity"), "trainable %": r["results"].get("trainable_pct"),
        "adapter MB": r["results"].get("adapter_mb"), "base MB": r["results"].get("base_mb"),
        "seconds": r["results"].get("train_seconds"), "peak RAM MB": r["results"].get("peak_rss_mb"),
        "peak VRAM MB": r["results"].get("peak_vram_mb"), "created": r["created_at"], "id": r["id"],
    } for r in rows]), width="stretch")
    ids = [r["id"] for r in rows]
    chosen = st.selectbox(ui.t("finetune.adapter"), ids, key=K + "adapter",
                          format_func=lambda i: next(f"{r['name']} ({i})" for r in rows if r["id"] == i))
    adapter = next(r for r in rows if r["id"] == chosen)
    st.caption(ui.t("finetune.use_adapter", base=ui.plain(adapter["base_model"]), name=ui.plain(adapter["name"])))
    cols = st.columns(2)
    if cols[0].button(ui.t("finetune.export_merged"), key=K + "merged"):
        with st.spinner():
            st.success(ui.t("finetune.exported", path=str(export.export_merged(store, chosen))))
    missing = export.missing_for_gguf()
    if missing:
        cols[1].caption(ui.t("finetune.gguf_missing", what="; ".join(missing)))
    elif cols[1].button(ui.t("finetune.export_gguf"), key=K + "gguf"):
        with st.spinner():
            out = export.export_gguf(store, chosen)
        st.success(ui.t("finetune.exported", path=out["gguf"]))


with ui.guard():
    store = ui.store()
    if cuda_available():
        import torch

        st.info(ui.t("finetune.gpu", name=torch.cuda.get_device_name(0),
                     engine="unsloth" if unsloth_available() else "peft"))
    else:
        st.info(ui.t("finetune.no_gpu"))
    names = ("dataset", "config", "watch", "adapters", "preference")
    tabs = ui.tabs([ui.t(f"finetune.tab.{name}") for name in names], K + "tabs")
    draws = (dataset_tab, config_tab, watch_tab, adapters_tab, preference_view.preference_tab)
    for tab, draw in zip(tabs, draws, strict=True):
        with tab, ui.guard():
            draw(store)
