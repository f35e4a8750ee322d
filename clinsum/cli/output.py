"""Plain-text tables for the CLI."""

from __future__ import annotations

from typing import Any


def print_table(rows: list[dict[str, Any]], columns: list[str], max_width: int = 60) -> None:
    if not rows:
        print("(none)")
        return
    cells = [[_cell(row.get(c), max_width) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


def _cell(value: Any, max_width: int) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= max_width else text[: max_width - 1] + "…"
