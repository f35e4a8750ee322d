"""The ``clinsum`` command. Each module in this package adds its subcommands.

A module defines ``register(subparsers)``, adding parsers whose ``func(args) -> int`` does the
work. Exit codes: 0 success, 1 unexpected error, 2 usage or configuration error, 3 bad input,
4 not found, 5 backend unavailable, 6 workspace busy, 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import pkgutil
import sys
import traceback

from clinsum import __version__
from clinsum.config import workspace_path
from clinsum.errors import ClinsumError
from clinsum.store import Store


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clinsum", description="Summarize clinical records with small language models."
    )
    parser.add_argument("--version", action="version", version=f"clinsum {__version__}")
    parser.add_argument(
        "-w", "--workspace", default=None,
        help="workspace folder (default: $CLINSUM_WORKSPACE or ./workspace)",
    )
    parser.add_argument(
        "--tracking-uri", default=None, metavar="URI",
        help="MLflow tracking URI for the jobs this command starts (sets MLFLOW_TRACKING_URI; "
             "default: a store inside the workspace)",
    )
    parser.add_argument("--no-tracking", action="store_true",
                        help="do not track the jobs this command starts in MLflow")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    package = importlib.import_module("clinsum.cli")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"clinsum.cli.{info.name}")
        if hasattr(module, "register"):
            module.register(subparsers)
    return parser


def open_store(args: argparse.Namespace) -> Store:
    """The workspace named by ``--workspace`` (or the default), opened and migrated."""
    return Store.open(workspace_path(args.workspace))


def main(argv: list[str] | None = None) -> int:
    try:
        code = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        return closed_pipe()


def closed_pipe() -> int:
    """The reader of our output went away (``clinsum records list | head``): stop quietly,
    as Unix tools do (exit 141 = 128 + SIGPIPE), without a traceback at exit either."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 141


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if getattr(args, "tracking_uri", None):  # job processes started from here inherit these
        os.environ["MLFLOW_TRACKING_URI"] = args.tracking_uri
    if getattr(args, "no_tracking", False):
        os.environ["CLINSUM_TRACKING"] = "off"
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        raise
    except ClinsumError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:  # an unexpected failure: say so plainly, keep the traceback for reports
        print("error: unexpected failure (a bug in clinsum); details follow", file=sys.stderr)
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
