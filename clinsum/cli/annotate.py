"""``clinsum annotate``: agreement statistics, progress, pairwise items, overlap, exports."""

from __future__ import annotations

import argparse
import json

from clinsum.cli.output import print_table


def register(sub: argparse._SubParsersAction) -> None:
    from clinsum.cli import open_store

    p = sub.add_parser("annotate", help="expert annotation: agreement, progress, exports")
    asub = p.add_subparsers(dest="annotate_command", metavar="ACTION", required=True)

    q = asub.add_parser("stats", help="inter-annotator agreement (kappa per pair, alpha, percent)")
    q.add_argument("--kind", choices=["reference", "pairwise"], default="reference")
    q.add_argument("--json", action="store_true", help="the whole report as JSON")
    q.set_defaults(func=lambda a: _stats(open_store(a), a.kind, a.json))

    q = asub.add_parser("progress", help="items assigned, done and left per annotator")
    q.add_argument("--kind", choices=["reference", "pairwise"], default="reference")
    q.set_defaults(func=lambda a: _progress(open_store(a), a.kind))

    q = asub.add_parser("overlap", help="show or set how many annotators see each item")
    q.add_argument("k", nargs="?", type=int, default=None)
    q.set_defaults(func=lambda a: _overlap(open_store(a), a.k))

    q = asub.add_parser("pairs", help="make blinded pairwise items from stored generations")
    q.add_argument("--mode", choices=["reference_vs_generation", "generations"],
                   default="reference_vs_generation")
    q.add_argument("--seed", type=int, default=None, help="seed for the shown order (default: random)")
    q.add_argument("--max-per-record", type=int, default=None)
    q.set_defaults(func=lambda a: _pairs(open_store(a), a))

    q = asub.add_parser("export", help="validated references or pairwise preferences (DPO)")
    what = q.add_mutually_exclusive_group(required=True)
    what.add_argument("--validated", action="store_true", help="validated references with record text")
    what.add_argument("--pairwise", action="store_true", help="prompt/chosen/rejected rows")
    q.add_argument("--format", choices=["jsonl", "parquet"], default=None,
                   help="default: from the file's suffix")
    q.add_argument("--out", required=True, help="output file")
    q.set_defaults(func=lambda a: _export(open_store(a), a))


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _stats(store, kind: str, as_json: bool) -> int:
    from clinsum.annotation.report import agreement_report

    report = agreement_report(store, kind)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, default=str, indent=1))
        return 0
    print(f"{kind}: {report['overlapping_items']} item(s) with two or more annotators;"
          f" annotators: {', '.join(report['annotators']) or '(none)'}")
    if not report["overlapping_items"]:
        print("agreement needs at least one item reviewed by two annotators")
        return 0
    print("\nacross all annotators")
    print_table([{k: _fmt(v) for k, v in row.items()} for row in report["overall"]],
                ["criterion", "n_items", "n_annotators", "percent", "alpha_ordinal",
                 "alpha_interval", "alpha_nominal"])
    print("\nper pair of annotators (weighted Cohen's kappa)")
    print_table([{k: _fmt(v) for k, v in row.items()} for row in report["pairs"]],
                ["criterion", "annotator_a", "annotator_b", "n", "percent", "kappa_linear",
                 "kappa_quadratic", "kappa"])
    return 0


def _progress(store, kind: str) -> int:
    from clinsum.annotation.assignment import get_overlap, progress

    print(f"overlap: {get_overlap(store)} annotator(s) per item")
    print_table(progress(store, kind), ["annotator", "assigned", "done", "drafts", "left"])
    return 0


def _overlap(store, k: int | None) -> int:
    from clinsum.annotation.assignment import get_overlap, set_overlap

    if k is not None:
        set_overlap(store, k)
    print(f"overlap: {get_overlap(store)} annotator(s) per item")
    return 0


def _pairs(store, args) -> int:
    from clinsum.annotation.pairwise import create_pairs

    n = create_pairs(store, args.mode, seed=args.seed, max_per_record=args.max_per_record)
    total = store.scalar("SELECT count(*) FROM pairwise_items")
    print(f"{n} new pairwise item(s); {total} in all")
    return 0


def _export(store, args) -> int:
    from clinsum.annotation.exports import export

    path, n = export(store, "validated" if args.validated else "pairwise", args.out, args.format)
    print(f"wrote {n} row(s) to {path}")
    return 0
