"""Metrics: one module per family behind the ``METRICS`` registry, and scoring of a workspace.

Importing this package registers the built-in families (cheap: heavy libraries such as
``bert_score`` and torch load only when a metric computes).
"""

from __future__ import annotations

from clinsum.metrics import (  # noqa: F401 - each module registers its metric
    bertscore,
    bleu,
    codes,
    evidence,
    faithfulness,
    judge,
    lexical,
    meteor,
    rouge,
)
from clinsum.metrics.base import METRICS, Metric, MetricResult, Pair, direction, get_metric

__all__ = ["METRICS", "Metric", "MetricResult", "Pair", "direction", "get_metric"]
