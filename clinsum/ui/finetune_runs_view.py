"""The fine-tuning page's run tabs: watching a training job (curves, figures, result) and the
adapters (table, merged and GGUF export). Drawing only: the logic is in :mod:`clinsum.finetune`."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from clinsum import jobs, ui
from clinsum.finetune.adapters import list_adapters
from clinsum.finetune.job import finetune_jobs
from clinsum.finetune.logs import job_summary
from clinsum.finetune.preference_job import preference_jobs
from clinsum.ui import charts, preference_view, tracking_view

K = "finetune."


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
    results = ("final_loss", "final_eval_loss", "perplexity", "trainable_pct", "adapter_mb", "base_mb",
               "train_seconds", "peak_rss_mb", "peak_vram_mb")
    ui.table(pd.DataFrame([{
        "adapter": r["name"], "base_model": r["base_model"], "dataset_ref": r["config"].get("dataset_ref"),
        **{k: r["results"].get(k) for k in results}, "created_at": r["created_at"], "id": r["id"],
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

