"""The fine-tuning page's build tabs: the dataset (base model, source, preview, save) and the
LoRA configuration (preset, knobs, command, launch). Drawing only: the logic is in
:mod:`clinsum.finetune`."""

from __future__ import annotations

from dataclasses import fields

import pandas as pd
import streamlit as st

from clinsum import ui
from clinsum.finetune import datasets as ds
from clinsum.finetune.config import (
    PRESETS,
    FinetuneConfig,
    command_preview,
    preset,
    save_config,
    to_toml,
)
from clinsum.finetune.job import submit_run
from clinsum.finetune.models import load_tokenizer
from clinsum.finetune.preferences import is_preference_dataset
from clinsum.finetune.templates import TEMPLATES
from clinsum.finetune.tiny import create_tiny_model, is_tiny, local_models
from clinsum.ui.preference_view import knob

K = "finetune."


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
        ui.table(pd.DataFrame(stats).T.rename_axis("measure").reset_index(), width="stretch")
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
        ui.table(pd.DataFrame([{"ref": r["ref"], "dataset_source": r["source"], "template": r["template"],
                                "n_train": r["n_train"], "n_val": r["n_val"],
                                "p95_tokens": r["stats"].get("tokens", {}).get("p95"),
                                "created_at": r["created_at"]} for r in rows]), width="stretch")
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

