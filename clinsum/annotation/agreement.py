"""Inter-annotator agreement, written out from the definitions (no statistics library).

* :func:`cohen_kappa`: Cohen's kappa for two raters, unweighted or with linear/quadratic
  disagreement weights over a fixed ordered scale: ``κ = 1 − Σ w·O / Σ w·E``.
* :func:`krippendorff_alpha`: Krippendorff's alpha for any number of raters with missing
  values, via the coincidence matrix: ``α = 1 − (n − 1) Σ o·δ² / Σ n_c n_k δ²``, with the
  nominal, ordinal or interval difference function.
* :func:`percent_agreement`: share of rater pairs, over units, that gave the same value.

An undefined statistic (no variation at all, or too little data) is ``None``, never a crash.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Hashable, Sequence

WEIGHTS = ("none", "linear", "quadratic")
METRICS = ("nominal", "ordinal", "interval")


def cohen_kappa(
    a: Sequence[Hashable], b: Sequence[Hashable], categories: Sequence[Hashable], weights: str = "quadratic"
) -> float | None:
    """Weighted Cohen's kappa of two aligned rating lists over ordered ``categories``."""
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}")
    if len(a) != len(b):
        raise ValueError("both raters must rate the same items")
    n, k = len(a), len(categories)
    if n == 0 or k < 2:
        return None
    index = {c: i for i, c in enumerate(categories)}
    observed = [[0.0] * k for _ in range(k)]
    for x, y in zip(a, b, strict=True):
        observed[index[x]][index[y]] += 1 / n
    row = [sum(r) for r in observed]
    col = [sum(observed[i][j] for i in range(k)) for j in range(k)]

    def weight(i: int, j: int) -> float:
        if weights == "none":
            return 0.0 if i == j else 1.0
        d = abs(i - j) / (k - 1)
        return d if weights == "linear" else d * d

    disagree_obs = sum(weight(i, j) * observed[i][j] for i in range(k) for j in range(k))
    disagree_exp = sum(weight(i, j) * row[i] * col[j] for i in range(k) for j in range(k))
    if disagree_exp == 0:
        return None
    return 1 - disagree_obs / disagree_exp


def percent_agreement(units: Sequence[Sequence[Hashable]]) -> float | None:
    """Pairs of values within a unit that are equal, over all such pairs (units of ≥ 2 values)."""
    agree = total = 0
    for values in units:
        for x, y in itertools.combinations(values, 2):
            total += 1
            agree += x == y
    return agree / total if total else None


def krippendorff_alpha(units: Sequence[Sequence[float]], metric: str = "ordinal") -> float | None:
    """Krippendorff's alpha; ``units`` holds each item's values (missing ones left out)."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}")
    pairable = [list(u) for u in units if len(u) >= 2]
    # coincidence matrix o[c][k]: each ordered pair of values in a unit, weighted 1/(m_u − 1)
    coincidence: Counter[tuple[float, float]] = Counter()
    for values in pairable:
        m = len(values)
        for i, j in itertools.permutations(range(m), 2):
            coincidence[(values[i], values[j])] += 1 / (m - 1)
    totals: Counter[float] = Counter()
    for (c, _k), o in coincidence.items():
        totals[c] += o
    n = sum(totals.values())
    values = sorted(totals)
    if n <= 1 or len(values) < 2:
        return None
    delta = _difference(metric, values, totals)
    observed = sum(o * delta[(c, k)] for (c, k), o in coincidence.items())
    expected = sum(totals[c] * totals[k] * delta[(c, k)] for c in values for k in values)
    if expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


def _difference(metric: str, values: list[float], totals: Counter) -> dict[tuple[float, float], float]:
    """δ²(c, k) for every pair of observed values."""
    out: dict[tuple[float, float], float] = {}
    for c, k in itertools.product(values, repeat=2):
        if metric == "nominal":
            out[(c, k)] = 0.0 if c == k else 1.0
        elif metric == "interval":
            out[(c, k)] = float(c - k) ** 2
        else:  # ordinal: frequencies between c and k, half of each end
            lo, hi = sorted((values.index(c), values.index(k)))
            between = sum(totals[values[g]] for g in range(lo, hi + 1))
            out[(c, k)] = (between - (totals[c] + totals[k]) / 2) ** 2
    return out
