"""MLflow tracking: every grid, scoring run and fine-tuning job becomes an MLflow run.

Where runs go is decided by :func:`settings`, in this order: ``CLINSUM_TRACKING=off`` (or the
CLI's ``--no-tracking``) turns tracking off; the tracking URI is ``MLFLOW_TRACKING_URI`` (the
CLI's ``--tracking-uri`` sets it), else ``uri`` in the workspace's ``tracking.toml``, else a
SQLite store inside the workspace (``mlflow/mlflow.db``, artifacts under ``mlflow/artifacts``),
so by default nothing leaves the machine (MLflow's own usage telemetry is switched off too).
To a server outside the hospital (see :func:`leaves_hospital`) only settings and aggregates go:
no record ids and no adapter weights.

A job kind is tracked when :data:`TRACKED_KINDS` names its hooks (``module:attribute``, a
:class:`clinsum.tracking.hooks.Hooks`); :func:`job_run` (used by :func:`clinsum.jobs.run_job`)
does the rest. Tracking never makes a job fail: an MLflow error becomes a ``warning`` event in
the job's log. The run id is kept in the ``tracking_runs`` table, so pages and the CLI link to it.
"""

from __future__ import annotations

import importlib.util
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinsum.errors import ConfigError
from clinsum.registry import Registry
from clinsum.store import Store
from clinsum.store.scrub import find_secrets, scrub_text

TRACKED_KINDS: Registry[Any] = Registry("tracked job kind")  # lazy "module:attr" Hooks
TRACKED_KINDS.register("grid", "clinsum.tracking.hooks:GRID")
TRACKED_KINDS.register("score", "clinsum.tracking.hooks:SCORE")
TRACKED_KINDS.register("finetune", "clinsum.tracking.hooks:FINETUNE")
TRACKED_KINDS.register("preference", "clinsum.tracking.hooks:PREFERENCE")

CONFIG_FILE = "tracking.toml"
CONFIG_KEYS = ("enabled", "uri", "experiment", "artifact_location", "flush_s")
DEFAULT_EXPERIMENT = "clinsum"
DEFAULT_FLUSH_S = 30.0
OFF_VALUES = ("0", "off", "false", "no")


@dataclass(frozen=True)
class TrackingSettings:
    """Where runs go. ``source`` says where the URI came from: default | workspace | env."""

    enabled: bool
    available: bool          # whether the mlflow package can be imported
    uri: str
    experiment: str
    artifact_location: str | None  # None: the server decides (a remote tracking server)
    source: str
    flush_s: float = DEFAULT_FLUSH_S

    @property
    def active(self) -> bool:
        return self.enabled and self.available

    @property
    def local(self) -> bool:
        return not self.uri.startswith(("http://", "https://", "databricks"))

    @property
    def shown_uri(self) -> str:
        """The URI safe to show or store (a password in it is redacted)."""
        return scrub_text(self.uri)


def mlflow_available() -> bool:
    """Whether ``mlflow`` is importable (checked without importing it, which takes seconds)."""
    return importlib.util.find_spec("mlflow") is not None


def default_uri(store: Store) -> str:
    return f"sqlite:///{store.root / 'mlflow' / 'mlflow.db'}"


def default_artifacts(store: Store) -> str:
    return (store.root / "mlflow" / "artifacts").as_uri()


def read_config(store: Store) -> dict[str, Any]:
    """The workspace's ``tracking.toml`` (empty when absent)."""
    path = store.root / CONFIG_FILE
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}", key="tracking.bad_config",
                          path=str(path)) from exc
    return {k: v for k, v in data.items() if k in CONFIG_KEYS}


def write_config(store: Store, **values: Any) -> dict[str, Any]:
    """Change the workspace's tracking settings (a value of None removes the setting); a URI
    holding a password is refused (give it in MLFLOW_TRACKING_USERNAME/PASSWORD instead)."""
    unknown = sorted(set(values) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigError(f"Unknown tracking setting(s): {', '.join(unknown)}.",
                          hint=f"Known settings: {', '.join(CONFIG_KEYS)}.")
    if find_secrets({k: v for k, v in values.items() if isinstance(v, str)}):
        raise ConfigError("The tracking URI holds a password; it would be stored in the workspace.",
                          hint="Set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or "
                               "MLFLOW_TRACKING_TOKEN) in the environment instead.",
                          key="tracking.secret_uri")
    config = {**read_config(store), **values}
    config = {k: v for k, v in config.items() if v is not None}
    lines = [f"{key} = {_toml(value)}" for key, value in config.items()]
    path = store.root / CONFIG_FILE
    path.write_text("# MLflow tracking of this workspace (clinsum tracking --help)\n"
                    + "\n".join(lines) + "\n", encoding="utf-8")
    return config


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def settings(store: Store) -> TrackingSettings:
    """The tracking settings of ``store`` (environment > workspace ``tracking.toml`` > default)."""
    config = read_config(store)
    enabled = bool(config.get("enabled", True))
    switch = os.environ.get("CLINSUM_TRACKING", "").strip().lower()
    if switch:
        enabled = switch not in OFF_VALUES
    env_uri = os.environ.get("MLFLOW_TRACKING_URI", "").strip()
    if env_uri:
        uri, source = env_uri, "env"
    elif config.get("uri"):
        uri, source = str(config["uri"]), "workspace"
    else:
        uri, source = default_uri(store), "default"
    remote = uri.startswith(("http://", "https://", "databricks"))
    artifacts = config.get("artifact_location") or (None if remote else default_artifacts(store))
    try:
        flush_s = max(0.05, float(config.get("flush_s", DEFAULT_FLUSH_S)))
    except (TypeError, ValueError):
        flush_s = DEFAULT_FLUSH_S
    return TrackingSettings(enabled, mlflow_available(), uri,
                            str(config.get("experiment") or DEFAULT_EXPERIMENT), artifacts, source,
                            flush_s)


def leaves_hospital(store: Store, tracking: TrackingSettings | None = None) -> bool:
    """Whether runs go to a server outside the hospital (a host the workspace's privacy
    settings do not name as inside): then nothing derived from records beyond aggregates is
    sent (no record ids, no adapter weights)."""
    from clinsum.privacy.settings import is_inside, load_settings

    tracking = tracking or settings(store)
    return not tracking.local and not is_inside(tracking.uri, load_settings(store))


def ui_command(tracking: TrackingSettings) -> str | None:
    """How to open a local store in the MLflow UI (None for a server, which has its own)."""
    if not tracking.local:
        return None
    command = f"mlflow ui --backend-store-uri {tracking.shown_uri}"
    if tracking.artifact_location:
        command += f" --default-artifact-root {tracking.artifact_location}"
    return command


def run_url(uri: str | None, experiment_id: str | None, run_id: str) -> str | None:
    """The web address of a run on a tracking server (None for a local store)."""
    if not uri or not uri.startswith(("http://", "https://")) or not experiment_id:
        return None
    return f"{scrub_text(uri).rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


def run_for(store: Store, job_id: str) -> dict[str, Any] | None:
    """The MLflow run recorded for a job: run_id, experiment_id, tracking_uri, url (or None)."""
    row = store.fetch_one("SELECT * FROM tracking_runs WHERE job_id = ?", [job_id])
    if row is None:
        return None
    row["url"] = run_url(row["tracking_uri"], row["experiment_id"], row["run_id"])
    return row


def runs(store: Store, kind: str | None = None) -> list[dict[str, Any]]:
    """Every recorded MLflow run, newest first (optionally of one job kind)."""
    sql = "SELECT * FROM tracking_runs" + (" WHERE kind = ?" if kind else "") + " ORDER BY created_at DESC"
    rows = store.fetch_dicts(sql, [kind] if kind else [])
    for row in rows:
        row["url"] = run_url(row["tracking_uri"], row["experiment_id"], row["run_id"])
    return rows


def store_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (None for other stores)."""
    return Path(uri.removeprefix("sqlite:///")) if uri.startswith("sqlite:///") else None


def job_run(ctx: Any, kind: str):
    """A context manager around a job's handler that tracks it when its kind has hooks (a
    no-op otherwise, without importing MLflow)."""
    from clinsum.tracking.run import tracked

    return tracked(ctx, kind)
