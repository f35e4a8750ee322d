"""Retrain the shipped Spanish de-identification tagger on MEDDOCAN train, then score it on dev.

    PYTHONPATH=. python scripts/train_deid.py [--train ../shared/data/meddocan/train]
        [--dev ../shared/data/meddocan/dev] [--out clinsum/deid/data] [--iterations 250]

Reproducible: documents are read in sorted order and L-BFGS training has no random step, so
the same data and settings give the same model. Only the train split is learned from; dev
is for choosing settings. A MEDDOCAN test split is refused.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEDDOCAN = ROOT.parent / "shared" / "data" / "meddocan"


def main(argv: list[str] | None = None) -> int:
    from clinsum.deid.brat import read_folder
    from clinsum.deid.evaluate import evaluate, format_table
    from clinsum.deid.gazetteer import DATA
    from clinsum.deid.pipeline import clear_cache, find_phi
    from clinsum.deid.tagger import train

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", default=str(MEDDOCAN / "train"))
    parser.add_argument("--dev", default=str(MEDDOCAN / "dev"), help="scored after training ('' skips)")
    parser.add_argument("--out", default=str(DATA))
    parser.add_argument("--iterations", type=int, default=250)
    parser.add_argument("--c1", type=float, default=0.03)
    parser.add_argument("--c2", type=float, default=0.02)
    parser.add_argument("--verbose", action="store_true", help="print crfsuite's progress")
    args = parser.parse_args(argv)
    for folder in filter(None, (args.train, args.dev)):
        if Path(folder).name.lower().startswith("test"):
            print(f"refusing {folder}: the MEDDOCAN test split is never used here", file=sys.stderr)
            return 2
    stats = train(read_folder(args.train), args.out, c1=args.c1, c2=args.c2,
                  max_iterations=args.iterations, verbose=args.verbose)
    print(f"trained: {stats}")
    if args.dev and Path(args.out).resolve() == Path(DATA).resolve():
        clear_cache()
        print(format_table(evaluate(read_folder(args.dev), find_phi)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
