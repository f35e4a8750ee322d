"""Workspace and records commands: init, import, records, demo, doctor."""

from __future__ import annotations

import argparse
import json
import sys

from clinsum.cli.output import print_table
from clinsum.demo import load_demo
from clinsum.doctor import run_checks
from clinsum.records import get_record, list_records
from clinsum.records.ingest import ColumnMapping, import_paths


def register(sub: argparse._SubParsersAction) -> None:
    from clinsum.cli import open_store

    p = sub.add_parser("init", help="create (or upgrade) a workspace")
    p.set_defaults(func=lambda a: _init(open_store(a)))

    p = sub.add_parser("import", help="import records from .txt folders, CSV, JSONL or Parquet")
    p.add_argument("paths", nargs="+", help="files or folders")
    p.add_argument("--map", default=None,
                   help="column mapping, e.g. text=informe,id=nhc,title=titulo; a reference summary per"
                        " record with reference=COL (and reference_author=COL, reference_status=COL)")
    p.add_argument("--max-bytes", type=int, default=None, help="largest record accepted (bytes)")
    p.add_argument("--strict", action="store_true", help="import nothing if any file or row is bad")
    p.add_argument("--background", action="store_true",
                   help="run as a job and print its id (follow it with: clinsum jobs wait ID)")
    p.set_defaults(func=lambda a: _import(open_store(a), a))

    p = sub.add_parser("records", help="list or show records")
    rsub = p.add_subparsers(dest="records_command", metavar="ACTION", required=True)
    q = rsub.add_parser("list", help="one line per record")
    q.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    q.set_defaults(func=lambda a: _records_list(open_store(a), a.json))
    q = rsub.add_parser("show", help="a record's text and sections")
    q.add_argument("record_id")
    q.add_argument("--sections", action="store_true", help="print each section separately")
    q.set_defaults(func=lambda a: _records_show(open_store(a), a.record_id, a.sections))

    p = sub.add_parser("demo", help="load the synthetic demo records and references")
    p.add_argument("--force", action="store_true", help="load even if the workspace has records")
    p.set_defaults(func=lambda a: _demo(open_store(a), a.force))

    p = sub.add_parser("doctor", help="what is available: workspace, Ollama, OpenAI key, CUDA, models")
    p.add_argument("--quick", action="store_true", help="skip the slow checks")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=lambda a: _doctor(open_store(a), a.quick, a.json))


def _init(store) -> int:
    print(f"workspace ready: {store.root} (schema v{store.schema_version()})")
    return 0


def _import(store, args) -> int:
    if args.background:
        from clinsum.records.jobs import submit_import

        job_id = submit_import(store, args.paths, args.map, args.max_bytes, args.strict)
        print(job_id)
        print(f"follow it with: clinsum jobs wait {job_id}", file=sys.stderr)
        return 0

    def progress(done: int, total: int, message: str) -> None:
        if sys.stderr.isatty() and total:
            print(f"\r{done}/{total} {message:<50}", end="" if done < total else "\n", file=sys.stderr)

    plan = import_paths(store, args.paths, ColumnMapping.parse(args.map), args.max_bytes, args.strict,
                        progress=progress)
    print(f"imported {plan.n_written} record(s) ({len(plan.aliases)} alias(es): same text as another"
          f" record, kept under their own id); {plan.references} reference(s);"
          f" {len(plan.duplicates)} duplicate(s) skipped; {len(plan.problems)} problem(s)")
    for draft, same in plan.aliases:
        print(f"  alias: {draft.record_id} ({draft.source}) has the same text as {same}")
    for draft, existing in plan.duplicates:
        print(f"  duplicate: {draft.source}{_line(draft)} (already present as {existing})")
    for problem in plan.problems:
        print(f"  skipped: {problem}")
    return 0 if not plan.problems else 3


def _line(draft) -> str:
    return f":{draft.meta['line']}" if draft.meta.get("line") else ""


def _records_list(store, as_json: bool) -> int:
    rows = list_records(store)
    if as_json:
        for row in rows:
            print(json.dumps(row, default=str, ensure_ascii=False))
    else:
        columns = ["id", "language", "n_chars", "n_references", "n_generations", "title"]
        if any(r["same_text_as"] for r in rows):
            columns.insert(-1, "same_text_as")
        print_table(rows, columns)
    return 0


def _records_show(store, record_id: str, by_section: bool) -> int:
    record = get_record(store, record_id)
    if not by_section:
        print(record.text)
        return 0
    for section in record.sections:
        print(f"## [{section.kind}] {section.title}")
        print(section.body(record.text))
        print()
    return 0


def _demo(store, force: bool) -> int:
    def progress(stage: str, done: int, total: int) -> None:
        print(f"demo: {stage} {done}/{total}" if total > 1 else f"demo: {stage}", file=sys.stderr, flush=True)

    result = load_demo(store, only_if_empty=not force, content=True, progress=progress)
    if result.skipped:
        print("the workspace already has records; demo not loaded (use --force to add it)")
    else:
        print(f"demo loaded: {result.records} record(s), {result.references} reference summaries, "
              f"{result.generations} demo candidate summaries, {result.metric_values} metric values, "
              f"{result.annotations} synthetic annotations")
    return 0


def _doctor(store, quick: bool, as_json: bool) -> int:
    checks = run_checks(store, quick=quick)
    for check in checks:
        if as_json:
            print(json.dumps(check.__dict__, ensure_ascii=False))
        else:
            mark = "ok " if check.ok else "-- "
            print(f"{mark}{check.name:<11} {check.detail}" + (f"\n{'':15}{check.hint}" if check.hint else ""))
    return 0
