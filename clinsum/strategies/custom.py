"""User-defined strategies, written on the page and saved in the workspace with a version.

A custom strategy is one call: its own system prompt and a user template that must contain
``{record}`` (the record's text goes there). Saving under an existing name adds a version;
generations record ``custom:<name>@<version>`` as their prompt version.
"""

from __future__ import annotations

import re
from typing import Any

from clinsum.backends.base import Message
from clinsum.errors import InputError
from clinsum.store import Store
from clinsum.strategies.base import STRATEGIES, Strategy, StrategyContext
from clinsum.strategies.prompts import render

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")


class CustomStrategy(Strategy):
    """A saved user strategy (one version of it)."""

    builtin = False

    def __init__(self, row: dict[str, Any]) -> None:
        self.name = row["name"]
        self.version = str(row["version"])
        self.label = row.get("label") or row["name"]
        self.description = row.get("description") or ""
        self.system = row.get("system") or ""
        self.user_template = row["user_template"]
        self.language = row.get("language") or "es"
        self.author = row.get("author")

    def prompt_version(self, ctx: StrategyContext) -> str:
        return f"custom:{self.name}@{self.version}"

    def prepare(self, ctx: StrategyContext) -> list[Message]:
        values = {"record": ctx.record.text, "title": ctx.record.title, "language": ctx.language}
        messages: list[Message] = []
        if self.system.strip():
            messages.append({"role": "system", "content": render(self.system, **values)})
        messages.append({"role": "user", "content": render(self.user_template, **values)})
        return messages


def save_custom(
    store: Store,
    name: str,
    user_template: str,
    *,
    system: str = "",
    language: str = "es",
    label: str | None = None,
    description: str = "",
    author: str | None = None,
) -> int:
    """Save a new version of the custom strategy ``name``; return the version number."""
    import clinsum.strategies  # noqa: F401 - the built-in names are reserved

    name = (name or "").strip().lower()
    if not _NAME_RE.match(name):
        raise InputError(
            f"{name!r} is not a valid strategy name.",
            hint="Use 2 to 40 lower-case letters, digits, '-' or '_', e.g. 'resumen_breve'.",
        )
    if name in STRATEGIES:
        raise InputError(f"{name!r} is a built-in strategy.", hint="Choose another name.")
    if "{record}" not in (user_template or ""):
        raise InputError(
            "The prompt does not contain {record}, so the record would never reach the model.",
            hint="Write {record} where the record's text should go.",
        )
    with store.transaction() as con:
        version = con.execute(
            "SELECT coalesce(max(version), 0) + 1 FROM custom_strategies WHERE name = ?", [name]
        ).fetchone()[0]
        con.execute(
            "INSERT INTO custom_strategies (name, version, language, label, description, system,"
            " user_template, author) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [name, version, language, label or name, description, system, user_template, author],
        )
    return int(version)


def load_custom(store: Store, name: str, version: int | None = None) -> CustomStrategy | None:
    """The newest (or the given) version of a custom strategy; None when there is none."""
    sql = "SELECT * FROM custom_strategies WHERE name = ?"
    params: list[Any] = [name]
    if version is not None:
        sql += " AND version = ?"
        params.append(int(version))
    row = store.fetch_one(sql + " ORDER BY version DESC LIMIT 1", params)
    return CustomStrategy(row) if row else None


def list_custom(store: Store) -> list[dict[str, Any]]:
    """The newest version of every custom strategy."""
    return store.fetch_dicts(
        "SELECT * FROM custom_strategies c WHERE version = (SELECT max(version) FROM"
        " custom_strategies d WHERE d.name = c.name) ORDER BY name"
    )
