"""Prompting strategies (template, chain of thought, few-shot, refinement, by parts, custom).

Importing this package registers the built-in strategies in ``STRATEGIES``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clinsum.strategies import by_parts, few_shot, prompted, rag, refine  # noqa: F401 - registers
from clinsum.strategies.base import (
    STRATEGIES,
    Stage,
    Strategy,
    StrategyContext,
    SummaryResult,
    SummaryStream,
    backend_slots,
    run_concurrently,
)

if TYPE_CHECKING:
    from clinsum.store import Store

__all__ = [
    "STRATEGIES", "Stage", "Strategy", "StrategyContext", "SummaryResult", "SummaryStream",
    "backend_slots", "get_strategy", "list_strategies", "run_concurrently",
]


def list_strategies(store: Store | None = None) -> list[dict[str, Any]]:
    """Built-in strategies, then the workspace's custom ones (newest versions)."""
    out = [{"name": name, "label": s.label, "description": s.description, "version": s.version,
            "builtin": True} for name, s in STRATEGIES.items()]
    if store is not None:
        from clinsum.strategies.custom import list_custom

        out += [{"name": row["name"], "label": row["label"] or row["name"],
                 "description": row["description"] or "", "version": str(row["version"]),
                 "builtin": False} for row in list_custom(store)]
    return out


def get_strategy(name: str, store: Store | None = None) -> Strategy:
    """A registered strategy, else the workspace's user-defined one of that name."""
    if name in STRATEGIES or store is None:
        return STRATEGIES.get(name)
    from clinsum.strategies.custom import load_custom

    found = load_custom(store, name)
    if found is None:
        return STRATEGIES.get(name)  # raises NotFound listing the known ones
    return found
