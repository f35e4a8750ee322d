"""PDSQI-9 on the Annotation page: the nine 1–5 ratings with guidance, and agreement per item."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from clinsum import ui
from clinsum.annotation import pdsqi
from clinsum.annotation.report import agreement_report
from clinsum.annotation.rubric import PDSQI9, PDSQI_MAX, PDSQI_MIN, label
from clinsum.errors import ClinsumError


def rating_form(store, annotator: str, target_kind: str, target_id: str, key: str) -> None:
    """Nine radios (with each item's guidance as help), a comment and a save button."""
    st.markdown(f"**{ui.esc(ui.t('pdsqi.title'))}**")
    st.caption(ui.t("pdsqi.intro"))
    saved = pdsqi.get_pdsqi(store, target_id, annotator)
    if saved and f"{key}.{PDSQI9[0].name}" not in st.session_state:
        for item in PDSQI9:
            st.session_state[f"{key}.{item.name}"] = saved.get(item.name)
    if saved:
        st.caption(ui.t("pdsqi.already"))
    lang = ui.lang()
    cols = st.columns(3)
    for n, item in enumerate(PDSQI9):
        cols[n % 3].radio(label(item.label, lang), list(range(PDSQI_MIN, PDSQI_MAX + 1)), index=None,
                          horizontal=True, key=f"{key}.{item.name}", help=label(item.guideline, lang))
    comment = st.text_input(ui.t("pdsqi.comment"), key=f"{key}.comment")
    if st.button(ui.t("pdsqi.submit"), key=f"{key}.submit"):
        scores = {item.name: st.session_state.get(f"{key}.{item.name}") for item in PDSQI9}
        try:
            pdsqi.submit_pdsqi(store, annotator, target_kind, target_id, scores, comment)
        except ClinsumError as exc:
            ui.show_error(exc)
        else:
            st.success(ui.t("pdsqi.saved"))


def agreement(store) -> None:
    """Krippendorff's α and percent agreement per PDSQI-9 item, and κ per pair of annotators."""
    st.markdown(f"**{ui.esc(ui.t('pdsqi.agreement'))}**")
    result = agreement_report(store, "pdsqi")
    if not result["overlapping_items"]:
        st.info(ui.t("pdsqi.no_overlap"))
        return
    lang = ui.lang()
    names = {item.name: label(item.label, lang) for item in PDSQI9}

    def table(rows: list[dict], columns: list[str]) -> pd.DataFrame:
        df = pd.DataFrame(rows, columns=columns)
        df["criterion"] = df["criterion"].map(lambda c: names.get(c, c))
        return df.map(lambda v: "—" if v is None else round(v, 3) if isinstance(v, float) else v)

    ui.table(table(result["overall"], ["criterion", "n_items", "n_annotators", "percent",
                                       "alpha_ordinal", "alpha_interval"]), key="pdsqi.agreement.overall")
    ui.table(table(result["pairs"], ["criterion", "annotator_a", "annotator_b", "n", "percent",
                                     "kappa_quadratic"]), key="pdsqi.agreement.pairs")
