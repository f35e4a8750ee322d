"""``clinsum tracking``: where grids, scoring runs and fine-tuning jobs are tracked in MLflow.

``clinsum tracking`` prints the settings (and how to open a local store in the MLflow UI),
``clinsum tracking set`` changes them in the workspace's ``tracking.toml``, ``clinsum tracking
runs`` lists the MLflow run of each tracked job.
"""

from __future__ import annotations

import argparse

from clinsum.cli.output import print_table


def register(sub: argparse._SubParsersAction) -> None:
    from clinsum.cli import open_store

    p = sub.add_parser("tracking", help="MLflow tracking of jobs: settings and runs")
    tsub = p.add_subparsers(dest="tracking_command", metavar="ACTION")
    p.set_defaults(func=lambda a: _show(open_store(a)))

    q = tsub.add_parser("show", help="the tracking URI, experiment and how to open the MLflow UI")
    q.set_defaults(func=lambda a: _show(open_store(a)))

    q = tsub.add_parser("set", help="change this workspace's tracking settings")
    q.add_argument("--uri", default=None,
                   help="tracking URI, e.g. http://mlflow.example.org:5000 ('default': the workspace store)")
    q.add_argument("--experiment", default=None, help="MLflow experiment name (default clinsum)")
    q.add_argument("--artifacts", default=None, help="artifact location for a new experiment")
    switch = q.add_mutually_exclusive_group()
    switch.add_argument("--on", dest="enabled", action="store_true", default=None, help="track jobs")
    switch.add_argument("--off", dest="enabled", action="store_false", help="do not track jobs")
    q.set_defaults(func=lambda a: _set(open_store(a), a))

    q = tsub.add_parser("runs", help="the MLflow run of each tracked job, newest first")
    q.add_argument("--kind", default=None, help="only jobs of this kind (grid, score, finetune)")
    q.set_defaults(func=lambda a: _runs(open_store(a), a.kind))


def _show(store) -> int:
    from clinsum import tracking

    found = tracking.settings(store)
    state = "on" if found.active else ("off" if not found.enabled else "off (mlflow is not installed)")
    print(f"tracking: {state}")
    print(f"uri: {found.shown_uri} ({found.source})")
    print(f"experiment: {found.experiment}")
    if found.artifact_location:
        print(f"artifacts: {found.artifact_location}")
    command = tracking.ui_command(found)
    if command:
        print(f"open it: {command}  (needs the full mlflow package, e.g. `uvx mlflow ui ...`)")
    return 0


def _set(store, args: argparse.Namespace) -> int:
    from clinsum import tracking

    values = {}
    if args.uri is not None:
        values["uri"] = None if args.uri in ("", "default") else args.uri
    if args.experiment is not None:
        values["experiment"] = args.experiment or None
    if args.artifacts is not None:
        values["artifact_location"] = args.artifacts or None
    if args.enabled is not None:
        values["enabled"] = args.enabled
    tracking.write_config(store, **values)
    return _show(store)


def _runs(store, kind: str | None) -> int:
    from clinsum import tracking

    rows = tracking.runs(store, kind)
    print_table([{**r, "where": r["url"] or r["tracking_uri"]} for r in rows],
                ["job_id", "kind", "run_id", "experiment_id", "where"], max_width=90)
    return 0
