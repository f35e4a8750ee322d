"""Knowledge-base commands: ``clinsum kb list|create|ingest|search|stats|delete``."""

from __future__ import annotations

import argparse
import json
import sys
import time

from clinsum.cli.output import print_table
from clinsum.errors import InputError
from clinsum.rag.ingest import DEFAULT_BATCH


def register(sub: argparse._SubParsersAction) -> None:
    from clinsum.cli import open_store

    p = sub.add_parser("kb", help="knowledge bases for RAG (Chroma, bundled MiniLM embeddings)")
    ksub = p.add_subparsers(dest="kb_command", metavar="ACTION", required=True)

    q = ksub.add_parser("list", help="one line per knowledge base")
    q.set_defaults(func=lambda a: _list(open_store(a)))

    q = ksub.add_parser("create", help="create an empty knowledge base (or the seed base)")
    q.add_argument("name")
    q.add_argument("--description", default="")
    q.add_argument("--max-chars", type=int, default=1000, help="characters of a passage embedded")
    q.add_argument("--seed", action="store_true", help="load the seed knowledge base written for clinsum")
    q.set_defaults(func=lambda a: _create(open_store(a), a))

    q = ksub.add_parser("ingest", help="add a CSV, JSONL or Parquet file (or --references)")
    q.add_argument("name")
    q.add_argument("path", nargs="?", help="file to ingest")
    q.add_argument("--layout", default=None, help="medmcqa | headqa | qa | text (default: detected)")
    q.add_argument("--map", default=None, help="FIELD=COLUMN pairs, e.g. question=Pregunta,cop_base=1")
    q.add_argument("--references", action="store_true", help="ingest the validated reference summaries")
    q.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help="passages per commit (default %(default)s)")
    q.add_argument("--background", action="store_true", help="run as a job (resumable) and return")
    q.add_argument("--cluster", default=None, metavar="ADDRESS", help="Ray cluster address (default $CLINSUM_RAY_ADDRESS, then [cluster] address in the workspace's clinsum.toml; none: run here)")
    q.set_defaults(func=lambda a: _ingest(open_store(a), a))

    q = ksub.add_parser("search", help="nearest passages of a query, with cosine distances")
    q.add_argument("name")
    q.add_argument("query")
    q.add_argument("-k", type=int, default=5)
    q.add_argument("--max-distance", type=float, default=None)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=lambda a: _search(open_store(a), a))

    q = ksub.add_parser("stats", help="counts and ingestion runs of a knowledge base")
    q.add_argument("name")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=lambda a: _stats(open_store(a), a))

    q = ksub.add_parser("delete", help="delete a knowledge base and its passages")
    q.add_argument("name")
    q.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    q.set_defaults(func=lambda a: _delete(open_store(a), a))


def _list(store) -> int:
    from clinsum.rag import list_bases

    print_table(list_bases(store), ["name", "n_passages", "layout", "source", "updated_at", "description"])
    return 0


def _create(store, args) -> int:
    from clinsum.rag import create_base
    from clinsum.rag.seed import load_seed

    if args.seed:
        report = load_seed(store, args.name)
        print(f"{args.name}: {report.summary()}")
        return 0
    create_base(store, args.name, args.description, args.max_chars)
    print(f"created knowledge base {args.name!r}")
    return 0


def _progress(done: int, total: int | None, message: str, eta_s: float | None = None) -> None:
    share = f"{done}/{total}" if total else str(done)
    left = f" · ~{eta_s / 60:.0f} min left" if eta_s else ""
    print(f"\r{share} lines{left} · {message}", end="", file=sys.stderr, flush=True)


def _ingest(store, args) -> int:
    from clinsum import jobs
    from clinsum.rag.bases import create_base
    from clinsum.rag.ingest import ingest_file, ingest_references

    if not args.references and not args.path:
        raise InputError("Give a file to ingest, or --references.")
    if args.background:
        import clinsum.rag.jobs  # noqa: F401 - registers the job kind

        config = {"base": args.name, "path": args.path, "layout": args.layout, "mapping": args.map,
                  "batch_size": args.batch_size}
        if args.references:
            config = {"base": args.name, "source": "references", "batch_size": args.batch_size}
        if args.cluster:
            config["cluster"] = args.cluster
        job_id = jobs.submit(store, "kb_ingest", config, title=f"kb ingest {args.name}")
        print(f"started job {job_id}; follow it with `clinsum jobs wait {job_id}`")
        return 0
    create_base(store, args.name, exist_ok=True)
    started = time.perf_counter()
    if args.references:
        report = ingest_references(store, args.name, batch_size=args.batch_size, progress=_progress,
                                   cluster=args.cluster)
    else:
        report = ingest_file(store, args.name, args.path, args.layout, args.map,
                             batch_size=args.batch_size, progress=_progress, cluster=args.cluster)
    print(file=sys.stderr)
    print(f"{args.name}: {report.summary()} (wall {time.perf_counter() - started:.1f} s)")
    for problem in report.problems[:50]:
        print(f"  skipped {problem}")
    if report.n_problems > 50:
        print(f"  … and {report.n_problems - 50} more")
    return 0 if not report.n_problems else 3


def _search(store, args) -> int:
    from clinsum.rag import search

    hits = search(store, args.name, args.query, args.k, args.max_distance)
    if args.json:
        for hit in hits:
            print(json.dumps(hit.to_dict(), ensure_ascii=False, default=str))
        return 0
    print_table([{"rank": h.rank, "distance": f"{h.distance:.3f}", "score": f"{h.score:.3f}",
                  "text": h.text} for h in hits], ["rank", "distance", "score", "text"], max_width=90)
    return 0


def _stats(store, args) -> int:
    from clinsum.rag import base_stats

    stats = base_stats(store, args.name)
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, default=str))
        return 0
    for key in ("name", "description", "n_passages", "n_rows", "n_problems", "layout", "source",
                "embed_model", "max_chars", "created_at", "updated_at"):
        print(f"{key:<12} {stats.get(key)}")
    print("ingestions:")
    print_table(stats["ingests"], ["started_at", "status", "rows_read", "added", "existing",
                                   "duplicates", "problems", "seconds", "precision", "source"])
    return 0


def _delete(store, args) -> int:
    from clinsum.rag import delete_base, get_base

    base = get_base(store, args.name)
    if not args.yes:
        answer = input(f"Delete {args.name!r} and its {base['n_passages']} passage(s)? [y/N] ")
        if answer.strip().lower() not in ("y", "yes", "s", "si", "sí"):
            print("nothing deleted")
            return 0
    delete_base(store, args.name)
    print(f"deleted knowledge base {args.name!r}")
    return 0
