"""A long job on a page: progress, "i/N, elapsed < remaining", stop and resume."""

from __future__ import annotations

import streamlit as st

from clinsum.ui.data import store
from clinsum.ui.frame import t
from clinsum.ui.i18n import catalog
from clinsum.ui.markup import plain


def job_status(job_id: str) -> dict:
    """Progress bar, "i/N, elapsed < remaining", and stop/resume buttons for a job."""
    from clinsum import jobs

    s = store()
    info = jobs.info(s, job_id)
    progress = info.get("progress") or {}
    done, total = progress.get("done") or 0, progress.get("total")
    status = info["status"]
    label = t(f"jobs.status.{status}")
    progress = {**progress, "message": job_message(progress)}
    if total:
        elapsed = fmt_seconds(progress.get("elapsed_s"))
        remaining = fmt_seconds(progress.get("eta_s"))
        st.progress(min(done / total, 1.0), text=f"{label}: {done}/{total}, {elapsed} < {remaining}")
    else:
        st.write(f"{label}" + (f": {plain(progress.get('message'))}" if progress.get("message") else ""))
    if progress.get("message") and total:
        st.caption(plain(progress["message"]))
    if info.get("error"):
        st.error(t("jobs.failed_detail", error=plain(info["error"])))
    cols = st.columns(2)
    if status in jobs.ACTIVE and cols[0].button(t("jobs.stop"), key=f"stop-{job_id}"):
        jobs.request_stop(s, job_id)
        st.rerun()
    if status in ("stopped", "failed") and cols[1].button(t("jobs.resume"), key=f"resume-{job_id}"):
        jobs.resume(s, job_id)
        st.rerun()
    return info


def job_message(progress: dict) -> str:
    """A job's progress message; a handler may write a UI string key (``home.demo_step.score``),
    shown translated with ``done``/``total``."""
    message = progress.get("message") or ""
    if message in catalog():
        done, total = progress.get("done") or 0, progress.get("total") or 0
        try:
            return t(message, done=min(done + 1, total or done + 1), total=total)
        except (KeyError, IndexError, ValueError):
            return t(message)
    return message


def job_panel(job_id: str, every: float = 2.0) -> None:
    """:func:`job_status` in a fragment that refreshes itself while the job is active and
    reruns the page once when it ends, so the panel always ends in the job's final state."""
    from clinsum import jobs

    def panel() -> None:
        info = job_status(job_id)
        if info["status"] not in jobs.ACTIVE and st.session_state.get(f"_job_active.{job_id}"):
            st.session_state[f"_job_active.{job_id}"] = False
            st.rerun()  # the page redraws once, without the timer

    active = jobs.info(store(), job_id)["status"] in jobs.ACTIVE
    st.session_state[f"_job_active.{job_id}"] = active
    st.fragment(run_every=every if active else None)(panel)()


def fmt_seconds(value: float | None) -> str:
    """``m:ss`` (or ``h:mm:ss``); ``?`` when unknown."""
    if value is None:
        return "?"
    value = int(value)
    return f"{value // 3600}:{value % 3600 // 60:02d}:{value % 60:02d}" if value >= 3600 else f"{value // 60}:{value % 60:02d}"
