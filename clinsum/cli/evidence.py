"""``clinsum evidence``: each summary sentence with its label and the record sentences behind it."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    from clinsum.cli import open_store

    p = sub.add_parser("evidence", help="sentence-level evidence of a summary in its record")
    ev = p.add_subparsers(dest="evidence_command", metavar="SUBCOMMAND", required=True)
    s = ev.add_parser("show", help="align (or read the stored alignment of) a generation or reference")
    s.add_argument("kind", choices=["generation", "reference"])
    s.add_argument("id")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=lambda a: _show(open_store(a), a))
    r = ev.add_parser("review", help="confirm or overturn one sentence's label (an annotation)")
    r.add_argument("kind", choices=["generation", "reference"])
    r.add_argument("id")
    r.add_argument("sentence", type=int, help="sentence number as printed by 'show'")
    r.add_argument("label", choices=["supported", "partly_supported", "unsupported", "contradicted"])
    r.add_argument("--annotator", required=True)
    r.add_argument("--comment", default="")
    r.set_defaults(func=lambda a: _review(open_store(a), a))


def _show(store, args: argparse.Namespace) -> int:
    from clinsum.evidence import get_alignment

    alignment = get_alignment(store, args.kind, args.id)
    if args.json:
        print(json.dumps(alignment.to_dict(), ensure_ascii=False, indent=2))
        return 0
    for s in alignment.sentences:
        print(f"[{s.index}] {s.label.upper()}  {s.text}")
        for j in s.evidence:
            print(f"      <- {alignment.record_sentences[j].text}")
        if s.reasons:
            print(f"      ({'; '.join(s.reasons)})")
    counts = alignment.counts()
    share = alignment.supported_share()
    coverage = alignment.section_coverage()
    print(" ".join(f"{k}={v}" for k, v in counts.items())
          + (f" supported_share={share:.2f}" if share is not None else "")
          + (f" section_coverage={coverage:.2f}" if coverage is not None else ""))
    return 0


def _review(store, args: argparse.Namespace) -> int:
    from clinsum.evidence import review_label

    result = review_label(store, args.annotator, args.kind, args.id, args.sentence, args.label, args.comment)
    print(f"{result['verdict']}: sentence {result['sentence_index']} is {result['label']} "
          f"(computed: {result['computed_label']})")
    return 0
