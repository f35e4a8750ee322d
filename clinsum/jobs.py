"""Long jobs (grids, batches, ingestion, training) as separate processes.

A job is a row in ``jobs`` plus a folder ``jobs/<id>/`` holding ``progress.json`` (the latest
progress, rewritten atomically), ``log.jsonl`` (one event a line), ``output.log`` (the
process's stdout/stderr) and ``STOP`` (asks the job to stop at its next safe point). Configs,
log events and errors pass through :func:`clinsum.store.scrub.scrub` before they are written,
so a secret given by mistake never reaches the workspace. Handlers
are registered by kind as ``"module:function"`` so the child imports only what it needs. A
handler must be idempotent: resuming runs it again and it skips what is already stored.

Usage::

    job_id = jobs.submit(store, "grid", {"grid": "..."})  # starts a process
    jobs.info(store, job_id)["progress"]                      # poll
    jobs.request_stop(store, job_id); jobs.resume(store, job_id)
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from clinsum.errors import ClinsumError, InputError, JobStopped, NotFound
from clinsum.registry import Registry, resolve_target
from clinsum.store import Store, from_json, lock_stats, new_id, to_json
from clinsum.store.scrub import scrub, scrub_text
from clinsum.tracking import job_run

JOB_KINDS: Registry[Callable[[JobContext], None]] = Registry("job kind")  # lazy "module:function"
ACTIVE = ("queued", "running", "stopping")


@dataclass
class JobContext:
    """What a handler gets: its config, a place for files, progress, log and stop checks."""

    store: Store
    job_id: str
    config: dict[str, Any]
    dir: Path
    started: float = field(default_factory=time.monotonic)
    _stop_signal: bool = False

    def progress(
        self, done: int, total: int | None = None, message: str = "", eta_s: float | None = None
    ) -> None:
        """Write progress; ``eta_s`` overrides the estimate (e.g. when resumed work was skipped)."""
        elapsed = time.monotonic() - self.started
        eta = eta_s
        if eta is None and total and done:
            eta = elapsed / done * max(total - done, 0)
        _write_json_atomic(
            self.dir / "progress.json",
            {
                "done": done,
                "total": total,
                "message": message,
                "elapsed_s": round(elapsed, 2),
                "eta_s": None if eta is None else round(eta, 2),
                "updated_at": time.time(),
            },
        )

    def log(self, **event: Any) -> None:
        event.setdefault("t", round(time.time(), 3))
        line = json.dumps(scrub(event), ensure_ascii=False, default=str)
        with open(self.dir / "log.jsonl", "a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def should_stop(self) -> bool:
        return self._stop_signal or (self.dir / "STOP").exists()

    def check_stop(self) -> None:
        if self.should_stop():
            raise JobStopped


def job_dir(store: Store, job_id: str) -> Path:
    return store.dir("jobs", job_id)


def handler_target(kind: str) -> str:
    """``module:function`` of a job kind (a kind may also name its handler directly)."""
    return kind if ":" in kind and kind not in JOB_KINDS else str(JOB_KINDS.target(kind))


def submit(
    store: Store,
    kind: str,
    config: dict[str, Any],
    *,
    title: str | None = None,
    resource: str | None = None,
    spawn: bool = True,
    job_id: str | None = None,
) -> str:
    """Record a job and (by default) start its process; return the job id. The config is
    stored scrubbed of secrets (callers refuse them earlier where a key would be a mistake)."""
    handler_target(kind)
    job_id = job_id or new_id(kind.rsplit(":", 1)[-1].replace("_", "-"))
    store.execute(
        "INSERT INTO jobs (id, kind, title, status, config, resource) VALUES (?, ?, ?, 'queued', ?, ?)",
        [job_id, kind, scrub_text(title or kind), to_json(scrub(config)), resource],
    )
    job_dir(store, job_id)
    if spawn:
        start_process(store, job_id)
    return job_id


def start_process(store: Store, job_id: str) -> int:
    """Start ``python -m clinsum.jobs WORKSPACE JOB_ID`` detached from the caller."""
    folder = job_dir(store, job_id)
    out = open(folder / "output.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        [sys.executable, "-m", "clinsum.jobs", str(store.root), job_id],
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        cwd=os.getcwd(),
    )
    out.close()
    store.execute("UPDATE jobs SET pid = ? WHERE id = ?", [proc.pid, job_id])
    return proc.pid


def run_job(store: Store, job_id: str) -> str:
    """Run a job in this process (the child's entry point; tests call it directly)."""
    row = _row(store, job_id)
    folder = job_dir(store, job_id)
    ctx = JobContext(store, job_id, from_json(row["config"]) or {}, folder)

    def on_term(_signum: int, _frame: object) -> None:
        ctx._stop_signal = True

    with contextlib.suppress(ValueError):  # not the main thread (tests)
        signal.signal(signal.SIGTERM, on_term)
    # STOP is not cleared here (resume does that): a stop asked while the process was starting holds
    store.execute("UPDATE jobs SET pid = ?, status = 'queued' WHERE id = ?", [os.getpid(), job_id])
    with _resource_lock(store, row.get("resource"), ctx):
        if ctx.should_stop():
            return _finish(store, job_id, "stopped")
        store.execute(
            "UPDATE jobs SET status = 'running', started_at = current_timestamp, error = NULL WHERE id = ?",
            [job_id],
        )
        ctx.log(event="start", kind=row["kind"])
        try:
            kind = row["kind"]
            handler = JOB_KINDS.get(kind) if kind in JOB_KINDS else resolve_target(kind)
            with job_run(ctx, kind):  # an MLflow run where the kind is tracked
                handler(ctx)
        except JobStopped:
            ctx.log(event="stopped", **_lock_report())
            return _finish(store, job_id, "stopped")
        except ClinsumError as exc:
            ctx.log(event="error", message=str(exc), **_lock_report())
            return _finish(store, job_id, "failed", str(exc))
        except Exception as exc:  # a crash is recorded with its traceback
            ctx.log(event="error", message=repr(exc), traceback=traceback.format_exc())
            return _finish(store, job_id, "failed", repr(exc))
        status = "stopped" if ctx.should_stop() else "done"
        ctx.log(event=status, **_lock_report())
        return _finish(store, job_id, status)


def request_stop(store: Store, job_id: str) -> None:
    """Ask a job to stop at its next safe point (its work so far is kept)."""
    row = _row(store, job_id)
    if row["status"] in ACTIVE:  # conditional: a job that has just finished keeps its status
        store.execute("UPDATE jobs SET status = 'stopping' WHERE id = ? AND status IN ('queued', 'running')",
                      [job_id])
    (job_dir(store, job_id) / "STOP").touch()
    # a signal only once the job runs (its handler is installed); before that STOP suffices
    if row["status"] == "running" and row["pid"] and process_alive(row["pid"]):
        with contextlib.suppress(OSError):
            os.kill(row["pid"], signal.SIGTERM)


def resume(store: Store, job_id: str, spawn: bool = True) -> None:
    """Start a stopped or failed job again; the handler skips finished work."""
    row = refresh(store, job_id)
    if row["status"] in ACTIVE:
        raise InputError(f"Job {job_id} is still {row['status']}.")
    (job_dir(store, job_id) / "STOP").unlink(missing_ok=True)
    store.execute("UPDATE jobs SET status = 'queued', finished_at = NULL WHERE id = ?", [job_id])
    if spawn:
        start_process(store, job_id)


def refresh(store: Store, job_id: str) -> dict[str, Any]:
    """The job's row, marking it failed if its process died without saying so."""
    row = _row(store, job_id)
    if row["status"] in ACTIVE and row["pid"] and not process_alive(row["pid"]):
        message = "The job's process ended unexpectedly (killed or crashed); resume it to go on."
        store.execute(
            "UPDATE jobs SET status = 'failed', error = ?, finished_at = current_timestamp "
            "WHERE id = ? AND status IN ('queued', 'running', 'stopping')",
            [message, job_id],
        )
        row = _row(store, job_id)
    return row


def info(store: Store, job_id: str) -> dict[str, Any]:
    """Row, config and latest progress of a job."""
    row = refresh(store, job_id)
    row["config"] = scrub(from_json(row["config"]) or {})  # rows written before scrubbing too
    row["error"] = scrub_text(row["error"]) if row.get("error") else row.get("error")
    row["progress"] = read_progress(store, job_id)
    return row


def list_jobs(store: Store, kind: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT id FROM jobs" + (" WHERE kind = ?" if kind else "") + " ORDER BY created_at DESC"
    ids = [r[0] for r in store.execute(sql, [kind] if kind else [])]
    return [info(store, job_id) for job_id in ids]


def read_progress(store: Store, job_id: str) -> dict[str, Any]:
    path = job_dir(store, job_id) / "progress.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def read_log(store: Store, job_id: str) -> list[dict[str, Any]]:
    """Every event of a job's log (a torn last line from a killed process is skipped)."""
    path = job_dir(store, job_id) / "log.jsonl"
    events = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    return events


def wait(store: Store, job_id: str, timeout: float = 60.0, poll: float = 0.2,
         on_poll: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Block until a job is no longer active, or ``timeout`` passed (for the CLI and tests);
    ``on_poll`` gets the job's row at every poll (to show progress)."""
    deadline = time.monotonic() + timeout
    while True:
        row = refresh(store, job_id)
        if on_poll:
            on_poll(row)
        if row["status"] not in ACTIVE or time.monotonic() > deadline:
            return row
        time.sleep(poll)


# -- internals -------------------------------------------------------------------------------
def _row(store: Store, job_id: str) -> dict[str, Any]:
    row = store.fetch_one("SELECT * FROM jobs WHERE id = ?", [job_id])
    if row is None:
        raise NotFound(f"No job {job_id!r} in this workspace.")
    return row


def _finish(store: Store, job_id: str, status: str, error: str | None = None) -> str:
    store.execute(
        "UPDATE jobs SET status = ?, error = ?, finished_at = current_timestamp WHERE id = ?",
        [status, scrub_text(error) if error else None, job_id],
    )
    return status


def _lock_report() -> dict[str, Any]:
    """The longest workspace-lock wait and hold this job's process saw (for its log)."""
    stats = lock_stats()
    return {"lock_longest_wait_s": stats["longest_wait_s"], "lock_longest_hold_s": stats["longest_hold_s"]}


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


class _resource_lock:
    """Hold ``locks/<resource>.lock`` while the job runs: one job per GPU, others wait queued."""

    def __init__(self, store: Store, resource: str | None, ctx: JobContext) -> None:
        self.path = store.dir("locks") / f"{resource}.lock" if resource else None
        self.ctx = ctx
        self.handle = None

    def __enter__(self) -> None:
        if self.path is None:
            return
        self.handle = open(self.path, "a+")  # noqa: SIM115
        announced = False
        while not self.ctx.should_stop():
            try:
                fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if not announced:
                    self.ctx.progress(0, None, "queued: waiting for another job to finish")
                    announced = True
                time.sleep(0.5)

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 2:
        print("usage: python -m clinsum.jobs WORKSPACE JOB_ID", file=sys.stderr)
        return 2
    import clinsum.plugins  # noqa: F401 - registers every job kind

    store = Store(args[0])
    status = run_job(store, args[1])
    return 0 if status in ("done", "stopped") else 1


if __name__ == "__main__":
    # Run the imported module's main: plugins register kinds in clinsum.jobs.JOB_KINDS, not
    # in this __main__ copy of the module.
    from clinsum.jobs import main as _main

    raise SystemExit(_main())
