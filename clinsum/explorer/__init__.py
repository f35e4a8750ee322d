"""The metric explorer: filtered views of generations and their metrics, on DuckDB.

``from clinsum import explorer as ex``; then ``ex.summary(store, "model", ["rouge1_f"])``,
``ex.pareto(store, "rouge1_f")``, ``ex.run_sql(store, "SELECT …")``, ``ex.export(df, path)``.
The page and ``clinsum explore`` / ``clinsum sql`` call the same functions, so every number
on the page can be reproduced from the command line.
"""

from clinsum.explorer.cube import cube, forget
from clinsum.explorer.export import EXPORT_FORMATS, export, export_bytes, read_export
from clinsum.explorer.filters import ALL, DIMENSIONS, Filters, check_dimension
from clinsum.explorer.ratings import metric_rating_pairs, rating_correlation, ratings
from clinsum.explorer.sql import SqlResult, check_read_only, run_sql
from clinsum.explorer.views import (
    correlation,
    count_scored,
    current_values,
    direction,
    filter_options,
    has_scores,
    histogram,
    long_view,
    matrix,
    metric_names,
    pair_at,
    pareto,
    pareto_front,
    records_with_generations,
    summary,
    temperature_table,
    time_by,
    wide_view,
)

__all__ = [
    "ALL", "DIMENSIONS", "EXPORT_FORMATS", "Filters", "SqlResult", "check_dimension",
    "check_read_only", "correlation", "count_scored", "current_values", "pair_at", "cube", "direction", "export", "export_bytes",
    "filter_options", "forget", "has_scores", "histogram", "long_view", "matrix",
    "metric_names", "metric_rating_pairs", "pareto", "pareto_front", "rating_correlation",
    "ratings", "read_export", "records_with_generations", "run_sql", "summary", "temperature_table", "time_by", "wide_view",
]
