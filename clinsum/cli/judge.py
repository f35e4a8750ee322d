"""``clinsum judge calibration``: agreement between the LLM judge and physicians per criterion."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    from clinsum.cli import open_store

    p = sub.add_parser("judge", help="LLM judge: calibration against physician ratings")
    judge_sub = p.add_subparsers(dest="judge_command", metavar="SUBCOMMAND", required=True)
    c = judge_sub.add_parser("calibration", help="ICC, weighted kappa and Spearman (with bootstrap "
                                                 "95%% intervals) of judge scores vs physicians")
    c.add_argument("--threshold", type=float, default=None, help="ICC a criterion must reach (default: saved, 0.80)")
    c.add_argument("--min-items", type=int, default=None, help="items rated by both needed (default: saved, 20)")
    c.add_argument("--save", action="store_true", help="keep --threshold/--min-items for this workspace")
    c.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (default 1000)")
    c.add_argument("--json", action="store_true", help="print JSON instead of a table")
    c.set_defaults(func=lambda a: _calibration(open_store(a), a))


def _fmt(row: dict, name: str) -> str:
    value, lo, hi = row[name], row[f"{name}_lo"], row[f"{name}_hi"]
    if value is None:
        return "-"
    return f"{value:.3f}" + (f" [{lo:.2f}, {hi:.2f}]" if lo is not None else "")


def _calibration(store, args: argparse.Namespace) -> int:
    from clinsum.annotation import calibration as cal
    from clinsum.cli.output import print_table

    if args.save:
        current = cal.get_settings(store)
        cal.set_settings(store, current["threshold"] if args.threshold is None else args.threshold,
                         current["min_items"] if args.min_items is None else args.min_items)
    rows = cal.judge_calibration(store, args.threshold, args.min_items, n_boot=args.bootstrap)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    settings = cal.get_settings(store)
    threshold = settings["threshold"] if args.threshold is None else args.threshold
    min_items = settings["min_items"] if args.min_items is None else args.min_items
    print(f"calibrated when ICC >= {threshold:.2f} on at least {min_items} items rated by judge and physicians")
    table = [{"judge": r["judge"], "physicians": r["criterion"], "n": r["n"], "icc": _fmt(r, "icc"),
              "kappa_q": _fmt(r, "kappa"), "spearman": _fmt(r, "spearman"),
              "status": r["status"].replace("_", " ")} for r in rows]
    print_table(table, ["judge", "physicians", "n", "icc", "kappa_q", "spearman", "status"])
    if not rows:
        print("no item has both judge scores and physician ratings yet "
              "(clinsum score --judge-backend ... ; rate on the Annotation page)")
    return 0
