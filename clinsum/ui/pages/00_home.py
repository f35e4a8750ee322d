"""Home: what the workbench does, what is in the workspace, what is available."""

import streamlit as st

from clinsum import ui
from clinsum.demo import load_demo
from clinsum.demo_content import latest_demo_job, start_demo_content
from clinsum.doctor import run_checks
from clinsum.jobs import ACTIVE

ui.page("home.title", "home.intro")

with ui.guard():
    store = ui.store()
    counts = store.counts()
    st.subheader(ui.t("home.counts"))
    cols = st.columns(len(counts))
    for col, (name, value) in zip(cols, counts.items(), strict=True):
        col.metric(ui.t(f"home.count.{name}"), value)

    if counts["records"] == 0:
        st.info(ui.t("home.empty"))
        if st.button(ui.t("home.load_demo"), type="primary", key="home.load_demo"):
            with st.spinner(ui.t("home.demo_step.records")):
                load_demo(store)
            start_demo_content(store)  # candidates, scores, annotations: a job with progress
            st.rerun()
    elif store.scalar("SELECT count(*) FROM records WHERE source = 'demo'"):
        demo_job = latest_demo_job(store)
        if demo_job and demo_job["status"] in ACTIVE:
            st.info(ui.t("home.demo_building"))
            ui.job_panel(demo_job["id"])
        ui.demo_tour()

    st.subheader(ui.t("home.what"))
    for name, page in ui.named_pages():
        if name != "home":
            st.page_link(page, label=f"**{page.title}** — {ui.t(f'home.page.{name}')}")

    st.subheader(ui.t("home.backends"))
    st.caption(ui.t("home.backends.help"))

    @st.cache_data(ttl=30, show_spinner=False)
    def checks(path: str, env: str) -> list[dict]:  # env: a changed host or key is seen at once
        return [c.__dict__ for c in run_checks(ui.store(), quick=True)]

    for check in checks(str(store.root), ui.backend_env()):
        state = ui.t("home.check.ok") if check["ok"] else ui.t("home.check.missing")
        icon = ":green[●]" if check["ok"] else ":gray[○]"
        name, detail, hint = ui.check_line(check)
        st.markdown(f"{icon} **{ui.esc(name)}** ({state}): {ui.esc(detail)}")
        if hint:
            st.caption(ui.plain(hint))
