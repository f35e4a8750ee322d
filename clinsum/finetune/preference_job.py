"""The ``preference`` job kind: :class:`~clinsum.finetune.dpo.PreferenceTrainer` in its own process.

Same folder layout, resource (``gpu``: one training job at a time) and log as the ``finetune``
kind; the adapter is registered in ``finetune_adapters`` (``config.kind = 'preference'``, the
held-out records in ``config.val_records``), so Summarize and Grids offer it at once.
"""

from __future__ import annotations

from typing import Any

from clinsum import jobs
from clinsum.errors import ConfigError
from clinsum.finetune.adapters import get_adapter, register_adapter
from clinsum.finetune.datasets import get_dataset
from clinsum.finetune.dpo import PreferenceConfig
from clinsum.finetune.job import job_callbacks, submit_training
from clinsum.finetune.preferences import is_preference_dataset
from clinsum.jobs import JOB_KINDS, JobContext
from clinsum.store import Store

KIND = "preference"

JOB_KINDS.register(KIND, "clinsum.finetune.preference_job:run_preference")


def resolve_start_adapter(store: Store, ref: str) -> str:
    """An adapter id or name -> its folder; a folder stays as it is; empty stays empty."""
    if not ref:
        return ""
    from pathlib import Path

    if (Path(ref) / "adapter_config.json").is_file():
        return ref
    return get_adapter(store, ref)["adapter_path"]


def submit_preference(store: Store, config: PreferenceConfig, *, spawn: bool = True) -> str:
    """Check ``config``, pin its preference dataset version, save it with the job, start (or queue) it."""
    if not config.base_model:
        raise ConfigError("No base model chosen.", hint="Give the folder of a local model (or a hub id).")
    if not config.dataset:
        raise ConfigError("No preference dataset chosen.", hint="Build one from the pairwise judgements first.")
    dataset = get_dataset(store, config.dataset)
    if not is_preference_dataset(dataset):
        raise ConfigError(f"{dataset['ref']} is a supervised dataset, not a preference dataset.",
                          hint="Build a preference dataset from the pairwise judgements.")
    pinned = config.with_values(dataset=dataset["id"], start_adapter=resolve_start_adapter(store, config.start_adapter))
    return submit_training(store, KIND, pinned, f"{pinned.method} {pinned.name} on {dataset['ref']}", spawn=spawn)


def run_preference(ctx: JobContext) -> None:
    """Job handler: train (resuming from the newest checkpoint) and register the adapter."""
    from clinsum.finetune.dpo import PreferenceTrainer

    config = PreferenceConfig.from_dict(ctx.config)
    dataset = get_dataset(ctx.store, config.dataset)
    result = PreferenceTrainer(config, dataset, ctx.dir, job_callbacks(ctx)).run()
    adapter_id = register_adapter(
        ctx.store, name=config.name, base_model=config.base_model, adapter_path=str(result.adapter_path),
        job_id=ctx.job_id, dataset_id=dataset["id"],
        config={**config.to_dict(), "kind": KIND, "dataset_ref": dataset["ref"],
                "val_records": dataset["stats"].get("val_records", [])},
        results=result.results,
    )
    ctx.log(event="registered", adapter_id=adapter_id, adapter_path=str(result.adapter_path))


def preference_jobs(store: Store) -> list[dict[str, Any]]:
    """Every preference-tuning job, newest first, with its progress."""
    return jobs.list_jobs(store, KIND)
