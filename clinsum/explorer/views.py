"""Explorer views: each one a DataFrame over the filtered generations and their current values.

Every view runs on the workspace's :mod:`cube <clinsum.explorer.cube>`; inside a view's SQL,
``gen`` is the filtered generations and ``cur`` their current metric values
``(gi, name, metric, value)``, joined ``USING (gi)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from clinsum.errors import InputError
from clinsum.explorer.cube import cube
from clinsum.explorer.filters import ALL, DIMENSIONS, Filters, check_dimension
from clinsum.store import Store

GEN_COLUMNS = ("generation_id", "record_id", "backend", "model", "adapter", "strategy",
               "temperature", "decoding", "total_seconds", "created_at")
LOWER_IS_BETTER_HINTS = ("repetition", "unsupported", "flag", "hallucinat", "error", "seconds")


def _run(
    store: Store, sql: str, params: list[Any], filters: Filters,
    names: Sequence[str] | None = None, with_metrics: bool = True,
) -> pd.DataFrame:
    """``WITH gen AS (...), cur AS (...) <sql>`` on the cube; ``sql`` may add CTEs after a comma."""
    c = cube(store)
    where, cte_params = filters.where("g")
    ctes = [f"gen AS (SELECT * FROM gen_all g WHERE {where})"]
    if with_metrics:
        if names is None:
            keys = sorted(c.names.values())
        else:
            keys = [c.names[n] for n in names if n in c.names]
        listed = ", ".join(str(k) for k in keys) or "NULL"
        ctes.append(
            "cur AS (SELECT c.gi, n.name, n.metric, c.value FROM cur_all c"
            f" JOIN names_all n USING (k) WHERE c.k IN ({listed}))"
        )
    return c.query("WITH " + ", ".join(ctes) + " " + sql.lstrip(), cte_params + params)


# -- what there is ---------------------------------------------------------------------------
def metric_names(store: Store) -> pd.DataFrame:
    """Metric values scored on generations: family (``metric``), ``name``, generations (``n``)."""
    return cube(store).query("SELECT metric, name, n FROM names_all ORDER BY metric, name")


def has_scores(store: Store) -> bool:
    """Whether any generation has a stored metric value."""
    return bool(cube(store).names)


def filter_options(store: Store) -> dict[str, Any]:
    """Distinct values of every filter (successful generations only), for the page's widgets."""
    c = cube(store)
    out: dict[str, Any] = {}
    for column in ("model", "strategy", "temperature", "decoding", "backend", "source"):
        df = c.query(f"SELECT DISTINCT {column} AS v FROM gen_all WHERE NOT failed"
                     f" AND {column} IS NOT NULL ORDER BY 1")
        out[column] = df["v"].tolist()
    dates = c.query("SELECT min(created_at) AS lo, max(created_at) AS hi FROM gen_all")
    out["dates"] = (dates["lo"].iloc[0], dates["hi"].iloc[0])
    return out


def records_with_generations(store: Store, filters: Filters = ALL) -> list[str]:
    """Ids of records with at least one successful generation matching ``filters``."""
    df = _run(store, "SELECT DISTINCT record_id FROM gen ORDER BY record_id", [], filters,
              with_metrics=False)
    return df["record_id"].tolist()


def current_values(store: Store, generation_ids: Sequence[str]) -> pd.DataFrame:
    """The current metric values (generation_id, metric, name, value) of some generations."""
    if not generation_ids:
        return pd.DataFrame(columns=["generation_id", "metric", "name", "value"])
    marks = ", ".join("?" for _ in generation_ids)
    return cube(store).query(
        "SELECT g.generation_id, n.metric, n.name, c.value FROM gen_all g JOIN cur_all c USING (gi)"
        f" JOIN names_all n USING (k) WHERE g.generation_id IN ({marks}) ORDER BY n.name",
        list(generation_ids),
    )


def pair_at(
    store: Store, metric: str, order: str = "asc", offset: int = 0, filters: Filters = ALL
) -> dict[str, Any] | None:
    """The (generation_id, record_id, value) at ``offset`` when the filtered generations are
    sorted by ``metric`` (``asc`` or ``desc``; ties by generation id); None past the end."""
    if order not in ("asc", "desc"):
        raise InputError(f"Unknown order {order!r}.", hint="Use asc or desc.")
    df = _run(
        store,
        "SELECT gen.generation_id, gen.record_id, cur.value FROM gen JOIN cur USING (gi)"
        f" WHERE cur.value IS NOT NULL ORDER BY cur.value {order}, gen.generation_id"
        " LIMIT 1 OFFSET ?", [int(offset)], filters, [metric],
    )
    return None if df.empty else df.iloc[0].to_dict()


def count_scored(store: Store, metric: str, filters: Filters = ALL) -> int:
    """How many filtered generations have a value of ``metric``."""
    df = _run(store, "SELECT count(*) AS n FROM gen JOIN cur USING (gi) WHERE cur.value IS NOT NULL",
              [], filters, [metric])
    return int(df["n"].iloc[0])


def direction(name: str) -> int:
    """+1 where a higher value of metric ``name`` is better, -1 where lower is, 0 if neither.

    Asks the metrics registry (:func:`clinsum.metrics.base.direction`); where that is not
    importable or does not know the name, names about repetition, unsupported content, flags
    or time count as lower-better and the rest as higher-better.
    """
    try:
        from clinsum.metrics.base import direction as registered
        from clinsum.metrics.base import get_metric  # noqa: F401 - proves the package imports

        known = registered(name)
    except Exception:  # noqa: BLE001 - the metrics engine may be absent or broken
        known = None
    if known in ("higher", "lower"):
        return 1 if known == "higher" else -1
    if known == "neutral" and _is_registered(name):
        return 0
    return -1 if any(h in name.lower() for h in LOWER_IS_BETTER_HINTS) else 1


def _is_registered(name: str) -> bool:
    try:
        from clinsum.metrics.base import METRICS

        return any(name in cls.directions for _, cls in METRICS.items())
    except Exception:  # noqa: BLE001
        return False


# -- views -----------------------------------------------------------------------------------
def long_view(
    store: Store, filters: Filters = ALL, names: Sequence[str] | None = None, limit: int | None = None
) -> pd.DataFrame:
    """One row per (generation, metric value): the generation's settings, metric, name, value."""
    cols = ", ".join(f"gen.{c}" for c in GEN_COLUMNS)
    sql = (f"SELECT {cols}, cur.metric, cur.name, cur.value FROM gen JOIN cur USING (gi)"
           " ORDER BY gen.gi, cur.name")
    params: list[Any] = []
    if limit:
        sql += " LIMIT ?"
        params.append(int(limit))
    return _run(store, sql, params, filters, names)


def wide_view(
    store: Store, filters: Filters = ALL, names: Sequence[str] | None = None,
    with_settings: bool = True,
) -> pd.DataFrame:
    """One row per scored generation: its settings (unless not ``with_settings``), then one
    column per metric name."""
    c = cube(store)
    names = [n for n in (names or sorted(c.names)) if n in c.names]
    if not names:
        return pd.DataFrame(columns=[*GEN_COLUMNS])
    c.ensure_wide()
    where, params = filters.where("g")
    cols = ", ".join(f"g.{col}" for col in GEN_COLUMNS) if with_settings else "g.gi"
    values = ", ".join(f"w.m{c.names[n]} AS {_ident(n)}" for n in names)
    any_value = " OR ".join(f"w.m{c.names[n]} IS NOT NULL" for n in names)
    return c.query(
        f"SELECT {cols}, {values} FROM gen_all g JOIN wide_all w USING (gi)"
        f" WHERE {where} AND ({any_value}) ORDER BY g.gi", params,
    )


def summary(
    store: Store, by: str | Sequence[str] = "model", names: Sequence[str] | None = None,
    filters: Filters = ALL,
) -> pd.DataFrame:
    """Per group and metric name: n, mean, sd (sample), min, median, max."""
    dims = [check_dimension(b) for b in ([by] if isinstance(by, str) else by)]
    group = ", ".join(f"gen.{d}" for d in dims)
    sql = (
        f"SELECT {group}, cur.name, count(cur.value) AS n, avg(cur.value) AS mean,"
        " stddev_samp(cur.value) AS sd, min(cur.value) AS min, median(cur.value) AS median,"
        " max(cur.value) AS max"
        f" FROM gen JOIN cur USING (gi) GROUP BY {group}, cur.name ORDER BY cur.name, {group}"
    )
    return _run(store, sql, [], filters, names)


def temperature_table(
    store: Store, names: Sequence[str] | None = None, filters: Filters = ALL
) -> pd.DataFrame:
    """Mean of each metric (columns) per temperature (rows)."""
    long = summary(store, "temperature", names, filters)
    if long.empty:
        return pd.DataFrame()
    table = long.pivot_table(index="temperature", columns="name", values="mean", dropna=False)
    table.columns.name = None
    return table.reset_index()


def matrix(
    store: Store, metric: str, rows: str = "model", cols: str = "strategy", filters: Filters = ALL
) -> pd.DataFrame:
    """Mean of ``metric`` per (``rows`` × ``cols``): ``rows`` values as index, ``cols`` as columns."""
    long = summary(store, [rows, cols], [metric], filters)
    if long.empty:
        return pd.DataFrame()
    table = long.pivot_table(index=rows, columns=cols, values="mean", dropna=False)
    table.columns = [str(c) for c in table.columns]
    return table


def time_by(store: Store, by: str = "model", filters: Filters = ALL) -> pd.DataFrame:
    """Inference time (``total_seconds``) per group: n, mean, sd (sample), min, max."""
    dim = check_dimension(by)
    sql = (
        f"SELECT {dim}, count(total_seconds) AS n, avg(total_seconds) AS mean_s,"
        " stddev_samp(total_seconds) AS sd_s, min(total_seconds) AS min_s,"
        f" max(total_seconds) AS max_s FROM gen WHERE total_seconds IS NOT NULL"
        f" GROUP BY {dim} ORDER BY mean_s"
    )
    return _run(store, sql, [], filters, with_metrics=False)


def pareto(
    store: Store, metric: str, by: Sequence[str] = ("model", "strategy"), filters: Filters = ALL,
    higher_is_better: bool | None = None,
) -> pd.DataFrame:
    """Mean quality and mean time per configuration; ``on_front`` marks the Pareto front.

    A configuration is on the front when no other one is at least as fast and at least as good,
    and strictly better in one of the two (quality direction from :func:`direction`).
    """
    dims = [check_dimension(b) for b in by]
    group = ", ".join(f"gen.{d}" for d in dims)
    sql = (
        f"SELECT {group}, count(*) AS n, avg(cur.value) AS quality, avg(gen.total_seconds) AS seconds"
        " FROM gen JOIN cur USING (gi) WHERE cur.value IS NOT NULL AND gen.total_seconds IS NOT NULL"
        f" GROUP BY {group} ORDER BY seconds"
    )
    df = _run(store, sql, [], filters, [metric])
    sign = (direction(metric) or 1) if higher_is_better is None else (1 if higher_is_better else -1)
    df["on_front"] = pareto_front(df["seconds"].tolist(), (df["quality"] * sign).tolist())
    return df


def pareto_front(costs: Sequence[float], gains: Sequence[float]) -> list[bool]:
    """Which points no other point dominates (lower cost and higher gain are better)."""
    points = list(zip(costs, gains, strict=True))
    return [
        not any(c2 <= c and g2 >= g and (c2 < c or g2 > g) for c2, g2 in points)
        for c, g in points
    ]


def histogram(
    store: Store, metric: str, bins: int = 30, by: str | None = None, filters: Filters = ALL
) -> pd.DataFrame:
    """Counts of ``metric`` values in ``bins`` equal-width bins (optionally per group)."""
    if not 1 <= bins <= 1000:
        raise InputError("A histogram needs between 1 and 1000 bins.")
    grp = f"{check_dimension(by)}, " if by else ""
    sql = (
        f", vals AS (SELECT {'gen.' + grp if by else ''}cur.value AS v"
        " FROM gen JOIN cur USING (gi) WHERE cur.value IS NOT NULL),"
        " lim AS (SELECT min(v) AS lo, max(v) AS hi FROM vals)"
        f" SELECT {grp}b AS bin, any_value(lo) + b * (any_value(hi) - any_value(lo)) / ? AS bin_start,"
        " any_value(lo) + (b + 1) * (any_value(hi) - any_value(lo)) / ? AS bin_end, count(*) AS count"
        f" FROM (SELECT {grp}CASE WHEN hi = lo THEN 0 ELSE"
        " least(CAST(floor((v - lo) / (hi - lo) * ?) AS INTEGER), ? - 1) END AS b, lo, hi"
        f" FROM vals, lim) GROUP BY {grp}b ORDER BY {grp}b"
    )
    return _run(store, sql, [bins, bins, bins, bins], filters, [metric])


def correlation(
    store: Store, names: Sequence[str] | None = None, method: str = "spearman", filters: Filters = ALL
) -> pd.DataFrame:
    """Metric-to-metric correlation matrix (``spearman``, ``pearson`` or ``kendall``)."""
    if method not in ("spearman", "pearson", "kendall"):
        raise InputError(f"Unknown correlation method {method!r}.", hint="Use spearman or pearson.")
    wide = wide_view(store, filters, names, with_settings=False)
    value_cols = [c for c in wide.columns if c != "gi"]
    if len(wide) < 2 or not value_cols:
        return pd.DataFrame()
    values = wide[value_cols].astype(float)
    if method == "kendall" or values.isna().to_numpy().any():
        return values.corr(method=method)  # pairwise-complete observations
    data = values.rank().to_numpy() if method == "spearman" else values.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix_ = np.corrcoef(data, rowvar=False)
    return pd.DataFrame(np.atleast_2d(matrix_), index=value_cols, columns=value_cols)


def _ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


__all__ = [
    "DIMENSIONS", "direction", "records_with_generations", "current_values", "pair_at",
    "count_scored", "metric_names", "has_scores", "filter_options", "long_view",
    "wide_view", "summary", "temperature_table", "matrix", "time_by", "pareto", "pareto_front",
    "histogram", "correlation",
]
