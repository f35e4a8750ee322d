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
    job_id = jobs.submit(store, KIND, pinned.to_dict(), title=f"finetune {pinned.name} on {dataset['ref']}",
                         resource=RESOURCE, spawn=False)
    folder = jobs.job_dir(store, job_id)
    save_config(pinned, folder / "config.json")
    save_config(pinned, folder / "config.toml")
    if spawn:
        jobs.start_process(store, job_id)
    return job_id


def run_finetune(ctx: JobContext) -> None:
    """Job handler: train (resuming from the newest checkpoint) and register the adapter."""
    from clinsum.finetune.runner import Callbacks, Trainer

    config = FinetuneConfig.from_dict(ctx.config)
    dataset = get_dataset(ctx.store, config.dataset)

    def progress(step: int, total: int, message: str, elapsed: float) -> None:
        ctx.started = time.monotonic() - elapsed  # elapsed and ETA count earlier sessions too
        ctx.progress(step, total, message)

    trainer = Trainer(config, dataset, ctx.dir,
                      Callbacks(log=ctx.log, progress=progress, should_stop=ctx.should_stop))
    result = trainer.run()
    adapter_id = register_adapter(
        ctx.store, name=config.name, base_model=config.base_model, adapter_path=str(result.adapter_path),
        job_id=ctx.job_id, dataset_id=dataset["id"],
        config={**config.to_dict(), "dataset_ref": dataset["ref"]}, results=result.results,
    )
    ctx.log(event="registered", adapter_id=adapter_id, adapter_path=str(result.adapter_path))


def finetune_jobs(store: Store) -> list[dict[str, Any]]:
    """Every fine-tuning job, newest first, with its progress."""
    return jobs.list_jobs(store, KIND)
