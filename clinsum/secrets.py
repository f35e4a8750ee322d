"""API keys from the environment or ``.streamlit/secrets.toml``; never logged or stored."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from clinsum.config import PROJECT_ROOT


def secrets_files() -> list[Path]:
    return [Path.cwd() / ".streamlit" / "secrets.toml", PROJECT_ROOT / ".streamlit" / "secrets.toml",
            Path.home() / ".streamlit" / "secrets.toml"]


def read_secrets() -> dict:
    """The first readable secrets.toml as a dict (empty when there is none or it is broken)."""
    for path in secrets_files():
        if path.is_file():
            try:
                return tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError):
                return {}
    return {}


def get_secret(name: str) -> str | None:
    """``$NAME`` if set, else ``NAME`` at the top of secrets.toml."""
    value = os.environ.get(name)
    if value:
        return value
    found = read_secrets().get(name)
    return str(found) if found else None


def mask(value: str | None) -> str:
    """A key shown as ``sk-…abcd`` (for status lines only)."""
    if not value:
        return "(not set)"
    return f"{value[:3]}…{value[-4:]}" if len(value) > 10 else "…"
