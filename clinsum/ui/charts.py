"""Plotly figures whose axis and legend labels come from the catalogue.

``loss_figure(train, evals)``: the fine-tuning loss, one trace per split. Each split is drawn
from its own rows, so a validation loss logged every few steps is a line with markers (a
shared step index would leave it gaps between points, and no line).
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from clinsum import ui


def loss_figure(train: list[dict[str, Any]], evals: list[dict[str, Any]]) -> go.Figure:
    """Training and validation loss by step (``curves()`` rows of a fine-tuning job)."""
    fig = go.Figure()
    points = [(r["step"], r["loss"]) for r in train if r.get("loss") is not None]
    if points:
        fig.add_scatter(x=[p[0] for p in points], y=[p[1] for p in points], mode="lines",
                        name=ui.t("finetune.curve.train"))
    points = [(r["step"], r["eval_loss"]) for r in evals if r.get("eval_loss") is not None]
    if points:
        fig.add_scatter(x=[p[0] for p in points], y=[p[1] for p in points], mode="lines+markers",
                        name=ui.t("finetune.curve.validation"))
    fig.update_layout(xaxis_title=ui.t("finetune.curve.step"), yaxis_title=ui.t("finetune.metric.loss"),
                      legend_title_text="", height=320, margin={"t": 20})
    return fig


def perplexity_figure(evals: list[dict[str, Any]]) -> go.Figure:
    """Validation perplexity by step."""
    points = [(r["step"], r["perplexity"]) for r in evals if r.get("perplexity") is not None]
    fig = go.Figure()
    fig.add_scatter(x=[p[0] for p in points], y=[p[1] for p in points], mode="lines+markers",
                    name=ui.t("finetune.metric.ppl"))
    fig.update_layout(xaxis_title=ui.t("finetune.curve.step"), yaxis_title=ui.t("finetune.metric.ppl"),
                      height=280, margin={"t": 20})
    return fig
