"""The annotation page's overview sections: agreement, exports and settings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from clinsum import ui
from clinsum.annotation import annotators as people
from clinsum.annotation import assignment, exports, pairwise, report

K = "annotate."


def fmt_table(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    return df.map(lambda v: "—" if v is None else round(v, 3) if isinstance(v, float) else v)


def agreement_section(s) -> None:
    kind = st.radio(ui.t("annotate.kind"), ["reference", "pairwise"], horizontal=True, key=K + "agree_kind",
                    format_func=lambda v: ui.t("annotate.kind." + v))
    st.markdown(f"**{ui.t('annotate.progress_all')}**")
    ui.table(pd.DataFrame(assignment.progress(s, kind)))
    result = report.agreement_report(s, kind)
    if not result["overlapping_items"]:
        st.info(ui.t("annotate.no_overlap"))
        return
    st.caption(ui.t("annotate.overlap_items", n=result["overlapping_items"]) + " " + ui.t("annotate.agreement_help"))
    st.markdown(f"**{ui.t('annotate.overall')}**")
    ui.table(fmt_table(result["overall"], ["criterion", "n_items", "n_annotators", "percent",
                                           "alpha_ordinal", "alpha_interval", "alpha_nominal"]))
    st.markdown(f"**{ui.t('annotate.pairs')}**")
    ui.table(fmt_table(result["pairs"], ["criterion", "annotator_a", "annotator_b", "n", "percent",
                                         "kappa_linear", "kappa_quadratic", "kappa"]))


def export_section(s) -> None:
    for what, title in (("validated", "annotate.export_validated"), ("pairwise", "annotate.export_pairwise")):
        st.markdown(f"**{ui.t(title)}**")
        rows, columns = exports.dataset(s, what)
        st.caption(ui.t("annotate.rows", n=len(rows)))
        cols = st.columns(2)
        cols[0].download_button(ui.t("annotate.download_jsonl"), exports.to_bytes(rows, "jsonl", columns),
                                f"{what}.jsonl", "application/jsonl", key=f"{K}dl.{what}.jsonl",
                                disabled=not rows)
        cols[1].download_button(ui.t("annotate.download_parquet"),
                                lambda rows=rows, columns=columns: exports.to_bytes(rows, "parquet", columns),
                                f"{what}.parquet", "application/octet-stream", key=f"{K}dl.{what}.parquet",
                                disabled=not rows)
    st.caption(ui.t("annotate.cli_hint"))
    st.code("clinsum annotate stats\nclinsum annotate export --validated --format jsonl --out validated.jsonl\n"
            "clinsum annotate export --pairwise --format parquet --out dpo.parquet", language="bash")


def settings_section(s) -> None:
    k = st.number_input(ui.t("annotate.overlap"), 1, 20, assignment.get_overlap(s), key=K + "overlap",
                        help=ui.t("annotate.overlap_help"))
    if st.button(ui.t("common.save"), key=K + "overlap_save"):
        assignment.set_overlap(s, int(k))
        st.success(ui.t("annotate.overlap_saved", k=int(k)))
    st.markdown(f"**{ui.t('annotate.make_pairs')}**")
    mode = st.radio(ui.t("annotate.mode"), list(pairwise.MODES), key=K + "mode",
                    format_func=lambda v: ui.t("annotate.mode." + v))
    if st.button(ui.t("annotate.make_pairs"), key=K + "make_pairs"):
        st.success(ui.t("annotate.pairs_made", n=pairwise.create_pairs(s, mode)))
    st.markdown(f"**{ui.t('annotate.annotators')}**")
    ui.table(pd.DataFrame(people.list_annotators(s)).rename(columns={"name": "annotator"}))
