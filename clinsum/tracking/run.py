"""The MLflow run of one job: opened before its handler, fed from a side thread, closed after.

Nothing here is in a job's hot path: a daemon thread opens the run (MLflow's import and store
take seconds, while the job already works) and logs the params, then every ``flush_s`` seconds
reads the metrics from what the job already stored (its results, its log) and logs them in
batches; the last metrics and the artifacts are logged when the handler returns. Every
MLflow call goes through :meth:`JobRun._safely`: the first failure becomes a ``warning`` event
in the job's log and switches tracking off for the rest of the job, which goes on.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from clinsum import __version__
from clinsum.errors import JobStopped
from clinsum.store.scrub import scrub, scrub_text
from clinsum.tracking import TRACKED_KINDS, TrackingSettings, settings

PARAM_CHARS = 6000    # MLflow's limit on a param value
BATCH = 900           # metrics per log_batch call (MLflow accepts 1000)
PARAMS_BATCH = 90     # params per log_batch call (MLflow accepts 100)
START_WAIT_S = 120.0  # how long a finished job waits for its run to open


def _client(tracking: TrackingSettings) -> Any:
    """An MLflow client for ``tracking.uri``, with MLflow's usage telemetry switched off."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=tracking.uri)


def experiment_id(client: Any, tracking: TrackingSettings) -> str:
    """The id of the configured experiment, created (with its artifact location) if missing."""
    found = client.get_experiment_by_name(tracking.experiment)
    if found is not None:
        return found.experiment_id
    try:
        return client.create_experiment(tracking.experiment, artifact_location=tracking.artifact_location)
    except Exception:  # another job created it at the same moment
        found = client.get_experiment_by_name(tracking.experiment)
        if found is None:
            raise
        return found.experiment_id


def flat_params(value: Any, prefix: str = "") -> dict[str, str]:
    """``{"a": {"b": 1}, "c": [1, 2]}`` -> ``{"a.b": "1", "c": "[1, 2]"}``, scrubbed of secrets."""
    out: dict[str, str] = {}
    for key, item in (scrub(value) or {}).items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            out.update(flat_params(item, name + "."))
        else:
            text = ", ".join(map(str, item)) if isinstance(item, list) else str(item)
            out[name] = f"[{text}]"[:PARAM_CHARS] if isinstance(item, list) else text[:PARAM_CHARS]
    return out


def metric_key(*parts: Any) -> str:
    """A metric name MLflow accepts (letters, digits, ``_-. /``)."""
    text = "/".join(str(p) for p in parts if p not in (None, ""))
    return "".join(c if c.isalnum() or c in "_-. /" else "_" for c in text)[:250]


class JobRun:
    """The MLflow run of one job (created, or reused when the job is resumed)."""

    def __init__(self, ctx: Any, hooks: Any, tracking: TrackingSettings) -> None:
        self.ctx = ctx
        self.hooks = hooks
        self.tracking = tracking
        self.client: Any = None
        self.run_id: str | None = None
        self.last_step: dict[str, int] = {}
        self.broken = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- safety ------------------------------------------------------------------------------
    def _safely(self, what: str, action: Callable[[], Any]) -> Any:
        if self.broken:
            return None
        try:
            return action()
        except Exception as exc:  # noqa: BLE001 - tracking never fails a job
            self.broken = True
            message = f"MLflow tracking stopped ({what}): {type(exc).__name__}: {exc}"
            with contextlib.suppress(Exception):
                self.ctx.log(event="warning", source="tracking", message=scrub_text(message)[:2000])
            return None

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Open the run on a side thread (importing MLflow and opening its store take seconds,
        which overlap the job's work), then flush metrics there every ``flush_s``."""
        self._thread = threading.Thread(target=self._side, name="tracking", daemon=True)
        self._thread.start()

    def _side(self) -> None:
        self._safely("start", self._start)
        while self.run_id and not self._stop.wait(self.tracking.flush_s):
            self.flush()

    def _start(self) -> None:
        from mlflow.entities import Param, RunTag

        store = self.ctx.store
        self.client = _client(self.tracking)
        known = store.fetch_one("SELECT * FROM tracking_runs WHERE job_id = ?", [self.ctx.job_id])
        run = None
        if known and known["tracking_uri"] == self.tracking.shown_uri:
            with contextlib.suppress(Exception):  # deleted from the store: a new run
                run = self.client.get_run(known["run_id"])
        if run is None:
            exp = experiment_id(self.client, self.tracking)
            tags = {"clinsum.job_id": self.ctx.job_id, "clinsum.kind": self.hooks.kind,
                    "clinsum.version": __version__, "mlflow.runName": self._title()}
            run = self.client.create_run(exp, tags=tags, run_name=self._title())
            store.execute("DELETE FROM tracking_runs WHERE job_id = ?", [self.ctx.job_id])
            store.execute(
                "INSERT INTO tracking_runs (job_id, kind, run_id, experiment_id, tracking_uri) "
                "VALUES (?, ?, ?, ?, ?)",
                [self.ctx.job_id, self.hooks.kind, run.info.run_id, exp, self.tracking.shown_uri])
        else:
            self.client.update_run(run.info.run_id, status="RUNNING")
            for key in run.data.metrics:
                history = self.client.get_metric_history(run.info.run_id, key)
                self.last_step[key] = max((m.step for m in history), default=-1)
        self.run_id = run.info.run_id
        present = run.data.params
        params = [Param(k, v) for k, v in flat_params(self.hooks.params(self.ctx)).items() if k not in present]
        for i in range(0, len(params), PARAMS_BATCH):
            self.client.log_batch(self.run_id, params=params[i:i + PARAMS_BATCH])
        self.client.log_batch(self.run_id, tags=[RunTag("clinsum.status", "running")])
        self.ctx.log(event="tracking", run_id=self.run_id, experiment_id=run.info.experiment_id,
                     tracking_uri=self.tracking.shown_uri)

    def _title(self) -> str:
        title = self.ctx.store.scalar("SELECT title FROM jobs WHERE id = ?", [self.ctx.job_id])
        return str(title or self.ctx.job_id)[:250]

    def flush(self) -> None:
        """Log the job's metrics that are new since the last flush (one batch per 900)."""
        with self._lock:
            self._safely("metrics", self._flush)

    def _flush(self) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        new = []
        for key, value, step in self.hooks.metrics(self.ctx):
            if value is None or not math.isfinite(float(value)) or step <= self.last_step.get(key, -1):
                continue
            new.append(Metric(key, float(value), now, int(step)))
            self.last_step[key] = int(step)
        for i in range(0, len(new), BATCH):
            self.client.log_batch(self.run_id, metrics=new[i:i + BATCH])

    def finish(self, status: str) -> None:
        """Last metrics, the artifacts, and the run's end status (FINISHED | KILLED | FAILED)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=START_WAIT_S)
            if self._thread.is_alive():  # a tracking server that does not answer
                self._safely("start", self._gave_up)
        if self.run_id is None:
            return
        self.flush()
        with self._lock:
            self._safely("artifacts", self._artifacts)
            self._safely("end", lambda: self._end(status))

    def _gave_up(self) -> None:
        raise TimeoutError(f"the tracking store did not answer within {START_WAIT_S:.0f} s")

    def _artifacts(self) -> None:
        with tempfile.TemporaryDirectory(prefix="clinsum-tracking-") as tmp:
            for path, folder in self.hooks.artifacts(self.ctx, Path(tmp)):
                if path.is_dir():
                    self.client.log_artifacts(self.run_id, str(path), artifact_path=folder)
                elif path.exists():
                    self.client.log_artifact(self.run_id, str(path), artifact_path=folder)

    def _end(self, status: str) -> None:
        from mlflow.entities import RunTag

        self.client.log_batch(self.run_id, tags=[RunTag("clinsum.status", self.ctx_status(status))])
        self.client.set_terminated(self.run_id, status=status)

    @staticmethod
    def ctx_status(status: str) -> str:
        return {"FINISHED": "done", "KILLED": "stopped", "FAILED": "failed"}.get(status, status.lower())


def hooks_for(kind: str) -> Any | None:
    """The tracking hooks of a job kind (None when the kind is not tracked)."""
    if kind not in TRACKED_KINDS:
        return None
    return TRACKED_KINDS.get(kind)  # a lazy "module:attr" target, imported here


@contextlib.contextmanager
def tracked(ctx: Any, kind: str) -> Iterator[JobRun | None]:
    """Track the handler run inside: FINISHED when it returns (KILLED when it stopped), KILLED on
    a stop, FAILED on an error, which is raised on unchanged."""
    hooks = hooks_for(kind)
    tracking = None
    if hooks is not None:
        try:
            tracking = settings(ctx.store)
        except Exception as exc:  # noqa: BLE001 - a bad tracking.toml never fails a job
            ctx.log(event="warning", source="tracking", message=scrub_text(f"Not tracked: {exc}"))
    if hooks is None or tracking is None or not tracking.enabled:
        yield None
        return
    if not tracking.available:
        ctx.log(event="warning", source="tracking",
                message="MLflow tracking is on but the mlflow package is not installed; not tracked.")
        yield None
        return
    run = JobRun(ctx, hooks, tracking)
    run.start()
    try:
        yield run
    except JobStopped:
        run.finish("KILLED")
        raise
    except BaseException:
        run.finish("FAILED")
        raise
    run.finish("KILLED" if ctx.should_stop() else "FINISHED")
