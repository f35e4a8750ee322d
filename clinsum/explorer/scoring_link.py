"""The explorer's "score now" button: start the metrics engine's scoring job, if installed."""

from __future__ import annotations

import importlib

from clinsum.errors import ConfigError
from clinsum.store import Store

SCORE_JOB_KINDS = ("score", "scoring", "metrics.score")


def scoring_job_kind() -> str | None:
    """The registered job kind that scores a workspace, or None where none is registered."""
    from clinsum.jobs import JOB_KINDS

    for module in ("clinsum.plugins", "clinsum.metrics.scoring"):
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a missing or broken module means "not available"
            continue
    return next((kind for kind in SCORE_JOB_KINDS if kind in JOB_KINDS), None)


def start_scoring(store: Store, config: dict | None = None) -> str:
    """Submit the scoring job (every generation lacking a current metric); return its id."""
    from clinsum import jobs

    kind = scoring_job_kind()
    if kind is None:
        raise ConfigError(
            "The scoring engine (clinsum.metrics.scoring) is not installed in this version.",
            hint="Update clinsum, or score from a terminal with `clinsum score` where it exists.",
        )
    return jobs.submit(store, kind, dict(config or {}))
