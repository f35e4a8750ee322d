"""Backend commands: ``clinsum backends`` (what can run here) and ``clinsum models BACKEND``."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backends", help="each LLM backend: available here or what it needs")
    _connection_args(p)
    p.add_argument("--json", action="store_true", help="JSON lines instead of text")
    p.set_defaults(func=_backends)

    p = sub.add_parser("models", help="models a backend can use now (Ollama: pulled models)")
    p.add_argument("backend", help="ollama, openai, openai-compatible, transformers, extractive")
    _connection_args(p)
    p.add_argument("--models-dir", default=None,
                   help="transformers: a folder whose subfolders are models")
    p.add_argument("--json", action="store_true", help="a JSON list instead of lines")
    p.set_defaults(func=_models)


def _connection_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default=None, help="Ollama address (default $OLLAMA_HOST)")
    p.add_argument("--base-url", default=None,
                   help="OpenAI-compatible server address (default $OPENAI_BASE_URL)")


def _configs(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    configs: dict[str, dict[str, Any]] = {}
    if args.host:
        configs["ollama"] = {"host": args.host}
    if args.base_url:
        configs["openai-compatible"] = {"base_url": args.base_url}
    if getattr(args, "models_dir", None):
        configs["transformers"] = {"models_dir": args.models_dir}
    return configs


def _backends(args: argparse.Namespace) -> int:
    from clinsum.backends import backend_status

    for status in backend_status(_configs(args)):
        if args.json:
            print(json.dumps(status.__dict__, ensure_ascii=False))
            continue
        mark = "ok " if status.available else "-- "
        print(f"{mark}{status.name:<18} {status.label}")
        print(f"{'':22}{status.detail}")
        if not status.available:
            print(f"{'':22}needs: {status.needs}")
    return 0


def _models(args: argparse.Namespace) -> int:
    from clinsum.backends import BACKENDS

    cls = BACKENDS.get(args.backend)
    models = cls.list_models(**_configs(args).get(args.backend, {}))
    if args.json:
        print(json.dumps(models, ensure_ascii=False))
    elif not models:
        print("(none)")
    else:
        print("\n".join(models))
    return 0
