"""The "before / after" grid of a preference-tuned adapter, and a blinded round made from it.

:func:`before_after_grid` is a grid (GRID.toml's content) on the adapter's held-out records:
the starting point (the base model, or the SFT adapter it started from) against the new
adapter, same strategy, greedy decoding. Its summaries land in the Explorer like any grid's.
:func:`round_from_grid` turns a finished grid into pairwise items, before vs after per record,
shown to physicians in a random stored order (blinded), ready on the Annotate page.
"""

from __future__ import annotations

from typing import Any

from clinsum.annotation.pairwise import create_given_pairs
from clinsum.errors import InputError
from clinsum.finetune.adapters import get_adapter
from clinsum.store import Store

STRATEGY = "template"


def before_after_grid(store: Store, adapter_ref: str, *, max_new_tokens: int = 256,
                      strategy: str = STRATEGY) -> dict[str, Any]:
    """The grid comparing ``adapter_ref``'s starting point with it on its held-out records."""
    adapter = get_adapter(store, adapter_ref)
    config = adapter["config"]
    records = list(config.get("val_records") or [])
    if not records:
        raise InputError(f"The adapter {adapter['name']} has no held-out records to compare on.",
                         hint="Build the preference dataset with a held-out fraction above 0 and train again.")
    before: dict[str, Any] = {"backend": "transformers", "model": adapter["base_model"]}
    if config.get("start_adapter"):
        before["adapter"] = config["start_adapter"]
    after = {"backend": "transformers", "model": adapter["base_model"], "adapter": adapter["adapter_path"]}
    return {"name": f"before-after-{adapter['name']}", "description": f"before/after {adapter['id']}",
            "records": records, "strategies": [strategy], "temperatures": [0.0], "decodings": ["greedy"],
            "max_new_tokens": int(max_new_tokens), "seed": 42, "models": [before, after]}


def grid_pairs(store: Store, grid_id: str) -> list[tuple[str, tuple[str, str], tuple[str, str]]]:
    """Per record of the grid, (record, before generation, after generation): both must be stored
    without error (an empty summary is kept: it is what that model wrote)."""
    rows = store.fetch_dicts(
        "SELECT id, record_id, adapter FROM generations WHERE grid_id = ? AND error IS NULL"
        " AND text IS NOT NULL ORDER BY record_id, created_at, id", [grid_id])
    from clinsum import jobs

    models = (jobs.info(store, grid_id)["config"].get("grid") or {}).get("models") or []
    if len(models) != 2:
        raise InputError("This grid is not a before/after grid (it needs exactly two models).")
    before_adapter, after_adapter = (m.get("adapter") for m in models)
    by_record: dict[str, dict[str, str]] = {}
    for row in rows:
        side = "after" if row["adapter"] == after_adapter else "before" if row["adapter"] == before_adapter else None
        if side:
            by_record.setdefault(row["record_id"], {}).setdefault(side, row["id"])
    return [(record_id, ("generation", sides["before"]), ("generation", sides["after"]))
            for record_id, sides in sorted(by_record.items()) if len(sides) == 2]


def round_from_grid(store: Store, grid_id: str, seed: int | None = None) -> int:
    """A new blinded pairwise round, before vs after, from a finished grid; how many pairs are new."""
    pairs = grid_pairs(store, grid_id)
    if not pairs:
        raise InputError("The grid has no record with both a before and an after summary yet.",
                         hint="Wait until the grid is done (a failed cell can be retried with resume).")
    return create_given_pairs(store, pairs, seed)
