"""Judge calibration: does the LLM judge agree with physicians, criterion by criterion?

For each judge value with a physician counterpart (:data:`PAIRS`), over the items both rated
(physicians averaged): ICC(A,1) (two-way random effects, absolute agreement, single rater;
Shrout & Fleiss ICC(2,1)), quadratic-weighted Cohen's κ (scores rounded to the 1–5 scale,
:func:`clinsum.annotation.agreement.cohen_kappa`) and Spearman's ρ, each with a percentile
bootstrap confidence interval over items. A judge criterion is *calibrated* once at least
``min_items`` items are rated by both and the ICC reaches ``threshold`` (defaults 20 and 0.80,
set per workspace with :func:`set_settings`); until then its scores carry a "not calibrated"
mark.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from clinsum.annotation.agreement import cohen_kappa
from clinsum.annotation.rubric import PDSQI9_NAMES
from clinsum.errors import InputError
from clinsum.store import Store, from_json, to_json

DEFAULT_THRESHOLD = 0.80
DEFAULT_MIN_ITEMS = 20
SETTINGS_KEY = "judge_calibration"
SCALE = (1, 2, 3, 4, 5)
#: judge value name -> physician criterion it is compared with
PAIRS: dict[str, str] = {
    "judge_correctness": "accuracy", "judge_completeness": "completeness",
    "judge_conciseness": "pdsqi_succinct", "judge_mean": "overall_mean",
    **{f"judge_pdsqi_{name}": f"pdsqi_{name}" for name in PDSQI9_NAMES},
    "judge_pdsqi_mean": "pdsqi_mean",
}
STATUSES = ("calibrated", "not_calibrated", "too_few")


# -- statistics ---------------------------------------------------------------------------------
def icc_a1(a: Sequence[float], b: Sequence[float]) -> float | None:
    """ICC(A,1) of two raters over the same items; None when undefined (n < 2, no variance)."""
    n, k = len(a), 2
    if n < 2 or len(b) != n:
        return None
    rows = [(x + y) / 2 for x, y in zip(a, b, strict=True)]
    grand = sum(rows) / n
    cols = [sum(a) / n, sum(b) / n]
    ss_rows = k * sum((r - grand) ** 2 for r in rows)
    ss_cols = n * sum((c - grand) ** 2 for c in cols)
    ss_total = sum((x - grand) ** 2 for pair in zip(a, b, strict=True) for x in pair)
    ss_error = ss_total - ss_rows - ss_cols
    msr, msc = ss_rows / (n - 1), ss_cols / (k - 1)
    mse = ss_error / ((n - 1) * (k - 1))
    denominator = msr + (k - 1) * mse + k * (msc - mse) / n
    if denominator <= 0:
        return None
    return (msr - mse) / denominator


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for m in range(i, j + 1):
            ranks[order[m]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Spearman's ρ (Pearson correlation of average ranks); None when a side is constant."""
    if len(a) < 3:
        return None
    ra, rb = _ranks(a), _ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    va, vb = sum((x - ma) ** 2 for x in ra), sum((y - mb) ** 2 for y in rb)
    return cov / math.sqrt(va * vb) if va > 0 and vb > 0 else None


def weighted_kappa(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Quadratic-weighted κ after rounding both sides to the 1–5 scale."""
    def clip(x: float) -> int:
        return min(5, max(1, int(math.floor(x + 0.5))))

    return cohen_kappa([clip(x) for x in a], [clip(y) for y in b], SCALE, "quadratic")


def bootstrap_ci(stat: Callable[[Sequence[float], Sequence[float]], float | None],
                 a: Sequence[float], b: Sequence[float], n_boot: int = 1000, level: float = 0.95,
                 seed: int = 0) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval of ``stat`` over items (resampled with replacement)."""
    n = len(a)
    if n < 3 or n_boot < 10:
        return None, None
    rng = random.Random(seed)
    values = []
    for _ in range(n_boot):
        picks = [rng.randrange(n) for _ in range(n)]
        value = stat([a[i] for i in picks], [b[i] for i in picks])
        if value is not None:
            values.append(value)
    if len(values) < n_boot // 2:
        return None, None
    values.sort()
    lo = values[int((1 - level) / 2 * (len(values) - 1))]
    hi = values[int((1 + level) / 2 * (len(values) - 1))]
    return lo, hi


# -- settings -----------------------------------------------------------------------------------
def get_settings(store: Store) -> dict[str, float]:
    """``{"threshold", "min_items"}`` of this workspace (defaults where unset)."""
    row = store.fetch_one("SELECT value FROM annotation_settings WHERE key = ?", [SETTINGS_KEY])
    saved = from_json(row["value"]) if row else {}
    return {"threshold": float(saved.get("threshold", DEFAULT_THRESHOLD)),
            "min_items": int(saved.get("min_items", DEFAULT_MIN_ITEMS))}


def set_settings(store: Store, threshold: float, min_items: int) -> dict[str, float]:
    """Set the ICC a judge criterion must reach, on at least ``min_items`` items."""
    if not -1 <= float(threshold) <= 1:
        raise InputError(f"The ICC threshold must be between -1 and 1, not {threshold}.")
    if int(min_items) < 3:
        raise InputError("At least 3 rated items are needed to measure agreement.")
    value = {"threshold": float(threshold), "min_items": int(min_items)}
    store.execute("INSERT INTO annotation_settings (key, value) VALUES (?, ?)"
                  " ON CONFLICT (key) DO UPDATE SET value = excluded.value", [SETTINGS_KEY, to_json(value)])
    return value


# -- the report ---------------------------------------------------------------------------------
def agreement(judge: Sequence[float], physician: Sequence[float], n_boot: int = 1000,
              seed: int = 0) -> dict[str, Any]:
    """ICC, weighted κ and Spearman with bootstrap intervals for two aligned score lists."""
    out: dict[str, Any] = {"n": len(judge)}
    for name, stat in (("icc", icc_a1), ("kappa", weighted_kappa), ("spearman", spearman)):
        out[name] = stat(judge, physician)
        out[f"{name}_lo"], out[f"{name}_hi"] = bootstrap_ci(stat, judge, physician, n_boot, seed=seed)
    return out


def status_of(row: dict[str, Any], threshold: float, min_items: int) -> str:
    if row["n"] < min_items:
        return "too_few"
    return "calibrated" if row["icc"] is not None and row["icc"] >= threshold else "not_calibrated"


def judge_calibration(store: Store, threshold: float | None = None, min_items: int | None = None,
                      n_boot: int = 1000, seed: int = 0) -> list[dict[str, Any]]:
    """One row per judge value with physician ratings to compare: ``judge``, ``criterion``,
    ``n``, ``icc``/``kappa``/``spearman`` with ``_lo``/``_hi``, ``status``, ``threshold``,
    ``min_items``. Judge values are each item's newest (any judge model and prompt)."""
    from clinsum.explorer.ratings import metric_rating_pairs

    settings = get_settings(store)
    threshold = settings["threshold"] if threshold is None else float(threshold)
    min_items = settings["min_items"] if min_items is None else int(min_items)
    pairs = metric_rating_pairs(store)
    out = []
    for judge_name, criterion in PAIRS.items():
        group = pairs[(pairs["name"] == judge_name) & (pairs["criterion"] == criterion)]
        if group.empty:
            continue
        row = {"judge": judge_name, "criterion": criterion,
               **agreement(group["value"].tolist(), group["rating"].tolist(), n_boot, seed)}
        row.update(status=status_of(row, threshold, min_items), threshold=threshold, min_items=min_items)
        out.append(row)
    return out


def judge_status(store: Store, rows: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """Calibration status by judge value name; every judge value without enough data is
    ``too_few`` (so it is marked "not calibrated")."""
    rows = judge_calibration(store, n_boot=0) if rows is None else rows
    status = {name: "too_few" for name in PAIRS}
    status.update({r["judge"]: r["status"] for r in rows})
    return status
