"""``clinsum score``: compute every missing metric value of the workspace."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from clinsum.cli.output import print_table
from clinsum.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    from clinsum.cli import open_store

    p = sub.add_parser("score", help="score generations and references (only what is missing)")
    p.add_argument("--metrics", default=None,
                   help="comma-separated families (default: every local metric; "
                        "rouge,bleu,meteor,bertscore,lexical,codes,faithfulness,judge)")
    p.add_argument("--targets", default="generation,reference",
                   help="what to score: generation and/or reference (default both)")
    p.add_argument("--stem", default=None,
                   help="ROUGE stemming: porter, spanish, english or auto (default none, as rouge-score)")
    p.add_argument("--bleu-smoothing", type=int, default=None, help="Chen & Cherry method 0-4 (default 1)")
    p.add_argument("--bert-model", default=None, help="local model folder for BERTScore (default bundled MiniLM)")
    p.add_argument("--bert-layers", type=int, default=None, help="BERTScore layer (default: the last)")
    p.add_argument("--judge-backend", default=None, help="backend of the LLM judge (ollama, openai, ...)")
    p.add_argument("--judge-model", default=None, help="model of the LLM judge")
    p.add_argument("--judge-option", action="append", default=[], metavar="KEY=VALUE",
                   help="backend setting for the judge, e.g. host=http://127.0.0.1:11434 (repeatable)")
    p.add_argument("--judge-concurrency", type=int, default=1, help="judge calls at once")
    p.add_argument("--judge-rubric", default="standard", choices=["standard", "pdsqi9"],
                   help="judge rubric: standard (3 criteria) or pdsqi9 (the PDSQI-9 items)")
    p.add_argument("--batch-size", type=int, default=256, help="texts per batch")
    p.add_argument("--job", action="store_true", help="run as a background job and print its id")
    p.add_argument("--cluster", default=None, metavar="ADDRESS", help="Ray cluster address (default $CLINSUM_RAY_ADDRESS, then [cluster] address in the workspace's clinsum.toml; none: run here)")
    p.add_argument("--list", action="store_true", help="list the metric families and values")
    p.set_defaults(func=lambda a: _score(open_store(a), a))


def options_from_args(args: argparse.Namespace) -> tuple[list[str] | None, dict[str, dict[str, Any]]]:
    """(metric names or None, per-family options) from the command line."""
    names = [n.strip() for n in args.metrics.split(",") if n.strip()] if args.metrics else None
    options: dict[str, dict[str, Any]] = {}
    if args.stem:
        options["rouge"] = {"stem": args.stem}
    if args.bleu_smoothing is not None:
        options["bleu"] = {"smoothing": args.bleu_smoothing}
    if args.bert_model or args.bert_layers:
        options["bertscore"] = {"model": args.bert_model, "num_layers": args.bert_layers}
    if args.judge_backend or args.judge_model:
        if not (args.judge_backend and args.judge_model):
            raise InputError("The judge needs both --judge-backend and --judge-model.")
        config = {}
        for item in args.judge_option:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise InputError(f"Bad --judge-option {item!r}.", hint="Write KEY=VALUE.")
            config[key.strip()] = value
        options["judge"] = {"backend": args.judge_backend, "model": args.judge_model,
                            "backend_config": config, "concurrency": args.judge_concurrency,
                            "rubric": getattr(args, "judge_rubric", "standard")}
        if names is not None and "judge" not in names:
            names.append("judge")
    elif names and "judge" in names:
        raise InputError("The judge metric needs --judge-backend and --judge-model.")
    return names, options


def check_request(names: list[str] | None, options: dict[str, dict[str, Any]], targets: list[str]) -> None:
    """Refuse unknown metrics or targets before a job is recorded (an InputError, exit code 3)."""
    from clinsum.metrics.scoring import TARGET_KINDS, build_metrics

    build_metrics(names, options)
    bad = sorted(set(targets) - set(TARGET_KINDS))
    if bad:
        raise InputError(f"Unknown target kind(s): {', '.join(bad)}.", hint="Use generation and/or reference.")


def _follow(store, job_id: str) -> str:
    """Run the job in this process, its progress on stderr (a line per second on a terminal)."""
    import threading

    from clinsum import jobs

    stop = threading.Event()

    def show(final: bool = False) -> None:
        p = jobs.read_progress(store, job_id)
        if p.get("total") is not None and (sys.stderr.isatty() or final):
            print(f"\r{p.get('done', 0)}/{p['total']} {p.get('message', ''):<40}", end="\n" if final else "",
                  file=sys.stderr)

    def watch() -> None:
        while not stop.wait(1.0):
            show()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return jobs.run_job(store, job_id)
    finally:
        stop.set()
        watcher.join()
        show(final=True)


def _score(store, args: argparse.Namespace) -> int:
    from clinsum.metrics import METRICS
    from clinsum.metrics.scoring import job_report

    if args.list:
        from clinsum.metrics.meteor import synonyms_status

        for name, cls in METRICS.items():
            values = ", ".join(f"{v} ({d})" for v, d in cls.directions.items())
            print(f"{name:<13} needs {'+'.join(cls.needs) or 'nothing'}: {values}")
        print(f"meteor synonyms: {synonyms_status()[1]}")
        return 0
    names, options = options_from_args(args)
    targets = [t.strip().removesuffix("s") for t in args.targets.split(",") if t.strip()]
    check_request(names, options, targets)
    from clinsum import jobs

    config = {"metrics": names, "options": options, "targets": targets, "batch_size": args.batch_size,
              **({"cluster": args.cluster} if args.cluster else {})}
    job_id = jobs.submit(store, "score", config, title="score", spawn=args.job)
    if args.job:
        print(job_id)
        return 0
    status = _follow(store, job_id)  # a job run here: tracked in MLflow like any scoring job
    report = job_report(store, job_id)
    if status != "done" or report is None:
        info = jobs.info(store, job_id)
        print(f"scoring {status}: {info.get('error') or ''} (job {job_id}; "
              f"`clinsum jobs resume {job_id}` goes on)", file=sys.stderr)
        return 1
    rows = [{"metric": m, "version": report.versions[m], "computed": report.computed[m],
             "already": report.already[m], "not_applicable": report.not_applicable[m],
             "failed": report.failed[m]} for m in report.computed]
    print_table(rows, ["metric", "version", "computed", "already", "not_applicable", "failed"])
    for error in report.errors:
        print(f"  failed: {error}", file=sys.stderr)
    from clinsum.metrics.report import unscored_generations

    unscored = unscored_generations(store, report.versions, report.errors) if "generation" in targets else []
    if unscored:
        print(f"{len({u.generation_id for u in unscored})} candidate(s) could not be scored:")
        for item in unscored:
            print(f"  not scored: {item}")
    print(f"{report.total_computed} computed in {report.seconds:.1f} s")
    return 0 if not any(report.failed.values()) else 5
