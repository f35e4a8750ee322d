"""The ``kb_ingest`` job kind: an ingestion as a resumable background process."""

from __future__ import annotations

from clinsum.errors import reason_fields
from clinsum.jobs import JOB_KINDS, JobContext
from clinsum.rag.bases import create_base

JOB_KINDS.register("kb_ingest", "clinsum.rag.jobs:kb_ingest_job")


def kb_ingest_job(ctx: JobContext) -> None:
    """config: base, path (or source="references"), layout, mapping, batch_size, create,
    cluster (a Ray address; default: as :func:`clinsum.cluster.cluster_address` finds it)."""
    from clinsum.rag.ingest import DEFAULT_BATCH, ingest_file, ingest_references

    cfg = ctx.config
    if cfg.get("create", True):
        create_base(ctx.store, cfg["base"], exist_ok=True)
    kwargs = dict(batch_size=int(cfg.get("batch_size") or DEFAULT_BATCH), progress=ctx.progress,
                  check_stop=ctx.check_stop, job_id=ctx.job_id, cluster=cfg.get("cluster"))
    if cfg.get("source") == "references":
        report = ingest_references(ctx.store, cfg["base"], **kwargs)
    else:
        report = ingest_file(ctx.store, cfg["base"], cfg["path"], cfg.get("layout"),
                             cfg.get("mapping"), **kwargs)
    for problem in report.problems:
        ctx.log(event="problem", line=problem.line, reason=problem.reason, **reason_fields(problem.reason))
    ctx.log(event="ingested", **{k: getattr(report, k) for k in
                                 ("rows_read", "added", "existing", "duplicates", "n_problems", "seconds")})
