"""Experiment grids: build one without writing TOML (or upload a GRID.toml), launch it as a
job, follow it, and see its results per cell."""

from __future__ import annotations

import streamlit as st

from clinsum import jobs, ui
from clinsum.errors import ClinsumError
from clinsum.experiments import (
    estimate_grid,
    grid_cells,
    grid_filename,
    grid_results,
    grid_toml,
    parse_grid,
    submit_grid,
)
from clinsum.ui import grids_view, tracking_view

K = "grids."
ui.page("grids.title", "grids.intro")


def plan_and_launch(store, data: dict) -> None:
    """Size, estimate, the equivalent GRID.toml and command, and the start button."""
    grid = parse_grid(data)
    estimate = estimate_grid(store, grid)
    st.success(ui.t("grids.plan", cells=estimate.cells, models=len(grid.models),
                    strategies=len(grid.strategies), temperatures=len(grid.temperatures),
                    decodings=len(grid.decodings), records=estimate.records, calls=estimate.calls))
    if estimate.seconds is None:
        st.caption(ui.t("grids.estimate_unknown"))
    else:
        st.caption(ui.t("grids.estimate", time=ui.fmt_seconds(estimate.seconds)))
        if estimate.unknown_cells:
            st.caption(ui.t("grids.estimate_partial", n=estimate.unknown_cells))
    text = grid_toml(data)
    filename = grid_filename(grid.name)
    with st.expander(ui.t("grids.toml")):
        st.code(text, language="toml")
        st.caption(ui.t("grids.cli"))
        st.code(f"clinsum --workspace {store.root} run {filename}", language="bash")
        st.download_button(ui.t("grids.download"), text.encode("utf-8"), filename, "application/toml",
                           key=K + "download")
    if st.button(ui.t("grids.start"), type="primary", key=K + "start"):
        job_id = submit_grid(store, grid)
        st.session_state[K + "started"] = job_id
    if st.session_state.get(K + "started"):
        st.success(ui.t("grids.started", id=st.session_state[K + "started"]))


def grid_panel(job_id: str) -> None:
    """Progress, stop/resume and results of one grid (a fragment: refreshes while it runs)."""
    store = ui.store()
    info = ui.job_status(job_id)
    if st.session_state.get(K + f"active.{job_id}") and info["status"] not in jobs.ACTIVE:
        st.session_state[K + f"active.{job_id}"] = False
        st.rerun()  # finished since the page was drawn: redraw it all (and stop refreshing)
    summary = grid_results(store, job_id)
    if summary.empty:
        st.caption(ui.t("grids.no_results"))
        return
    st.markdown(f"**{ui.t('grids.results')}**")
    ui.table(summary, width="stretch")
    cells = grid_cells(store, job_id)
    failed = cells[cells["error"].notna()]
    if not failed.empty:
        st.warning(ui.t("grids.errors", n=len(failed)))
        ui.table(failed[["record_id", "model", "strategy", "temperature", "decoding", "error"]], width="stretch")
    with st.expander(ui.t("grids.cells")):
        ui.table(cells, width="stretch")
        ui.download_buttons(cells, f"grid-{job_id}")
    explorer = next((p for p in ui.navigation_pages() if p.url_path == "explorer"), None)
    if explorer is not None:
        st.page_link(explorer, label=ui.t("grids.explorer"), icon="📊")


def grid_list(store) -> None:
    st.subheader(ui.t("grids.jobs"))
    tracking_view.status_note(store)
    grids = jobs.list_jobs(store, kind="grid")
    if not grids:
        st.caption(ui.t("grids.none"))
    for info in grids:
        job_id = info["id"]
        active = info["status"] in jobs.ACTIVE
        st.session_state[K + f"active.{job_id}"] = active
        with st.container(border=True):
            st.markdown(f"**{ui.esc(info['title'])}** · `{job_id.replace('`', '')}` · {ui.esc(info['created_at'])}")
            with st.expander(ui.t("grids.definition")):
                st.code(grid_toml(info["config"].get("grid") or {}), language="toml")
            tracking_view.run_note(store, job_id)
            st.fragment(run_every=2 if active else None)(grid_panel)(job_id)


with ui.guard():
    store = ui.store()
    mode = st.radio(ui.t("grids.mode"), ["build", "upload"], horizontal=True, key=K + "mode",
                    format_func=lambda m: ui.t(f"grids.mode.{m}"))
    data = grids_view.build_form(store) if mode == "build" else grids_view.upload_form()
    if data is not None:
        try:
            plan_and_launch(store, data)
        except ClinsumError as exc:  # a wrong grid is explained; the list below stays visible
            ui.show_error(exc)
    grid_list(store)
