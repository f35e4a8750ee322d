"""MLflow tracking on the pages: whether jobs are tracked, and the run of a job (a link to a
tracking server, or the run id and the command that opens a local store)."""

from __future__ import annotations

import streamlit as st

from clinsum import jobs, tracking, ui
from clinsum.store import Store


def status_note(store: Store) -> None:
    """One caption: tracking on (where), off, or off because mlflow is not installed."""
    try:
        found = tracking.settings(store)
    except Exception as exc:  # noqa: BLE001 - a bad tracking.toml is explained, the page goes on
        ui.show_error(exc)
        return
    if not found.enabled:
        st.caption(ui.t("tracking.off"))
    elif not found.available:
        st.caption(ui.t("tracking.unavailable"))
    else:
        st.caption(ui.t("tracking.on", uri=ui.plain(found.shown_uri)))


def run_note(store: Store, job_id: str) -> None:
    """The MLflow run of a job (nothing when it has none), and the tracking warnings of its log."""
    run = tracking.run_for(store, job_id)
    if run is not None:
        st.caption(ui.t("tracking.run", run=ui.plain(run["run_id"]), experiment=ui.plain(run["experiment_id"])))
        if run["url"]:
            st.link_button(ui.t("tracking.open"), run["url"])
        else:
            local_command(store)
    for event in jobs.read_log(store, job_id):
        if event.get("event") == "warning" and event.get("source") == "tracking":
            st.caption(ui.t("tracking.warning", message=ui.plain(event.get("message"))))


def local_command(store: Store) -> None:
    command = tracking.ui_command(tracking.settings(store))
    if command:
        st.caption(ui.t("tracking.local"))
        st.code(command, language="bash")


def runs_panel(store: Store, kinds: tuple[str, ...] = ("grid", "score")) -> None:
    """The recorded MLflow runs of jobs of ``kinds``, newest first, in an expander."""
    with st.expander(ui.t("tracking.runs")):
        status_note(store)
        rows = [r for r in tracking.runs(store) if r["kind"] in kinds]
        if not rows:
            st.caption(ui.t("tracking.runs.none"))
            return
        ui.table([{"job_id": r["job_id"], "job_kind": r["kind"], "run_id": r["run_id"],
                   "experiment_id": r["experiment_id"], "url": r["url"] or ""} for r in rows],
                 width="stretch", column_config={"url": st.column_config.LinkColumn(ui.column_label("url"))})
        if not any(r["url"] for r in rows):
            local_command(store)
