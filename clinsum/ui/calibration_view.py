"""Judge calibration on pages: the agreement table with its threshold (Explorer), and the
"not calibrated" mark beside judge scores (Compare)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from clinsum import ui
from clinsum.annotation import calibration as cal
from clinsum.ui.labels import criterion_label


@st.cache_data(ttl=10, show_spinner=False)
def _status(workspace: str, stamp: str) -> dict[str, str]:
    return cal.judge_status(ui.store())


def judge_mark(store, names) -> None:
    """A visible mark naming the judge values shown in ``names`` that are not calibrated."""
    shown = sorted(n for n in names if n.startswith("judge_"))
    if not shown:
        return
    stamp = str(store.scalar("SELECT max(updated_at) FROM annotations")) + str(
        store.scalar("SELECT value FROM annotation_settings WHERE key = ?", [cal.SETTINGS_KEY]))
    status = _status(str(store.root), stamp)
    bad = [n for n in shown if status.get(n, "too_few") != "calibrated"]
    good = [n for n in shown if n not in bad]
    if bad:
        st.warning(ui.t("calibration.mark", names=", ".join(bad)))
    if good:
        st.caption(ui.t("calibration.mark_ok", names=", ".join(good)))


def _fmt(row: dict, name: str) -> str:
    value, lo, hi = row[name], row[f"{name}_lo"], row[f"{name}_hi"]
    if value is None:
        return "—"
    return f"{value:.3f}" + (f" [{lo:.2f}, {hi:.2f}]" if lo is not None else "")


def panel(store, key: str = "calibration") -> None:
    """Threshold settings and the per-criterion agreement of judge and physicians."""
    st.subheader(ui.t("calibration.title"))
    st.caption(ui.t("calibration.intro"))
    settings = cal.get_settings(store)
    c1, c2, c3 = st.columns([2, 2, 1])
    threshold = c1.number_input(ui.t("calibration.threshold"), -1.0, 1.0, float(settings["threshold"]),
                                0.05, key=f"{key}.threshold")
    min_items = c2.number_input(ui.t("calibration.min_items"), 3, 100000, int(settings["min_items"]),
                                key=f"{key}.min_items")
    if c3.button(ui.t("calibration.save"), key=f"{key}.save"):
        cal.set_settings(store, threshold, int(min_items))
        st.success(ui.t("calibration.saved"))
    rows = cal.judge_calibration(store, threshold, int(min_items))
    if not rows:
        st.info(ui.t("calibration.none"))
    else:
        table = pd.DataFrame([{
            "judge": ui.metric_label(r["judge"]), "physicians": criterion_label(r["criterion"], ui.lang()), "n": r["n"],
            "icc": _fmt(r, "icc"),
            "kappa_quadratic": _fmt(r, "kappa"), "spearman": _fmt(r, "spearman"),
            "status": ui.t(f"calibration.status.{r['status']}")} for r in rows])
        ui.table(table, key=f"{key}.table")
    st.code("clinsum judge calibration", language="bash")

