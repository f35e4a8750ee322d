"""The job kind ``import``: a record import in the background, with progress, stop and resume.

Config: ``paths`` (absolute files or folders), ``map`` (the column mapping's fields), ``max_bytes``,
``strict``. The import commits in chunks (:func:`clinsum.records.ingest.apply_import`), so a
stopped or killed job keeps what it wrote and a resumed one skips it (as already present).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clinsum.config import env_int
from clinsum.errors import InputError, reason_fields
from clinsum.jobs import JOB_KINDS, JobContext
from clinsum.records.ingest import ColumnMapping, ImportPlan, import_paths
from clinsum.store import Store

JOB_KINDS.register("import", "clinsum.records.jobs:run_import_job")

PROBLEMS_LOGGED = 1000


def background_rows() -> int:
    """Rows above which the Records page imports in a job ($CLINSUM_IMPORT_BACKGROUND_ROWS)."""
    return env_int("CLINSUM_IMPORT_BACKGROUND_ROWS", 2000)


def submit_import(store: Store, paths: list[str | Path], mapping: str | ColumnMapping | None = None,
                  max_bytes: int | None = None, strict: bool = False, spawn: bool = True) -> str:
    """Start an import job; return its id (follow it with ``clinsum jobs wait ID``)."""
    from clinsum import jobs

    if not isinstance(mapping, ColumnMapping):
        mapping = ColumnMapping.parse(mapping)  # a bad mapping fails here, before a job exists
    files = [str(Path(p).expanduser().resolve()) for p in paths]
    missing = [p for p in files if not Path(p).exists()]
    if missing:
        raise InputError(f"No such file or folder: {', '.join(missing)}.", hint="Nothing was started.")
    title = "import " + ", ".join(Path(p).name for p in files[:3]) + (" …" if len(files) > 3 else "")
    return jobs.submit(store, "import", {"paths": files, "map": vars(mapping), "max_bytes": max_bytes,
                                         "strict": strict}, title=title, spawn=spawn)


def plan_summary(plan: ImportPlan) -> dict[str, Any]:
    """Counts of what an import did (the job's ``imported`` log event)."""
    return {"imported": len(plan.new), "aliases": len(plan.aliases), "duplicates": len(plan.duplicates),
            "references": plan.references, "problems": len(plan.problems)}


def run_import_job(ctx: JobContext) -> None:
    config = ctx.config
    plan = import_paths(ctx.store, config["paths"], ColumnMapping(**(config.get("map") or {})),
                        config.get("max_bytes"), bool(config.get("strict")),
                        progress=ctx.progress, check_stop=ctx.check_stop)
    for problem in plan.problems[:PROBLEMS_LOGGED]:
        ctx.log(event="problem", source=problem.source, line=problem.line, reason=problem.reason,
                **reason_fields(problem.reason))
    ctx.log(event="imported", **plan_summary(plan))
    total = plan.n_written + len(plan.duplicates)
    ctx.progress(total, total, f"{plan.n_written} imported ({len(plan.aliases)} aliases), "
                               f"{len(plan.duplicates)} already present, {len(plan.problems)} problem(s)")
