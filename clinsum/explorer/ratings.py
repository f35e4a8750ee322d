"""Physician ratings beside automatic metrics: which metric agrees with the doctors?

Ratings are the numeric fields of ``annotations.scores`` on rated references and generations
(pairwise judgements are comparisons, not ratings, and are left out), averaged over
annotators; ``overall_mean`` is the mean of an annotation's numeric criteria. PDSQI-9
ratings count for the item they rate, as criteria ``pdsqi_<item>`` and ``pdsqi_mean``.
"""

from __future__ import annotations

import pandas as pd

from clinsum.store import Store, from_json


def ratings(store: Store) -> pd.DataFrame:
    """One row per rated item and criterion: item_kind, item_id, criterion, rating, n_annotators."""
    rows = store.fetch_dicts(
        "SELECT item_kind, item_id, scores, details FROM annotations"
        " WHERE item_kind IN ('reference', 'generation', 'pdsqi') AND scores IS NOT NULL"
    )
    flat = []
    for row in rows:
        scores = from_json(row["scores"])
        if not isinstance(scores, dict):
            continue
        kind, prefix, mean = row["item_kind"], "", "overall_mean"
        if kind == "pdsqi":
            kind = (from_json(row["details"]) or {}).get("target_kind", "reference")
            prefix, mean = "pdsqi_", "pdsqi_mean"
        numeric = {prefix + k: float(v) for k, v in scores.items()
                   if isinstance(v, int | float) and not isinstance(v, bool)}
        if numeric:
            numeric[mean] = sum(numeric.values()) / len(numeric)
        flat += [(kind, row["item_id"], c, v) for c, v in numeric.items()]
    df = pd.DataFrame(flat, columns=["item_kind", "item_id", "criterion", "rating"])
    if df.empty:
        return df.assign(n_annotators=pd.Series(dtype=int))
    return (df.groupby(["item_kind", "item_id", "criterion"], as_index=False)
              .agg(rating=("rating", "mean"), n_annotators=("rating", "size")))


def metric_rating_pairs(store: Store) -> pd.DataFrame:
    """Each rated item's current metric values beside its ratings (item × criterion × metric)."""
    rated = ratings(store)
    columns = ["item_kind", "item_id", "criterion", "rating", "n_annotators", "name", "value"]
    if rated.empty:
        return pd.DataFrame(columns=columns)
    items = rated[["item_kind", "item_id"]].drop_duplicates()
    with store.connect(read_only=True) as con:  # list parameters: see records.ingest._existing
        values = con.execute(
            "WITH r AS (SELECT unnest(?::VARCHAR[]) AS item_kind, unnest(?::VARCHAR[]) AS item_id)"
            " SELECT m.target_kind AS item_kind, m.target_id AS item_id, m.name,"
            " arg_max_null(m.value, {'t': m.computed_at, 'v': m.metric_version}) AS value"
            " FROM metrics m JOIN r ON m.target_kind = r.item_kind AND m.target_id = r.item_id"
            " GROUP BY ALL", [items["item_kind"].astype(str).tolist(), items["item_id"].astype(str).tolist()],
        ).df()
    return rated.merge(values.dropna(subset=["value"]), on=["item_kind", "item_id"])[columns]


def rating_correlation(store: Store) -> pd.DataFrame:
    """Spearman correlation of each metric with each rating criterion, with the item count n.

    Where fewer than 3 items, or constant values or ratings, make it undefined, it is NaN.
    """
    pairs = metric_rating_pairs(store)
    out = []
    for (name, criterion), group in pairs.groupby(["name", "criterion"]):
        varied = len(group) >= 3 and group["value"].nunique() > 1 and group["rating"].nunique() > 1
        rho = group["value"].corr(group["rating"], method="spearman") if varied else float("nan")
        out.append({"name": name, "criterion": criterion, "n": len(group), "spearman": rho})
    return pd.DataFrame(out, columns=["name", "criterion", "n", "spearman"])
