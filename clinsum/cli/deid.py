"""``clinsum deid``: eval (strict span P/R/F1 on a BRAT folder), text (de-identify a file), train
(and score the new model on a dev folder)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from clinsum.errors import InputError, NotFound


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("deid", help="de-identification: evaluate, apply, train")
    dsub = p.add_subparsers(dest="deid_command", metavar="ACTION", required=True)

    q = dsub.add_parser("eval", help="strict and span-only precision/recall/F1 per type on a BRAT folder")
    q.add_argument("folder")
    q.add_argument("--no-rules", action="store_true", help="the tagger alone")
    q.add_argument("--no-propagation", action="store_true")
    q.add_argument("--model", default=None, help="a folder `deid train --out` wrote (default: the shipped model)")
    q.set_defaults(func=_eval)

    q = dsub.add_parser("text", help="print a text file de-identified")
    q.add_argument("file", help="a UTF-8 text file ('-' reads standard input)")
    q.add_argument("--keep", default="", help="types to leave as they are, e.g. EDAD_SUJETO_ASISTENCIA")
    q.add_argument("--mapping", action="store_true", help="also print placeholder → original (stderr)")
    q.add_argument("--language", choices=["es", "en"], default=None,
                   help="the text's language (default: detected; a short Spanish note can read as English)")
    q.set_defaults(func=_text)

    q = dsub.add_parser("train", help="retrain the shipped tagger and gazetteers on a BRAT folder")
    q.add_argument("folder")
    q.add_argument("--out", default=None, help="where to write (default: the package's data folder)")
    q.add_argument("--iterations", type=int, default=None, help="training passes (default: the shipped model's)")
    q.add_argument("--c1", type=float, default=None, help="L1 regularization (default: the shipped model's)")
    q.add_argument("--c2", type=float, default=None, help="L2 regularization (default: the shipped model's)")
    q.add_argument("--dev", default=None, help="a BRAT folder to score the new model on, as `deid eval` does")
    q.set_defaults(func=_train)


def _eval(args: argparse.Namespace) -> int:
    from clinsum.deid.brat import read_folder
    from clinsum.deid.evaluate import MISS_KINDS, evaluate_both, format_table, worst_type
    from clinsum.deid.pipeline import find_phi
    from clinsum.deid.tagger import model_from

    docs = read_folder(args.folder)
    misses: Counter = Counter()
    with model_from(args.model):
        strict, span_only = evaluate_both(docs, lambda text: find_phi(
            text, use_rules=not args.no_rules, use_propagation=not args.no_propagation), misses)
    print(f"{len(docs)} documents; P/R/F1: strict span match (type, start, end); "
          "span P/R/F1: any overlap, any type (span R per gold type, span P per predicted type)")
    print(format_table(strict, span_only))
    name, f1 = worst_type(strict)
    if name:
        print(f"worst type with >= 20 gold spans: {name} (strict F1 {f1:.4f})")
    if misses:
        print(f"strict misses ({sum(misses.values())}): " + ", ".join(f"{k} {misses[k]}" for k in MISS_KINDS if misses[k]))
    return 0


def _text(args: argparse.Namespace) -> int:
    from clinsum.deid import PHI_TYPES, deidentify

    keep = [k.strip() for k in args.keep.split(",") if k.strip()]
    unknown = [k for k in keep if k not in PHI_TYPES]
    if unknown:
        raise InputError(f"Unknown PHI type(s): {', '.join(unknown)}.", hint=f"Known: {', '.join(PHI_TYPES)}.")
    if args.file == "-":
        text = sys.stdin.read()
    else:
        path = Path(args.file)
        if not path.is_file():
            raise NotFound(f"No file {path}.")
        text = path.read_bytes().decode("utf-8", errors="replace").lstrip("\ufeff")
    result = deidentify(text, keep=keep, language=args.language)
    print(result.text)
    if args.mapping:
        for ph, (kind, surface) in result.mapping.entries.items():
            print(f"{ph}\t{kind}\t{surface}", file=sys.stderr)
    return 0


def _train(args: argparse.Namespace) -> int:
    from clinsum.deid.brat import read_folder
    from clinsum.deid.gazetteer import DATA
    from clinsum.deid.pipeline import clear_cache
    from clinsum.deid.tagger import train

    for folder in filter(None, (args.folder, args.dev)):
        if Path(folder).resolve().name.lower().startswith("test"):
            raise InputError(f"{folder} looks like a test split: it is never trained on or used to choose settings.",
                             hint="Train on the train split; score settings on dev.")
    given = {"max_iterations": args.iterations, "c1": args.c1, "c2": args.c2}
    out = args.out or DATA
    stats = train(read_folder(args.folder), out, **{k: v for k, v in given.items() if v is not None})
    clear_cache()
    print(f"trained: {stats}")
    if args.dev:
        return _eval(argparse.Namespace(folder=args.dev, model=out, no_rules=False, no_propagation=False))
    return 0
