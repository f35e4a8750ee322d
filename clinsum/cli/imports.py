"""``clinsum import-generations``: candidate summaries made elsewhere, as generations."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from clinsum.cli import open_store

    p = sub.add_parser("import-generations",
                       help="import candidate summaries made elsewhere (CSV, JSONL or Parquet)")
    p.add_argument("path", help="one summary a row: its text and the id of the record it summarizes")
    p.add_argument("--map", default=None,
                   help="columns, e.g. text=summary,record=note_id,model=system,strategy=prompt,backend=source"
                        " (default text, record)")
    p.add_argument("--backend", default=None, help="label where no backend column is mapped (default: imported)")
    p.add_argument("--model", default=None, help="model label where no model column is mapped")
    p.add_argument("--strategy", default=None, help="strategy label where no strategy column is mapped"
                                                    " (default: imported)")
    p.set_defaults(func=lambda a: _import_generations(open_store(a), a))


def _import_generations(store, args: argparse.Namespace) -> int:
    from clinsum.records.candidates import CandidateMapping, import_generations

    report = import_generations(store, args.path, CandidateMapping.parse(args.map),
                                backend=args.backend, model=args.model, strategy=args.strategy)
    print(f"imported {len(report.imported)} generation(s); {report.already} already present")
    for (backend, model, strategy), n in sorted(report.labels.items()):
        print(f"  {n:>6}  backend={backend} model={model or '-'} strategy={strategy}")
    return 0
