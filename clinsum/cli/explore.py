"""Explorer commands: ``clinsum explore VIEW`` (every table of the explorer page) and the
read-only ``clinsum sql "SELECT …"``."""

from __future__ import annotations

import argparse
import sys
from datetime import date

import pandas as pd

from clinsum import explorer as ex
from clinsum.cli.output import print_table
from clinsum.errors import InputError

VIEWS = ("summary", "temperature", "matrix", "time", "pareto", "histogram", "correlation",
         "ratings", "wide", "long", "names")


def register(sub: argparse._SubParsersAction) -> None:
    from clinsum.cli import open_store

    p = sub.add_parser("explore", help="metric tables of the explorer page (by model, strategy, ...)")
    p.add_argument("view", nargs="?", default="summary", choices=VIEWS,
                   help="which table (default: summary)")
    p.add_argument("--by", action="append", choices=ex.DIMENSIONS,
                   help="group by (repeat for several; default: model)")
    p.add_argument("--metric", default=None, help="metric value name, e.g. rouge1_f")
    p.add_argument("--bins", type=int, default=30, help="histogram bins")
    p.add_argument("--method", default="spearman", choices=["spearman", "pearson", "kendall"])
    p.add_argument("--limit", type=int, default=None, help="long view: at most this many rows")
    for name in ("model", "strategy", "decoding", "backend", "source", "record"):
        p.add_argument(f"--{name}", action="append", default=[], help=f"only this {name} (repeatable)")
    p.add_argument("--temperature", action="append", type=float, default=[], help="only this temperature")
    p.add_argument("--since", type=date.fromisoformat, default=None, help="from this date (YYYY-MM-DD)")
    p.add_argument("--until", type=date.fromisoformat, default=None, help="up to this date, inclusive")
    p.add_argument("--ci", action="store_true",
                   help="summary: add ci_low/ci_high, the bootstrap interval of each mean "
                        "(rouge-score's BootstrapAggregator scheme)")
    p.add_argument("--ci-samples", type=int, default=1000, help="bootstrap samples (default 1000)")
    p.add_argument("--ci-seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--confidence", type=float, default=0.95, help="interval level (default 0.95)")
    _output_args(p)
    p.set_defaults(func=lambda a: _explore(open_store(a), a))

    p = sub.add_parser("sql", help="run one read-only SQL query on the workspace")
    p.add_argument("query", help='one SELECT statement, e.g. "SELECT count(*) FROM metrics"')
    p.add_argument("--max-rows", type=int, default=10_000)
    p.add_argument("--max-bytes", type=int, default=ex.sql.MAX_BYTES,
                   help="stop the result at about this many bytes (default 50 MB)")
    p.add_argument("--timeout", type=float, default=30.0, help="stop the query after this many seconds")
    _output_args(p)
    p.set_defaults(func=lambda a: _sql(open_store(a), a))


def _output_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["table", *ex.EXPORT_FORMATS], default=None,
                   help="table (default on screen), csv, or parquet (needs --out)")
    p.add_argument("--out", default=None, help="write to this file instead of the screen")


def filters_from(args: argparse.Namespace) -> ex.Filters:
    return ex.Filters(models=args.model, strategies=args.strategy, temperatures=args.temperature,
                      decodings=args.decoding, backends=args.backend, record_ids=args.record,
                      sources=args.source, since=args.since, until=args.until)


def view_frame(store, args: argparse.Namespace) -> pd.DataFrame:
    """The DataFrame of ``args.view``: the same function the explorer page calls."""
    f = filters_from(args)
    by = args.by or ["model"]
    names = [args.metric] if args.metric else None
    view = args.view
    if view in ("matrix", "pareto", "histogram") and not args.metric:
        raise InputError(f"The {view} view needs --metric.", hint="For example --metric rouge1_f.")
    if view == "summary":
        frame = ex.summary(store, by, names, f)
        if getattr(args, "ci", False) and not frame.empty:
            from clinsum.metrics.bootstrap import summary_intervals

            ci = summary_intervals(ex.long_view(store, f, names), by, args.ci_samples,
                                   args.confidence, args.ci_seed)
            frame = frame.merge(ci[[*by, "name", "ci_low", "ci_high"]], on=[*by, "name"], how="left")
        return frame
    if view == "temperature":
        return ex.temperature_table(store, names, f)
    if view == "matrix":
        rows, cols = (by + ["strategy"])[:2] if len(by) >= 2 else ("model", "strategy")
        return ex.matrix(store, args.metric, rows, cols, f).reset_index()
    if view == "time":
        return ex.time_by(store, by[0], f)
    if view == "pareto":
        return ex.pareto(store, args.metric, args.by or ("model", "strategy"), f)
    if view == "histogram":
        return ex.histogram(store, args.metric, args.bins, args.by[0] if args.by else None, f)
    if view == "correlation":
        return ex.correlation(store, None, args.method, f).reset_index(names="metric")
    if view == "ratings":
        return ex.rating_correlation(store)
    if view == "wide":
        return ex.wide_view(store, f, names)
    if view == "long":
        return ex.long_view(store, f, names, args.limit)
    return ex.metric_names(store)


def _explore(store, args: argparse.Namespace) -> int:
    return _emit(view_frame(store, args), args)


def _sql(store, args: argparse.Namespace) -> int:
    result = ex.run_sql(store, args.query, max_rows=args.max_rows, timeout_s=args.timeout,
                        max_bytes=args.max_bytes)
    code = _emit(result.df, args)
    if result.truncated:
        print(result.note, file=sys.stderr)
    return code


def _emit(df: pd.DataFrame, args: argparse.Namespace) -> int:
    if args.out:
        path = ex.export(df, args.out, args.format if args.format in ex.EXPORT_FORMATS else None)
        print(f"wrote {len(df)} row(s) to {path}")
        return 0
    if args.format == "parquet":
        raise InputError("Parquet output needs a file.", hint="Add --out FILE.parquet.")
    if args.format == "csv":
        sys.stdout.write(df.to_csv(index=False))
        return 0
    rows = [{c: _fmt(v) for c, v in row.items()} for row in df.to_dict("records")]
    print_table(rows, [str(c) for c in df.columns])
    return 0


def _fmt(value: object) -> object:
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:.4f}"
    return value
