"""Metric explorer: filters, plots of every explorer view, downloads, and a read-only SQL box."""

import time
from datetime import date

import pandas as pd
import plotly.express as px
import streamlit as st

from clinsum import explorer as ex
from clinsum import ui
from clinsum.errors import ClinsumError
from clinsum.explorer.scoring_link import start_scoring
from clinsum.ui import calibration_view, tracking_view

ui.page("explorer.title", "explorer.intro")
KEY = "explorer."
GROUP_DIMS = ["model", "strategy", "temperature", "decoding", "backend"]
MAX_POINTS = 3000


def dim_label(dim: str) -> str:
    return ui.t(f"explorer.dim.{dim}")


def cli_hint(cmd: str) -> None:
    extra = st.session_state.get(KEY + "cli_filters", "")
    # shown in a code span: nothing in it is read as Markdown, only a backtick could end it
    st.caption(ui.t("explorer.cli", cmd=f"{cmd} {extra}".strip().replace("`", "'")))


def score_section(store) -> None:
    if st.button(ui.t("explorer.score_now"), key=KEY + "score", help=ui.t("explorer.score_help")):
        st.session_state[KEY + "job"] = start_scoring(store)
    job_id = st.session_state.get(KEY + "job")
    if job_id:
        st.caption(ui.t("explorer.score_started", job=job_id))
        ui.job_panel(job_id)
        tracking_view.run_note(store, job_id)
    tracking_view.runs_panel(store)


def sidebar_filters(opts: dict) -> ex.Filters:
    side = st.sidebar
    side.subheader(ui.t("explorer.filters"))

    def pick(column: str) -> list:
        if len(opts[column]) < 2:
            return []
        return side.multiselect(ui.t(f"explorer.f.{column}"), opts[column], key=KEY + "f." + column,
                                placeholder=ui.choose(), format_func=lambda v: str(ui.value_label(column, v)))

    chosen = {c: pick(c) for c in ("model", "strategy", "temperature", "decoding", "backend", "source")}
    since = until = None
    lo, hi = opts["dates"]
    if pd.notna(lo) and pd.notna(hi) and lo.date() != hi.date():
        picked = side.date_input(ui.t("explorer.f.dates"), (lo.date(), hi.date()), key=KEY + "f.dates")
        if isinstance(picked, tuple | list) and len(picked) == 2:
            since, until = picked
        elif isinstance(picked, date):
            since = picked
    return ex.Filters(models=chosen["model"], strategies=chosen["strategy"],
                      temperatures=chosen["temperature"], decodings=chosen["decoding"],
                      backends=chosen["backend"], sources=chosen["source"], since=since, until=until)


def groups_tab(store, metric: str, filters: ex.Filters) -> None:
    by = st.selectbox(ui.t("explorer.group_by"), GROUP_DIMS, format_func=dim_label, key=KEY + "by")
    values = ex.long_view(store, filters, [metric])
    values[by] = values[by].astype(str)
    fig = px.box(values, x=by, y="value", points="all" if len(values) <= MAX_POINTS else "outliers",
                 labels={"value": ui.metric_label(metric), by: dim_label(by)})
    st.plotly_chart(fig, key=KEY + "chart.groups")
    st.caption(ui.t("explorer.groups.caption"))
    table = ex.summary(store, by, [metric], filters)
    ui.table(table)
    ui.download_buttons(table, f"{metric}_by_{by}")
    cli_hint(f"clinsum explore summary --by {by} --metric {metric}")


def temperature_tab(store, metric: str, filters: ex.Filters) -> None:
    values = ex.long_view(store, filters, [metric])
    if values["temperature"].dropna().nunique() < 1:
        st.info(ui.t("explorer.temperature.none"))
        return
    values = values.dropna(subset=["temperature"])
    values["temperature"] = values["temperature"].astype(str)
    fig = px.box(values, x="temperature", y="value", color="model",
                 points="all" if len(values) <= MAX_POINTS else "outliers",
                 labels={"value": ui.metric_label(metric), "temperature": dim_label("temperature"),
                         "model": dim_label("model")})
    st.plotly_chart(fig, key=KEY + "chart.temperature")
    st.caption(ui.t("explorer.temperature.caption"))
    table = ex.temperature_table(store, None, filters)
    ui.table(table)
    ui.download_buttons(table, "mean_by_temperature")
    cli_hint("clinsum explore summary --by temperature")


def matrix_tab(store, metric: str, filters: ex.Filters) -> None:
    table = ex.matrix(store, metric, "model", "strategy", filters)
    if table.empty:
        st.info(ui.t("explorer.no_generations"))
        return
    fig = px.imshow(table, text_auto=".3f", aspect="auto", color_continuous_scale="Viridis",
                    labels={"x": dim_label("strategy"), "y": dim_label("model"),
                            "color": ui.metric_label(metric)})
    st.plotly_chart(fig, key=KEY + "chart.matrix")
    st.caption(ui.t("explorer.matrix.caption"))
    ui.download_buttons(table.reset_index(), f"{metric}_model_x_strategy")
    cli_hint(f"clinsum explore matrix --metric {metric}")


def time_tab(store, filters: ex.Filters) -> None:
    table = ex.time_by(store, "model", filters)
    if table.empty:
        st.info(ui.t("explorer.time.none"))
        return
    below = table["sd_s"].fillna(0).clip(upper=table["mean_s"])  # a time is never below zero
    fig = px.bar(table.assign(sd_below=below), x="model", y="mean_s", error_y="sd_s",
                 error_y_minus="sd_below", text_auto=".2f",
                 labels={"mean_s": "s", "model": dim_label("model")})
    st.plotly_chart(fig, key=KEY + "chart.time")
    st.caption(ui.t("explorer.time.caption"))
    ui.table(table)
    ui.download_buttons(table, "time_by_model")
    cli_hint("clinsum explore time --by model")


def pareto_tab(store, metric: str, filters: ex.Filters) -> None:
    table = ex.pareto(store, metric, ("model", "strategy"), filters)
    if table.empty:
        st.info(ui.t("explorer.time.none"))
        return
    table["configuration"] = table["model"].astype(str) + " · " + table["strategy"].astype(str)
    table["front"] = table["on_front"].map({True: ui.t("explorer.pareto.front"),
                                            False: ui.t("explorer.pareto.other")})
    fig = px.scatter(table, x="seconds", y="quality", color="front", symbol="model",
                     hover_name="configuration", hover_data=["n"],
                     labels={"seconds": "s", "quality": ui.metric_label(metric), "n": ui.column_label("n"),
                             "front": ui.t("explorer.pareto.position"), "model": dim_label("model")})
    front = table[table["on_front"]].sort_values("seconds")
    fig.add_scatter(x=front["seconds"], y=front["quality"], mode="lines", showlegend=False,
                    line={"dash": "dot", "color": "gray"})
    st.plotly_chart(fig, key=KEY + "chart.pareto")
    st.caption(ui.t("explorer.pareto.caption"))
    ui.table(table.drop(columns=["front", "configuration"]))
    ui.download_buttons(table.drop(columns=["front"]), f"pareto_{metric}")
    cli_hint(f"clinsum explore pareto --metric {metric}")


def distribution_tab(store, metric: str, filters: ex.Filters) -> None:
    c1, c2 = st.columns(2)
    bins = c1.slider(ui.t("explorer.bins"), 5, 100, 30, key=KEY + "bins")
    color = c2.selectbox(ui.t("explorer.color_by"), [None, *GROUP_DIMS], key=KEY + "hist.by",
                         format_func=lambda d: ui.t("explorer.none") if d is None else dim_label(d))
    table = ex.histogram(store, metric, bins, color, filters)
    if table.empty:
        st.info(ui.t("explorer.no_generations"))
        return
    table["center"] = (table["bin_start"] + table["bin_end"]) / 2
    if color:
        table[color] = table[color].astype(str)
    fig = px.bar(table, x="center", y="count", color=color, barmode="overlay", opacity=0.75,
                 labels={"center": ui.metric_label(metric), "count": ui.t("explorer.count")})
    fig.update_layout(bargap=0.02)
    st.plotly_chart(fig, key=KEY + "chart.hist")
    ui.download_buttons(table, f"histogram_{metric}")
    cli_hint(f"clinsum explore histogram --metric {metric} --bins {bins}")


def correlation_tab(store, filters: ex.Filters) -> None:
    method = st.radio(ui.t("explorer.corr.method"), ["spearman", "pearson"], horizontal=True,
                      key=KEY + "corr.method")
    table = ex.correlation(store, None, method, filters)
    if table.empty:
        st.info(ui.t("explorer.corr.few"))
        return
    table = table.rename(index=ui.metric_label, columns=ui.metric_label)
    fig = px.imshow(table, zmin=-1, zmax=1, color_continuous_scale="RdBu", aspect="auto",
                    text_auto=".2f" if len(table) <= 12 else False,
                    labels={"x": ui.column_label("metric"), "y": ui.column_label("metric"),
                            "color": ui.column_label("rho")})
    fig.update_layout(height=max(420, 22 * len(table) + 160))
    fig.update_yaxes(dtick=1)
    fig.update_xaxes(dtick=1)
    st.plotly_chart(fig, key=KEY + "chart.corr")
    st.caption(ui.t("explorer.corr.caption"))
    ui.download_buttons(table.reset_index(names="metric"), f"correlation_{method}")
    cli_hint(f"clinsum explore correlation --method {method}")


def ratings_tab(store, metric: str) -> None:
    table = ex.rating_correlation(store)
    if table.empty:
        st.info(ui.t("explorer.ratings.none"))
        return
    if table["spearman"].notna().sum() == 0:
        st.info(ui.t("explorer.ratings.few", n=int(table["n"].max()) if "n" in table else 0))
        return
    grid = table.pivot_table(index="name", columns="criterion", values="spearman", dropna=False)
    grid = grid.rename(index=ui.metric_label, columns=lambda c: ui.value_label("criterion", c))
    fig = px.imshow(grid, zmin=-1, zmax=1, color_continuous_scale="RdBu", text_auto=".2f",
                    aspect="auto", labels={"x": ui.t("explorer.ratings.criterion"), "y": ui.column_label("metric"),
                                           "color": ui.column_label("rho")})
    st.plotly_chart(fig, key=KEY + "chart.ratings")
    st.caption(ui.t("explorer.ratings.caption"))
    pairs = ex.metric_rating_pairs(store)
    mine = pairs[pairs["name"] == metric]
    if not mine.empty:
        mine = mine.assign(criterion=[ui.value_label("criterion", c) for c in mine["criterion"]])
        scatter = px.scatter(mine, x="value", y="rating", color="criterion", hover_data=["item_id"],
                             labels={"value": ui.metric_label(metric), "rating": ui.column_label("rating"),
                                     "item_id": ui.column_label("item_id"),
                                     "criterion": ui.t("explorer.ratings.criterion")})
        st.plotly_chart(scatter, key=KEY + "chart.rating_scatter")
    ui.table(table)
    ui.download_buttons(table, "metric_vs_ratings")
    cli_hint("clinsum explore ratings")


def sql_tab(store) -> None:
    default = ("SELECT name, count(*) AS n, avg(value) AS mean FROM metrics\n"
               "WHERE target_kind = 'generation' GROUP BY name ORDER BY name")
    query = st.text_area("SQL", default, height=140, key=KEY + "sql", help=ui.t("explorer.sql.help"))
    if st.button(ui.t("explorer.sql.run"), key=KEY + "sql.run"):
        try:
            st.session_state[KEY + "sql.result"] = ex.run_sql(store, query)
            st.session_state.pop(KEY + "sql.error", None)
        except ClinsumError as exc:
            st.session_state[KEY + "sql.error"] = exc
            st.session_state.pop(KEY + "sql.result", None)
    if KEY + "sql.error" in st.session_state:
        ui.show_error(st.session_state[KEY + "sql.error"])
    result = st.session_state.get(KEY + "sql.result")
    if result is not None:
        if result.limit == "bytes":
            st.caption(ui.t("sql.truncated_bytes", n=len(result.df), mb=round(result.max_bytes / 1e6)))
        else:
            note = "explorer.sql.truncated" if result.truncated else "explorer.sql.rows"
            st.caption(ui.t(note, n=result.max_rows if result.truncated else len(result.df)))
        if result.snapshot_at:
            st.caption(ui.t("sql.snapshot", time=time.strftime("%H:%M:%S", time.localtime(result.snapshot_at))))
        st.dataframe(result.df, hide_index=True)
        ui.download_buttons(result.df, "sql_result")
        st.caption(ui.t("explorer.cli", cmd='clinsum sql "…"'))


with ui.guard():
    store = ui.store()
    score_section(store)
    if not ex.has_scores(store):
        st.info(ui.t("explorer.empty"))
        with st.expander(ui.t("explorer.tab.sql")):
            sql_tab(store)
        st.stop()
    filters = sidebar_filters(ex.filter_options(store))
    st.session_state[KEY + "cli_filters"] = filters.cli_args()
    names = ex.metric_names(store)
    options = names["name"].tolist()
    default = options.index("rouge1_f") if "rouge1_f" in options else 0
    metric = st.selectbox(ui.t("explorer.metric"), options, index=default, key=KEY + "metric",
                          format_func=ui.metric_label)
    sign = ex.direction(metric)
    st.caption(ui.t({1: "explorer.direction.higher", -1: "explorer.direction.lower",
                     0: "explorer.direction.neutral"}[sign]) + " · "
               + ui.t("explorer.n_scored", n=int(names.set_index("name").loc[metric, "n"]))
               + " · " + ui.metric_help(metric))
    ui.metric_glossary(options)
    if not ex.records_with_generations(store, filters):
        st.info(ui.t("explorer.no_generations"))
        st.stop()
    tabs = ui.tabs([ui.t(f"explorer.tab.{n}") for n in (
        "groups", "temperature", "matrix", "time", "pareto", "distribution", "correlation",
        "ratings", "sql")], KEY + "tabs")
    with tabs[0]:
        groups_tab(store, metric, filters)
    with tabs[1]:
        temperature_tab(store, metric, filters)
    with tabs[2]:
        matrix_tab(store, metric, filters)
    with tabs[3]:
        time_tab(store, filters)
    with tabs[4]:
        pareto_tab(store, metric, filters)
    with tabs[5]:
        distribution_tab(store, metric, filters)
    with tabs[6]:
        correlation_tab(store, filters)
    with tabs[7]:
        ratings_tab(store, metric)
        calibration_view.panel(store, KEY + "calibration")
    with tabs[8]:
        sql_tab(store)
    with st.expander(ui.t("explorer.table")):
        wide = ex.wide_view(store, filters)
        st.caption(ui.t("explorer.sql.rows", n=len(wide)))
        ui.table(wide.head(1000))
        ui.download_buttons(wide, "scores_wide")
        cli_hint("clinsum explore wide")
