"""``clinsum jobs``: list, follow, stop and resume the workspace's long jobs (every kind).

Grids, knowledge-base ingestions, batch references, scoring and training all run as jobs
(:mod:`clinsum.jobs`); the pages show them with progress bars, and this command does the same
from a terminal, so a job started on a page can be stopped or resumed here and the reverse.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from clinsum.cli.output import print_table


def register(sub: argparse._SubParsersAction) -> None:
    from clinsum.cli import open_store

    p = sub.add_parser("jobs", help="list, follow, stop and resume long jobs")
    jsub = p.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)

    q = jsub.add_parser("list", help="one line per job, newest first")
    q.add_argument("--kind", default=None, help="only jobs of this kind (grid, kb_ingest, finetune, …)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=lambda a: _list(open_store(a), a.kind, a.json))

    q = jsub.add_parser("show", help="a job's status, progress, error and last log events")
    q.add_argument("job")
    q.add_argument("--events", type=int, default=5, help="log events to print")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=lambda a: _show(open_store(a), a.job, a.events, a.json))

    q = jsub.add_parser("stop", help="ask a job to stop at its next safe point (its work is kept)")
    q.add_argument("job")
    q.set_defaults(func=lambda a: _stop(open_store(a), a.job))

    q = jsub.add_parser("resume", help="start a stopped or failed job again; finished work is skipped")
    q.add_argument("job")
    q.add_argument("--wait", action="store_true", help="follow it until it ends")
    q.set_defaults(func=lambda a: _resume(open_store(a), a.job, a.wait))

    q = jsub.add_parser("wait", help="follow a job's progress until it ends")
    q.add_argument("job")
    q.add_argument("--timeout", type=float, default=None, help="give up after this many seconds")
    q.set_defaults(func=lambda a: _follow(open_store(a), a.job, a.timeout))


def describe_progress(progress: dict[str, Any]) -> str:
    """``"120/400 (30%), 12 s elapsed, ~28 s left: message"`` from a job's progress."""
    done, total = progress.get("done"), progress.get("total")
    if done is None:
        return ""
    text = f"{done}/{total} ({100 * done / total:.0f}%)" if total else str(done)
    if progress.get("elapsed_s") is not None:
        text += f", {progress['elapsed_s']:.0f} s elapsed"
    if progress.get("eta_s") is not None:
        text += f", ~{progress['eta_s']:.0f} s left"
    return f"{text}: {progress['message']}" if progress.get("message") else text


def _list(store, kind: str | None, as_json: bool) -> int:
    from clinsum import jobs

    rows = jobs.list_jobs(store, kind)
    if as_json:
        for row in rows:
            print(json.dumps(row, default=str, ensure_ascii=False))
        return 0
    print_table([{**r, "progress": describe_progress(r["progress"])} for r in rows],
                ["id", "kind", "status", "title", "created_at", "progress"])
    return 0


def _show(store, job_id: str, n_events: int, as_json: bool) -> int:
    from clinsum import jobs, tracking

    row = jobs.info(store, job_id)
    events = jobs.read_log(store, job_id)[-n_events:] if n_events > 0 else []
    if as_json:
        print(json.dumps({**row, "events": events, "tracking": tracking.run_for(store, job_id)},
                         default=str, ensure_ascii=False))
        return 0
    print(f"{row['id']}  {row['kind']}  {row['status']}  {row['title']}")
    if row["progress"]:
        print(f"  progress: {describe_progress(row['progress'])}")
    if row.get("error"):
        print(f"  error: {row['error']}")
    print(f"  folder: {jobs.job_dir(store, job_id)}")
    run = tracking.run_for(store, job_id)
    if run:
        print(f"  mlflow run: {run['run_id']} ({run['url'] or run['tracking_uri']})")
    for event in events:
        print("  " + json.dumps(event, default=str, ensure_ascii=False))
    return 0


def _stop(store, job_id: str) -> int:
    from clinsum import jobs

    jobs.request_stop(store, job_id)
    print(f"stop requested for {job_id}: it stops at its next safe point; `clinsum jobs resume {job_id}` goes on")
    return 0


def _resume(store, job_id: str, follow: bool) -> int:
    from clinsum import jobs

    jobs.resume(store, job_id)
    print(f"resumed {job_id} (work already stored is skipped)")
    return _follow(store, job_id, None) if follow else 0


def _follow(store, job_id: str, timeout: float | None) -> int:
    """Print progress while the job is active; exit 0 done/stopped, 1 failed, 124 timed out."""
    from clinsum import jobs

    shown = [""]

    def show(_row: dict[str, Any]) -> None:
        line = describe_progress(jobs.read_progress(store, job_id))
        if line and line != shown[0]:
            print(f"\r{line[:150]:<150}", end="", file=sys.stderr, flush=True)
            shown[0] = line

    row = jobs.wait(store, job_id, timeout=math.inf if timeout is None else timeout, poll=0.5, on_poll=show)
    if row["status"] in jobs.ACTIVE:
        print(f"\n{job_id} is still {row['status']} after {timeout:.0f} s", file=sys.stderr)
        return 124
    print(file=sys.stderr)
    print(f"{job_id}: {row['status']}" + (f" ({row['error']})" if row.get("error") else ""))
    return 1 if row["status"] == "failed" else 0
