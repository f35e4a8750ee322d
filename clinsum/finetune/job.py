"""The ``finetune`` job kind: runs :class:`~clinsum.finetune.runner.Trainer` in its own process.

One job per GPU at a time (resource ``gpu``; the others wait queued). The job folder holds
``config.json`` and ``config.toml`` (what was run), ``log.jsonl`` (the training log),
``checkpoints/`` and, when done, ``adapter/``, which is registered in ``finetune_adapters``.
"""

from __future__ import annotations

import time
from typing import Any

from clinsum import jobs
from clinsum.errors import ConfigError
from clinsum.finetune.adapters import register_adapter
from clinsum.finetune.config import FinetuneConfig, save_config
from clinsum.finetune.datasets import get_dataset
from clinsum.jobs import JOB_KINDS, JobContext
from clinsum.store import Store

KIND = "finetune"
RESOURCE = "gpu"

JOB_KINDS.register(KIND, "clinsum.finetune.job:run_finetune")


def submit_run(store: Store, config: FinetuneConfig, *, spawn: bool = True) -> str:
    """Check ``config``, pin its dataset version, save it with the job and start (or queue) it."""
    config = config.validated()
    if not config.base_model:
        raise ConfigError("No base model chosen.", hint="Give the folder of a local model (or a hub id).")
    if not config.dataset:
        raise ConfigError("No dataset chosen.", hint="Build a dataset first, then choose it.")
    dataset = get_dataset(store, config.dataset)
    if dataset["source"] == "pairwise":
        raise ConfigError(f"{dataset['ref']} is a preference dataset (chosen/rejected pairs).",
                          hint="Train it with preference tuning (DPO), or choose a supervised dataset.")
    pinned = config.with_values(dataset=dataset["id"])
    return submit_training(store, KIND, pinned, f"finetune {pinned.name} on {dataset['ref']}", spawn=spawn)


def submit_training(store: Store, kind: str, pinned: Any, title: str, *, spawn: bool) -> str:
    """Record a training job of ``kind`` (one GPU job at a time), save its pinned config in the
    job folder (``config.json`` and ``config.toml``) and start (or queue) it."""
    job_id = jobs.submit(store, kind, pinned.to_dict(), title=title, resource=RESOURCE, spawn=False)
    folder = jobs.job_dir(store, job_id)
    save_config(pinned, folder / "config.json")
    save_config(pinned, folder / "config.toml")
    if spawn:
        jobs.start_process(store, job_id)
    return job_id


def job_callbacks(ctx: JobContext) -> Any:
    """The trainer's callbacks for a job: its log, its progress (elapsed and ETA counting
    earlier sessions too) and its stop signal."""
    from clinsum.finetune.runner import Callbacks

    def progress(step: int, total: int, message: str, elapsed: float) -> None:
        ctx.started = time.monotonic() - elapsed
        ctx.progress(step, total, message)

    return Callbacks(log=ctx.log, progress=progress, should_stop=ctx.should_stop)


def run_finetune(ctx: JobContext) -> None:
    """Job handler: train (resuming from the newest checkpoint) and register the adapter."""
    from clinsum.finetune.runner import Trainer

    config = FinetuneConfig.from_dict(ctx.config)
    dataset = get_dataset(ctx.store, config.dataset)
    result = Trainer(config, dataset, ctx.dir, job_callbacks(ctx)).run()
    adapter_id = register_adapter(
        ctx.store, name=config.name, base_model=config.base_model, adapter_path=str(result.adapter_path),
        job_id=ctx.job_id, dataset_id=dataset["id"],
        config={**config.to_dict(), "dataset_ref": dataset["ref"]}, results=result.results,
    )
    ctx.log(event="registered", adapter_id=adapter_id, adapter_path=str(result.adapter_path))


def finetune_jobs(store: Store) -> list[dict[str, Any]]:
    """Every fine-tuning job, newest first, with its progress."""
    return jobs.list_jobs(store, KIND)
