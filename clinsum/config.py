"""Where the workspace lives, and the few settings read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_WORKSPACE = "workspace"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEMO_DIR = DATA_DIR / "demo"


def workspace_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The workspace folder: ``explicit`` > ``$CLINSUM_WORKSPACE`` > ``./workspace``."""
    chosen = explicit or os.environ.get("CLINSUM_WORKSPACE") or DEFAULT_WORKSPACE
    return Path(chosen).expanduser().resolve()


def env_int(name: str, default: int) -> int:
    """An integer from the environment, ``default`` when unset or not a number."""
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default
