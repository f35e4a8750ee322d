"""Job handlers used by the job tests (run inside real job processes)."""

from __future__ import annotations

import time

from clinsum.jobs import JobContext


def count_items(ctx: JobContext) -> None:
    """Write items 0..n-1 into a table, skipping those already there (idempotent)."""
    n = int(ctx.config["n"])
    delay = float(ctx.config.get("delay", 0.05))
    ctx.store.execute("CREATE TABLE IF NOT EXISTS test_items (i INTEGER PRIMARY KEY)")
    done = {r[0] for r in ctx.store.execute("SELECT i FROM test_items")}
    for i in range(n):
        ctx.check_stop()
        if i in done:
            continue
        time.sleep(delay)
        ctx.store.execute("INSERT INTO test_items VALUES (?)", [i])
        ctx.log(event="item", i=i)
        ctx.progress(i + 1, n, f"item {i}")


def explode(ctx: JobContext) -> None:
    raise ValueError("handler bug")


def leak_config(ctx: JobContext) -> None:
    """Log the config and fail with a message quoting it (what a careless handler might do)."""
    ctx.log(event="config", config=ctx.config, note=f"key {ctx.config.get('raw')}")
    raise ValueError(f"cannot use {ctx.config.get('raw')}")
