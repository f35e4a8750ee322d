"""Experiment grids: build one without writing TOML (or upload a GRID.toml), launch it as a
job, follow it, and see its results per cell."""

from __future__ import annotations

import re

import streamlit as st

from clinsum import jobs, ui
from clinsum.backends import preferred_backend
from clinsum.errors import ClinsumError
from clinsum.experiments import (
    estimate_grid,
    grid_cells,
    grid_results,
    grid_toml,
    parse_grid,
    submit_grid,
)
from clinsum.generation import DECODINGS
from clinsum.records import list_records
from clinsum.strategies import list_strategies
from clinsum.ui import tracking_view

K = "grids."
TEMPERATURES = [0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 1.0, 1.2, 1.5]
ui.page("grids.title", "grids.intro")


def model_picker() -> list[dict]:
    """The [[models]] entries: models listed by each available backend; the others explained."""
    statuses = ui.backend_statuses()
    usable = [s for s in statuses if s["available"]]
    missing = [s for s in statuses if not s["available"]]
    preferred = preferred_backend([s["name"] for s in usable])
    st.markdown(f"**{ui.t('grids.models')}**")
    st.caption(ui.t("grids.models_help"))
    entries: list[dict] = []
    for status in usable:
        name = status["name"]
        label = ui.t(status["label_key"])
        listed, error = ui.backend_models(name)
        if listed:
            picked = st.multiselect(label, listed, default=listed[:1] if name == preferred else [],
                                    key=K + f"models.{name}", help=ui.backend_detail(status),
                                    placeholder=ui.choose())
        else:
            typed = st.text_input(f"{label} ({ui.t('grids.models_free')})", key=K + f"models_free.{name}",
                                  help=ui.backend_detail(status))
            picked = [m.strip() for m in typed.split(",") if m.strip()]
        if error:
            st.caption(ui.t("summarize.models_error", error=ui.plain(error)))
        config = dict(status["server_config"])  # GRID.toml reaches the same server from the CLI
        if picked and status["generative"] and status["concurrency_tunable"]:
            default = status["default_concurrency"]
            slots = st.number_input(ui.t("grids.concurrency", backend=name), 1, 64, default,
                                    key=K + f"concurrency.{name}")
            if int(slots) != default:
                config["concurrency"] = int(slots)
        entries += [{"backend": name, "model": model, **config} for model in picked]
    ui.missing_backends(missing, details=True)
    return entries


def record_picker(store) -> list[str] | str | None:
    """``"all"``, or a list of record ids (a selection, or the demo records)."""
    rows = list_records(store)
    if not rows:
        st.info(ui.t("summarize.no_records"))
        if st.button(ui.t("summarize.load_demo"), key=K + "load_demo"):
            from clinsum.demo import load_demo

            load_demo(store)
            st.rerun()
        return None
    mode = st.radio(ui.t("grids.records"), ["all", "selection", "demo"], horizontal=True,
                    key=K + "records_mode", format_func=lambda m: ui.t(f"grids.records.{m}"))
    if mode == "all":
        return "all"
    if mode == "selection":
        titles = {r["id"]: f"{r['id']} · {r['title'] or ''}"[:90] for r in rows}
        return st.multiselect(ui.t("grids.records.pick"), list(titles), key=K + "records_pick", placeholder=ui.choose(),
                              format_func=lambda i: titles[i]) or None
    demo = [r["id"] for r in rows if r["source"] == "demo"]
    if not demo:
        st.info(ui.t("grids.records.no_demo"))
        if st.button(ui.t("summarize.load_demo"), key=K + "load_demo"):
            from clinsum.demo import load_demo

            load_demo(store, only_if_empty=False)
            st.rerun()
        return None
    count = st.number_input(ui.t("grids.records.demo_count"), 1, len(demo), len(demo), key=K + "demo_count")
    return demo[: int(count)]


def build_form(store) -> dict | None:
    """The grid as a dict (GRID.toml's content), or None while it is incomplete."""
    name = st.text_input(ui.t("grids.name"), "grid", key=K + "name")
    models = model_picker()
    strategies = {s["name"]: s for s in list_strategies(store)}
    left, right = st.columns(2)
    with left:
        chosen = st.multiselect(
            ui.t("grids.strategies"), list(strategies), default=["template"], key=K + "strategies",
            placeholder=ui.choose(),
            format_func=lambda n: strategies[n]["label"] + ("" if strategies[n]["builtin"] else
                                                            f" ({ui.t('summarize.custom_tag')} v{strategies[n]['version']})"))
        temperatures = st.multiselect(ui.t("grids.temperatures"), TEMPERATURES, default=[0.2],
                                      key=K + "temperatures", placeholder=ui.choose())
        decodings = st.multiselect(ui.t("grids.decodings"), list(DECODINGS), default=["greedy"],
                                   key=K + "decodings", placeholder=ui.choose(),
                                   format_func=lambda d: ui.value_label("decoding", d))
    with right:
        max_tokens = st.number_input(ui.t("summarize.max_tokens"), 16, 8192, 768, 16, key=K + "max_tokens")
        seed = st.number_input(ui.t("summarize.seed"), 0, 2**31 - 1, 42, key=K + "seed")
        language = st.selectbox(ui.t("summarize.language"), ["auto", "es", "en"], key=K + "language",
                                format_func=lambda c: ui.t("summarize.language.auto") if c == "auto" else c)
    records = record_picker(store)
    if not models:
        st.info(ui.t("grids.no_models"))
        return None
    if not (chosen and temperatures and decodings and records):
        return None
    data: dict = {"name": name.strip() or "grid", "records": records, "strategies": chosen,
                  "temperatures": sorted(float(t) for t in temperatures), "decodings": decodings,
                  "max_new_tokens": int(max_tokens), "language": language}
    if int(seed):
        data["seed"] = int(seed)
    data["models"] = models
    return data


def upload_form() -> dict | None:
    upload = st.file_uploader(ui.t("grids.upload"), type=["toml"], key=K + "upload")
    if upload is None:
        return None
    try:
        return parse_grid(upload.getvalue().decode("utf-8", errors="replace")).raw
    except ClinsumError as exc:
        ui.show_error(exc)
        return None


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
    filename = (re.sub(r"[^\w.-]+", "_", grid.name).strip("_") or "grid") + ".toml"
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
    st.dataframe(summary, hide_index=True, width="stretch")
    cells = grid_cells(store, job_id)
    failed = cells[cells["error"].notna()]
    if not failed.empty:
        st.warning(ui.t("grids.errors", n=len(failed)))
        st.dataframe(failed[["record_id", "model", "strategy", "temperature", "decoding", "error"]],
                     hide_index=True, width="stretch")
    with st.expander(ui.t("grids.cells")):
        st.dataframe(cells, hide_index=True, width="stretch")
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
    data = build_form(store) if mode == "build" else upload_form()
    if data is not None:
        try:
            plan_and_launch(store, data)
        except ClinsumError as exc:  # a wrong grid is explained; the list below stays visible
            ui.show_error(exc)
    grid_list(store)
