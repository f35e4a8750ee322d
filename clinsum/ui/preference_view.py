"""The fine-tuning page's preference tab: rule + preview, launch, before/after grid, new round.

Drawing only: the logic is in ``clinsum.finetune.preferences`` (the set), ``dpo`` /
``preference_job`` (training) and ``before_after`` (the grid and the round).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pandas as pd
import streamlit as st

from clinsum import jobs, ui
from clinsum.annotation.rubric import PAIR_CRITERIA, PAIR_CRITERION_NAMES
from clinsum.finetune import preferences as pf
from clinsum.finetune.adapters import list_adapters
from clinsum.finetune.config import CHOICES, PRESETS
from clinsum.finetune.datasets import list_datasets
from clinsum.finetune.dpo import METHODS, PreferenceConfig, preference_preset
from clinsum.finetune.tiny import local_models
from clinsum.ui import charts

K = "preference."


def knob(field: Any, default: Any, prefix: str) -> Any:
    """One config value as a widget (choices, flags, numbers, lists, text)."""
    key = prefix + field.name
    if field.name in CHOICES:
        options = list(CHOICES[field.name])
        return st.selectbox(field.name, options, index=options.index(default), key=key)
    if isinstance(default, bool):
        return st.checkbox(field.name, value=default, key=key)
    if isinstance(default, int):
        return st.number_input(field.name, value=default, step=1, key=key)
    if isinstance(default, float):
        return st.number_input(field.name, value=default, format="%g", key=key)
    if isinstance(default, list):
        return st.text_input(field.name, ", ".join(default), key=key)
    return st.text_input(field.name, default, key=key)


def _criterion_label(name: str) -> str:
    found = next((c for c in PAIR_CRITERIA if c.name == name), None)
    return found.label[0 if ui.lang() == "es" else 1] if found else name


# -- 1. rule and preview ---------------------------------------------------------------------
def rule_form() -> tuple[pf.PairRule, float]:
    cols = st.columns(5)
    criterion = cols[0].selectbox(ui.t("preference.criterion"), list(PAIR_CRITERION_NAMES),
                                  index=list(PAIR_CRITERION_NAMES).index("overall"), key=K + "criterion",
                                  format_func=_criterion_label)
    margin = cols[1].number_input(ui.t("preference.min_margin"), 0.1, 2.0, 0.5, 0.1, key=K + "min_margin")
    agreement = cols[2].slider(ui.t("preference.min_agreement"), 0.0, 1.0, 0.75, 0.05, key=K + "min_agreement")
    annotators = cols[3].number_input(ui.t("preference.min_annotators"), 1, 20, 1, key=K + "min_annotators")
    val = cols[4].slider(ui.t("preference.val_fraction"), 0.0, 0.5, 0.25, 0.05, key=K + "val")
    rule = pf.PairRule(criterion, float(margin), float(agreement), int(annotators))
    st.info(ui.t("preference.rule", criterion=ui.plain(_criterion_label(criterion)), margin=rule.min_margin,
                 agreement=round(100 * rule.min_agreement), annotators=rule.min_annotators))
    return rule, float(val)


def draw_preview(built: pf.PreferenceSet) -> None:
    stats = built.stats
    out = stats["excluded"]
    st.success(ui.t("preference.stats", judgements=stats["n_judgements"], items=stats["n_items"],
                    train=stats["n_train"], val=stats["n_val"], val_records=len(stats["val_records"]),
                    ties=out.get("tie", 0), low=out.get("low_agreement", 0), few=out.get("few_annotators", 0),
                    missing=out.get("missing_text", 0)))
    left, right = st.columns(2)
    with left:
        st.caption(ui.t("preference.per_physician"))
        ui.table(_counts(stats["per_physician"], "annotator"), width="stretch")
    with right:
        st.caption(ui.t("preference.per_record"))
        ui.table(_counts(stats["per_record"], "record_id"), width="stretch")
    if built.excluded:
        st.caption(ui.t("preference.excluded"))
        table = pd.DataFrame([{**e, "reason": ui.t(f"preference.reason.{e['reason']}"),
                               "annotators": ", ".join(e["annotators"])} for e in built.excluded])
        ui.table(table, width="stretch")
    for pair in built.train[:1]:
        with st.expander(ui.t("preference.example", id=ui.plain(pair.id), margin=pair.margin,
                              agreement=pair.agreement)):
            cols = st.columns(2)
            cols[0].caption(ui.t("preference.chosen"))
            with cols[0]:
                ui.text_box(pair.chosen, height=200)
            cols[1].caption(ui.t("preference.rejected"))
            with cols[1]:
                ui.text_box(pair.rejected, height=200)


def _counts(rows: dict[str, dict[str, int]], key: str) -> pd.DataFrame:
    return pd.DataFrame(rows).T.fillna(0).astype(int).rename_axis(key).reset_index()


def data_section(store) -> None:
    rule, val = rule_form()
    if st.button(ui.t("preference.preview"), key=K + "preview_btn"):
        st.session_state[K + "preview"] = pf.build(store, rule, val_fraction=val)
    built = st.session_state.get(K + "preview")
    if built is None:
        return
    draw_preview(built)
    name = st.text_input(ui.t("preference.dataset_name"), "preferences", key=K + "ds_name")
    if st.button(ui.t("preference.save"), key=K + "save_ds"):
        row = pf.save(store, name.strip(), built, {"val_fraction": val})
        st.session_state.pop(K + "preview", None)
        st.success(ui.t("preference.saved", ref=ui.plain(row["ref"])))


# -- 2. configure and launch -------------------------------------------------------------------
def train_section(store, base_default: str) -> None:
    from clinsum.finetune.preference_job import submit_preference

    rows = [r for r in list_datasets(store) if pf.is_preference_dataset(r)]
    if not rows:
        st.caption(ui.t("preference.no_datasets"))
        return
    names = list(PRESETS)
    chosen = st.selectbox(ui.t("finetune.preset"), names, index=names.index("tiny-cpu"), key=K + "preset")
    st.caption(PRESETS[chosen]["description"])
    start = preference_preset(chosen, workspace=store.root)
    dataset = st.selectbox(ui.t("preference.dataset"), [r["ref"] for r in rows], key=K + "dataset")
    found = local_models(store.root)
    base = st.text_input(ui.t("finetune.base_model"), base_default or (found[0] if found else start.base_model),
                         key=K + "base_model")
    adapters = {a["adapter_path"]: a["name"] for a in list_adapters(store) if a["base_model"] == base.strip()}
    cols = st.columns(3)
    start_adapter = cols[0].selectbox(ui.t("preference.start"), ["", *adapters], key=K + "start_adapter",
                                      help=ui.t("preference.start.help"),
                                      format_func=lambda p: ui.plain(adapters[p]) if p else ui.t("preference.start.base"))
    method = cols[1].selectbox(ui.t("preference.method"), list(METHODS), key=K + "method",
                               format_func=lambda m: ui.t(f"preference.method.{m}"))
    beta = cols[2].number_input(ui.t("preference.beta"), 0.01, 10.0, start.beta, 0.05, key=K + "beta")
    st.caption(ui.t("preference.methods_note"))
    name = st.text_input("name", f"{dataset.split('@')[0]}-{method}", key=K + "name")
    values: dict[str, Any] = {"name": name, "base_model": base.strip(), "dataset": dataset, "method": method,
                              "beta": float(beta), "start_adapter": start_adapter}
    with st.expander(ui.t("finetune.knobs"), expanded=False):
        grid = st.columns(3)
        skip = set(values)
        for i, field in enumerate(f for f in fields(PreferenceConfig) if f.name not in skip):
            with grid[i % 3]:
                values[field.name] = knob(field, getattr(start, field.name), f"{K}{chosen}.")
    config = PreferenceConfig.from_dict(values)
    if st.button(ui.t("preference.launch"), type="primary", key=K + "launch"):
        job_id = submit_preference(store, config)
        st.session_state["finetune.job"] = job_id
        st.success(ui.t("preference.launched", job=job_id))


# -- 3. before / after -------------------------------------------------------------------------
def _grid_of(store, adapter_id: str) -> str | None:
    mark = f"before/after {adapter_id}"
    found = [g for g in jobs.list_jobs(store, kind="grid")
             if (g["config"].get("grid") or {}).get("description") == mark]
    return found[0]["id"] if found else None


def compare_section(store) -> None:
    from clinsum.experiments import submit_grid
    from clinsum.finetune.before_after import before_after_grid, round_from_grid

    rows = [a for a in list_adapters(store) if a["config"].get("kind") == "preference"]
    if not rows:
        st.caption(ui.t("preference.no_adapters"))
        return
    ids = [a["id"] for a in rows]
    chosen = st.selectbox(ui.t("preference.adapter"), ids, key=K + "adapter",
                          format_func=lambda i: next(ui.plain(f"{a['name']} ({i})") for a in rows if a["id"] == i))
    adapter = next(a for a in rows if a["id"] == chosen)
    res = adapter["results"]
    st.info(ui.t("preference.accuracy", n=res.get("n_val_pairs"), before=_pct(res.get("preference_accuracy_before")),
                 after=_pct(res.get("preference_accuracy_after"))))
    grid_id = _grid_of(store, chosen)
    if grid_id is None:
        tokens = st.number_input(ui.t("summarize.max_tokens"), 8, 4096, 256, 8, key=K + "max_new_tokens")
        if st.button(ui.t("preference.grid"), key=K + "grid", help=ui.t("preference.grid_help")):
            grid_id = submit_grid(store, before_after_grid(store, chosen, max_new_tokens=int(tokens)))
            st.success(ui.t("preference.grid_started", id=grid_id))
        if grid_id is None:
            return
    info = ui.job_status(grid_id)
    explorer = next((p for p in ui.navigation_pages() if p.url_path == "explorer"), None)
    if explorer is not None:
        st.page_link(explorer, label=ui.t("grids.explorer"), icon="📊")
    if info["status"] == "done" and st.button(ui.t("preference.round"), key=K + "round"):
        st.success(ui.t("preference.round_done", n=round_from_grid(store, grid_id)))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def preference_tab(store) -> None:
    st.caption(ui.t("preference.intro"))
    st.subheader(ui.t("preference.step.data"))
    data_section(store)
    st.subheader(ui.t("preference.step.train"))
    train_section(store, st.session_state.get("finetune.base_model") or "")
    st.subheader(ui.t("preference.step.compare"))
    compare_section(store)


# -- curves (drawn by the watch tab for preference jobs) -----------------------------------------
def draw_curves(train: list[dict], evals: list[dict]) -> None:
    """Reward margin (train + held-out) and held-out preference accuracy (likelihood + reward)."""
    st.caption(ui.t("preference.chart.margin"))
    st.plotly_chart(charts.margin_figure(train, evals), key="finetune.chart.margin")
    if evals:
        st.caption(ui.t("preference.chart.accuracy"))
        st.plotly_chart(charts.accuracy_figure(evals), key="finetune.chart.accuracy")


def result_text(result: dict) -> str:
    return ui.t("preference.result", method=result.get("method"), before=_pct(result.get("preference_accuracy_before")),
                after=_pct(result.get("preference_accuracy_after")), n=result.get("n_val_pairs"),
                margin=result.get("reward_margin"), trainable=f"{result['trainable_params']:,}",
                pct=result["trainable_pct"], adapter_mb=result["adapter_mb"], seconds=result["train_seconds"],
                ram=result["peak_rss_mb"], vram=result["peak_vram_mb"])
