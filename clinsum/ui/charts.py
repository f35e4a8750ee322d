"""Plotly figures whose axis and legend labels come from the catalogue.

``loss_figure(train, evals)``: the fine-tuning loss, one trace per split. Each split is drawn
from its own rows, so a validation loss logged every few steps is a line with markers (a
shared step index would leave it gaps between points, and no line). ``perplexity_figure``,
and for preference tuning ``margin_figure`` and ``accuracy_figure``, the same way.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from clinsum import ui


def _curve(fig: go.Figure, rows: list[dict[str, Any]], field: str, name: str, mode: str) -> None:
    """One trace of ``field`` by step from the rows that have it, hover labels from the catalogue."""
    points = [(r["step"], r[field]) for r in rows if r.get(field) is not None]
    if points:
        fig.add_scatter(x=[p[0] for p in points], y=[p[1] for p in points], mode=mode, name=name,
                        hovertemplate=f"{name}<br>{ui.t('finetune.curve.step')}: %{{x}}<br>%{{y:.4g}}<extra></extra>")


def _layout(fig: go.Figure, y_title: str, height: int) -> go.Figure:
    fig.update_layout(xaxis_title=ui.t("finetune.curve.step"), yaxis_title=y_title,
                      legend_title_text="", height=height, margin={"t": 20})
    return fig


def loss_figure(train: list[dict[str, Any]], evals: list[dict[str, Any]]) -> go.Figure:
    """Training and validation loss by step (``curves()`` rows of a fine-tuning job)."""
    fig = go.Figure()
    _curve(fig, train, "loss", ui.t("finetune.curve.train"), "lines")
    _curve(fig, evals, "eval_loss", ui.t("finetune.curve.validation"), "lines+markers")
    return _layout(fig, ui.t("finetune.metric.loss"), 320)


def perplexity_figure(evals: list[dict[str, Any]]) -> go.Figure:
    """Validation perplexity by step."""
    fig = go.Figure()
    _curve(fig, evals, "perplexity", ui.t("finetune.metric.ppl"), "lines+markers")
    return _layout(fig, ui.t("finetune.metric.ppl"), 280)


def margin_figure(train: list[dict[str, Any]], evals: list[dict[str, Any]]) -> go.Figure:
    """Preference tuning: the reward margin (chosen − rejected) on training and held-out pairs."""
    fig = go.Figure()
    _curve(fig, train, "reward_margin", ui.t("finetune.curve.train"), "lines")
    _curve(fig, evals, "reward_margin", ui.t("finetune.curve.validation"), "lines+markers")
    return _layout(fig, ui.t("preference.axis.margin"), 280)


def accuracy_figure(evals: list[dict[str, Any]]) -> go.Figure:
    """Preference tuning: held-out preference accuracy, by likelihood and by implicit reward."""
    fig = go.Figure()
    _curve(fig, evals, "preference_accuracy", ui.t("preference.series.likelihood"), "lines+markers")
    _curve(fig, evals, "reward_accuracy", ui.t("preference.series.reward"), "lines+markers")
    fig.update_yaxes(range=[0, 1])
    return _layout(fig, ui.t("preference.axis.accuracy"), 280)
