"""Bootstrap confidence intervals, the way ``rouge_score.scoring.BootstrapAggregator`` makes them.

For each score type (in order) and ``n_samples`` times: draw as many rows as there are, with
replacement (``RandomState.choice``), take the mean of each measure; the interval is the
``(1 - confidence) / 2`` and ``1 - (1 - confidence) / 2`` percentiles of those means, and mid
is their median. rouge-score draws from numpy's global generator; here the generator is a
``numpy.random.RandomState(seed)``, so ``np.random.seed(s)`` before rouge-score's aggregator
and ``seed=s`` here give identical numbers (types taken in the same order). Without a seed
the intervals are random, as in rouge-score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from clinsum.errors import InputError

MEASURES = ("p", "r", "f")


def _generator(seed: int | np.random.RandomState | None) -> np.random.RandomState:
    return seed if isinstance(seed, np.random.RandomState) else np.random.RandomState(seed)


def resample(matrix: np.ndarray, n_samples: int = 1000, confidence: float = 0.95,
             seed: int | np.random.RandomState | None = None) -> np.ndarray:
    """(low, mid, high) x measure for a (row, measure) matrix: rouge-score's
    ``_bootstrap_resample`` step for step."""
    if not 0 < confidence < 1 or n_samples < 1:
        raise InputError("A confidence interval needs 0 < confidence < 1 and at least one sample.",
                         hint="For example confidence 0.95 with 1000 samples.")
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    if not len(matrix):
        return np.full((3, matrix.shape[1]), np.nan)
    rng = _generator(seed)
    means = np.zeros((n_samples, matrix.shape[1]))
    rows = np.arange(matrix.shape[0])
    for i in range(n_samples):
        sample = matrix[rng.choice(rows, size=matrix.shape[0]), :]
        means[i, :] = np.mean(sample, axis=0)
    delta = (1 - confidence) / 2
    return np.percentile(means, 100 * np.array([delta, 0.5, 1 - delta]), axis=0)


def aggregate(scores: Sequence[Mapping[str, Sequence[float]]], n_samples: int = 1000,
              confidence: float = 0.95, seed: int | np.random.RandomState | None = None
              ) -> dict[str, dict[str, tuple[float, ...]]]:
    """``BootstrapAggregator``: ``scores`` is one ``{type: (p, r, f)}`` per pair (any measures);
    returns ``{type: {"low": (...), "mid": (...), "high": (...)}}``."""
    if not scores:
        return {}
    rng = _generator(seed)
    out: dict[str, dict[str, tuple[float, ...]]] = {}
    for score_type in scores[0]:
        matrix = np.vstack([tuple(s[score_type]) for s in scores])
        low, mid, high = resample(matrix, n_samples, confidence, rng)
        out[score_type] = {"low": tuple(map(float, low)), "mid": tuple(map(float, mid)),
                           "high": tuple(map(float, high))}
    return out


def rouge_intervals(values: Sequence[Mapping[str, float | None]], types: Sequence[str] | None = None,
                    n_samples: int = 1000, confidence: float = 0.95,
                    seed: int | np.random.RandomState | None = None
                    ) -> dict[str, dict[str, tuple[float, ...]]]:
    """Intervals of ROUGE results (``MetricResult.values`` dicts: ``rouge1_p`` …), per type."""
    from clinsum.metrics.rouge import ROUGE_TYPES

    types = [t for t in (types or ROUGE_TYPES) if values and f"{t}_f" in values[0]]
    scores = [{t: tuple(float(v[f"{t}_{m}"] or 0.0) for m in MEASURES) for t in types} for v in values]
    return aggregate(scores, n_samples, confidence, seed)


def summary_intervals(long: Any, by: Sequence[str], n_samples: int = 1000,
                      confidence: float = 0.95, seed: int | None = 0) -> Any:
    """Per group (``by`` columns) and metric name of a long frame (``name``, ``value``): n, mean
    and the bootstrap interval of the mean (``ci_low``, ``ci_high``); seed 0 by default, so the
    same data gives the same table."""
    import pandas as pd

    rng = _generator(seed)
    rows: list[dict[str, Any]] = []
    data = long.dropna(subset=["value"])
    keys = [*by, "name"]
    for key, group in data.groupby(keys, sort=True, dropna=False):
        low, _, high = resample(group["value"].to_numpy(), n_samples, confidence, rng)[:, 0]
        rows.append({**dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True)),
                     "n": len(group), "mean": float(group["value"].mean()),
                     "ci_low": float(low), "ci_high": float(high)})
    return pd.DataFrame(rows, columns=[*keys, "n", "mean", "ci_low", "ci_high"])
