"""Reading a fine-tuning job's JSONL log: loss curves, perplexity, notices, the final result.

Each line is one event (``setup``, ``train``, ``eval``, ``checkpoint``, ``notice``, ``resume``,
``result``, plus the job system's ``start``/``stopped``/``error``). A step logged twice (a run
that crashed after its last checkpoint, then resumed) keeps its newest value.
"""

from __future__ import annotations

from typing import Any

from clinsum import jobs
from clinsum.store import Store

TRAIN_FIELDS = ("step", "loss", "lr", "tokens_per_s", "elapsed_s", "eta_s", "rss_mb", "vram_mb", "epoch",
                "reward_margin", "reward_accuracy")
EVAL_FIELDS = ("step", "eval_loss", "perplexity", "reward_margin", "reward_accuracy", "preference_accuracy")


def _by_step(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for event in events:
        if event.get("event") == kind and isinstance(event.get("step"), int):
            rows[event["step"]] = event
    return [rows[s] for s in sorted(rows)]


def curves(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """``train`` rows (step, loss, lr, …) and ``eval`` rows (step, eval_loss, perplexity); preference
    jobs add reward margin and accuracy (train and eval) and held-out preference accuracy (eval,
    from step 0)."""
    train = [{k: e.get(k) for k in TRAIN_FIELDS} for e in _by_step(events, "train")]
    evals = [{k: e.get(k) for k in EVAL_FIELDS} for e in _by_step(events, "eval")]
    return {"train": train, "eval": evals}


def last(events: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    """The newest event of ``kind``."""
    return next((e for e in reversed(events) if e.get("event") == kind), None)


def notices(events: list[dict[str, Any]]) -> list[str]:
    """Distinct notices (fallbacks the runner chose), oldest first."""
    seen: list[str] = []
    for e in events:
        if e.get("event") == "notice" and e.get("message") not in seen:
            seen.append(e["message"])
    return seen


def job_summary(store: Store, job_id: str) -> dict[str, Any]:
    """Everything a page or the CLI shows about a fine-tuning job."""
    info = jobs.info(store, job_id)
    events = jobs.read_log(store, job_id)
    error = last(events, "error")
    return {
        "job": info,
        "curves": curves(events),
        "setup": last(events, "setup"),
        "result": last(events, "result"),
        "notices": notices(events),
        "traceback": error.get("traceback") if error else None,
        "last_checkpoint": (last(events, "checkpoint") or {}).get("step"),
    }
