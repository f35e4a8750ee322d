"""The grids page's building sections: models, records and settings of a new grid (or an
uploaded GRID.toml), returned as the grid's dict."""

from __future__ import annotations

import streamlit as st

from clinsum import ui
from clinsum.backends import preferred_backend
from clinsum.errors import ClinsumError
from clinsum.experiments import parse_grid
from clinsum.generation import DECODINGS
from clinsum.records import list_records
from clinsum.strategies import list_strategies

K = "grids."
TEMPERATURES = [0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 1.0, 1.2, 1.5]


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
    """The grid of an uploaded GRID.toml, or None (nothing uploaded, or it is wrong)."""
    upload = st.file_uploader(ui.t("grids.upload"), type=["toml"], key=K + "upload")
    if upload is None:
        return None
    try:
        return parse_grid(upload.getvalue().decode("utf-8", errors="replace")).raw
    except ClinsumError as exc:
        ui.show_error(exc)
        return None
