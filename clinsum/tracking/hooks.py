"""What each tracked job kind logs to MLflow: params, metrics (read from what the job stored)
and artifacts. One :class:`Hooks` per kind, named in :data:`clinsum.tracking.TRACKED_KINDS`;
a new job kind (e.g. preference tuning) adds a ``Hooks`` here and one line there.

Metrics are ``(key, value, step)`` triples; a key is logged again only at a higher step, so a
hook may return everything each time (a flush logs only what is new).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinsum import jobs
from clinsum.tracking import leaves_hospital
from clinsum.tracking.run import metric_key

Metrics = list[tuple[str, float | None, int]]
Artifacts = list[tuple[Path, str | None]]  # (file or folder, folder inside the run's artifacts)


@dataclass(frozen=True)
class Hooks:
    kind: str
    params: Callable[[Any], dict[str, Any]]
    metrics: Callable[[Any], Metrics]
    artifacts: Callable[[Any, Path], Artifacts]


# -- grids -----------------------------------------------------------------------------------
def grid_params(ctx: Any) -> dict[str, Any]:
    """The frozen plan: settings, one ``models.N.*`` group per model, the record count."""
    grid = dict(ctx.config.get("grid") or {})
    records = grid.pop("records", [])
    models = grid.pop("models", [])
    params = {**grid, "n_records": len(records) if isinstance(records, list) else records,
              "models": {str(i): m for i, m in enumerate(models, 1)}}
    n = len(records) if isinstance(records, list) else 0
    for key in ("strategies", "temperatures", "decodings"):
        n *= len(grid.get(key) or [None])
    params["n_cells"] = n * len(models)
    return params


def grid_metrics(ctx: Any) -> Metrics:
    """Cells stored so far (step = cells stored) and per (model, strategy, temperature,
    decoding) aggregates: cells, errors, mean seconds of model calls, mean tokens."""
    rows = ctx.store.fetch_dicts(
        "SELECT model, strategy, temperature, decoding, count(*) AS cells, count(error) AS errors,"
        " avg(total_seconds) FILTER (WHERE error IS NULL) AS mean_seconds,"
        " avg(slot_wait_seconds) AS mean_slot_wait_seconds,"
        " avg(completion_tokens) FILTER (WHERE error IS NULL) AS mean_tokens"
        " FROM generations WHERE grid_id = ? GROUP BY ALL ORDER BY ALL", [ctx.job_id])
    step = sum(r["cells"] for r in rows)
    out: Metrics = [("cells_stored", step, step), ("cells_failed", sum(r["errors"] for r in rows), step)]
    for r in rows:
        group = metric_key(r["model"], r["strategy"], f"t{r['temperature']:g}", r["decoding"])
        out += [(f"{group}/{name}", r[name], step)
                for name in ("cells", "errors", "mean_seconds", "mean_slot_wait_seconds", "mean_tokens")]
    return out


def grid_artifacts(ctx: Any, tmp: Path) -> Artifacts:
    from clinsum.experiments import grid_results, grid_toml

    grid = dict(ctx.config.get("grid") or {})
    if leaves_hospital(ctx.store) and isinstance(grid.get("records"), list):
        grid["records"] = {"limit": len(grid["records"])}  # record ids stay in the hospital
    toml = tmp / "GRID.toml"
    toml.write_text(grid_toml(grid), encoding="utf-8")
    results = tmp / "grid_results.csv"
    grid_results(ctx.store, ctx.job_id).to_csv(results, index=False)
    return [(toml, None), (results, None)]


GRID = Hooks("grid", grid_params, grid_metrics, grid_artifacts)


# -- scoring ---------------------------------------------------------------------------------
def score_params(ctx: Any) -> dict[str, Any]:
    from clinsum.metrics.scoring import BATCH_SIZE, TARGET_KINDS, local_metrics

    config = ctx.config
    return {"metrics": config.get("metrics") or list(local_metrics()),
            "targets": config.get("targets") or list(TARGET_KINDS),
            "batch_size": config.get("batch_size") or BATCH_SIZE, "options": config.get("options") or {}}


def score_metrics(ctx: Any) -> Metrics:
    """Per metric family as it finishes: values computed, already stored, failed, and the mean
    of each value over every target scored at that version (step = families finished, counting
    those of earlier sessions of a resumed job, so a resume logs its values again)."""
    families = [e for e in jobs.read_log(ctx.store, ctx.job_id) if e.get("event") == "metric"]
    latest = {e["metric"]: e for e in families}
    step = len(families)
    out: Metrics = []
    for name, event in latest.items():
        out += [(f"{name}/{count}", event.get(count), step) for count in ("computed", "already", "failed")]
        for row in ctx.store.fetch_dicts(
                "SELECT name, avg(value) AS mean, count(value) AS n FROM metrics"
                " WHERE metric = ? AND metric_version = ? GROUP BY name ORDER BY name",
                [name, event.get("version")]):
            out += [(metric_key(name, row["name"], "mean"), row["mean"], step),
                    (metric_key(name, row["name"], "n"), row["n"], step)]
    return out


def score_artifacts(ctx: Any, tmp: Path) -> Artifacts:
    report = next((e for e in reversed(jobs.read_log(ctx.store, ctx.job_id)) if e.get("event") == "report"), None)
    if report is None:
        return []
    path = tmp / "score_report.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return [(path, None)]


SCORE = Hooks("score", score_params, score_metrics, score_artifacts)


# -- fine-tuning -----------------------------------------------------------------------------
def finetune_params(ctx: Any) -> dict[str, Any]:
    return dict(ctx.config)


def finetune_metrics(ctx: Any) -> Metrics:
    """Per-step training loss, learning rate and throughput, eval loss and perplexity, and the
    final results (at the last step)."""
    from clinsum.finetune.logs import curves, last

    events = jobs.read_log(ctx.store, ctx.job_id)
    found = curves(events)
    out: Metrics = []
    for row in found["train"]:
        out += [(name, row.get(name), row["step"]) for name in ("loss", "lr", "tokens_per_s", "epoch")]
    for row in found["eval"]:
        out += [(name, row.get(name), row["step"]) for name in ("eval_loss", "perplexity")]
    result = last(events, "result")
    if result:
        step = int(result.get("steps") or 0)
        out += [(f"final/{name}", result.get(name), step) for name in
                ("final_loss", "final_eval_loss", "perplexity", "train_seconds", "peak_rss_mb",
                 "peak_vram_mb", "adapter_mb", "trainable_pct") if isinstance(result.get(name), int | float)]
    return out


def dataset_card(dataset: dict[str, Any]) -> str:
    """A short Markdown card of a fine-tuning dataset: where it came from and what is in it."""
    stats = dataset.get("stats") or {}
    tokens = stats.get("tokens") or {}
    lines = [f"# Dataset {dataset['ref']}", "",
             f"- id: {dataset['id']}", f"- source: {dataset.get('source')}",
             f"- base model (chat template): {dataset.get('base_model')} ({dataset.get('template')})",
             f"- examples: {dataset.get('n_train')} train, {dataset.get('n_val')} validation",
             f"- dropped by the length cut-off: {stats.get('n_dropped', 0)} (cut-off {stats.get('cutoff')})",
             f"- tokens per example: {json.dumps(tokens)}", f"- created: {dataset.get('created_at')}", "",
             "## Options", "", "```json", json.dumps(dataset.get("options") or {}, indent=2, default=str), "```"]
    return "\n".join(lines) + "\n"


def finetune_artifacts(ctx: Any, tmp: Path) -> Artifacts:
    from clinsum.finetune.datasets import get_dataset

    outside = leaves_hospital(ctx.store)
    out: Artifacts = []
    with_dataset = ctx.config.get("dataset")
    if with_dataset:
        dataset = get_dataset(ctx.store, with_dataset)
        card = tmp / "dataset_card.md"
        card.write_text(dataset_card(dataset), encoding="utf-8")
        out.append((card, "dataset"))
        if not outside:  # meta.json lists the ids of dropped examples
            out.append((Path(dataset["path"]) / "meta.json", "dataset"))
    out.append((ctx.dir / "config.toml", None))
    if (ctx.dir / "adapter").is_dir():
        if outside:  # weights trained on records may remember them
            ctx.log(event="notice", source="tracking",
                    message="The adapter was not sent to the tracking server: it is outside the hospital "
                            "(add its host to the privacy settings' inside hosts to send it).")
        else:
            out.append((ctx.dir / "adapter", "adapter"))
    return out


FINETUNE = Hooks("finetune", finetune_params, finetune_metrics, finetune_artifacts)


# -- preference tuning -----------------------------------------------------------------------
def preference_metrics(ctx: Any) -> Metrics:
    """The fine-tuning metrics plus reward margin and accuracy (training pairs), and on the
    held-out pairs reward margin, reward accuracy and preference accuracy (from step 0)."""
    from clinsum.finetune.logs import curves

    found = curves(jobs.read_log(ctx.store, ctx.job_id))
    out = finetune_metrics(ctx)
    for row in found["train"]:
        out += [(name, row.get(name), row["step"]) for name in ("reward_margin", "reward_accuracy")]
    for row in found["eval"]:
        out += [(f"eval_{name}", row.get(name), row["step"]) for name in ("reward_margin", "reward_accuracy")]
        out.append(("preference_accuracy", row.get("preference_accuracy"), row["step"]))
    return [m for m in out if isinstance(m[1], int | float)]


PREFERENCE = Hooks("preference", finetune_params, preference_metrics, finetune_artifacts)
