"""A background job that follows an OpenAI batch until its results are stored.

Kind ``refs-batch-watch``, config ``{"batch_id": ..., "interval": seconds}``. It polls with
:func:`clinsum.references.batch.refresh`, so a restart (resume) simply continues; stopping
it leaves the batch running remotely, to be followed again later.
"""

from __future__ import annotations

import time

from clinsum.jobs import JOB_KINDS, JobContext
from clinsum.references import batch

KIND = "refs-batch-watch"
JOB_KINDS.register(KIND, "clinsum.references.batch_job:watch")


def watch(ctx: JobContext) -> None:
    batch_id = ctx.config["batch_id"]
    interval = float(ctx.config.get("interval", 60.0))
    row = batch.get_batch(ctx.store, batch_id)
    client = batch.openai_client(base_url=row["base_url"])
    while True:
        ctx.check_stop()
        row = batch.refresh(ctx.store, batch_id, client)
        counts = row["request_counts"] or {}
        total = counts.get("total") or None
        ctx.progress(int(counts.get("completed", 0)) + int(counts.get("failed", 0)), total,
                     f"{batch_id}: {row['remote_status'] or row['status']}")
        ctx.log(event="poll", status=row["status"], remote=row["remote_status"])
        if row["status"] == "fetched":
            return
        deadline = time.monotonic() + interval
        while time.monotonic() < deadline:
            ctx.check_stop()
            time.sleep(min(1.0, interval))
