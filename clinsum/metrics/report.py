"""Which candidate summaries a scoring run left without values, and why.

``clinsum score`` prints this after its table so nothing goes silently unscored: a failed
generation, a generation without text, one whose record is gone, one whose record has no
(non-rejected) reference for the reference-based metrics, and any computation that failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinsum.metrics.base import METRICS
from clinsum.store import Store


@dataclass(frozen=True)
class Unscored:
    """A generation missing the values of ``metrics`` at their current versions."""

    generation_id: str
    record_id: str
    label: str  # backend / model / strategy
    metrics: tuple[str, ...]
    reason: str

    def __str__(self) -> str:
        return f"{self.generation_id} (record {self.record_id}, {self.label}): {self.reason} [{', '.join(self.metrics)}]"


def unscored_generations(store: Store, versions: dict[str, str],
                         errors: list[str] | None = None) -> list[Unscored]:
    """Every generation lacking a value of a metric in ``versions`` ({family: version}, e.g. a
    :class:`~clinsum.metrics.scoring.ScoreReport`'s), with the reason; ``errors`` are the run's
    failure lines (``"family generation ID: message"``)."""
    if not versions:
        return []
    import clinsum.metrics  # noqa: F401 - registers the families

    failures = _failures(errors or [])
    stored: dict[str, set[str]] = {}
    pairs = [[m, v] for m, v in versions.items()]
    for target_id, metric in store.execute(
            "SELECT DISTINCT target_id, metric FROM metrics WHERE target_kind = 'generation'"
            " AND [metric, metric_version] IN (SELECT unnest(?))", [pairs]):
        stored.setdefault(target_id, set()).add(metric)
    rows = store.fetch_dicts(
        "SELECT g.id, g.record_id, g.backend, g.model, g.strategy, g.error, g.text IS NULL AS no_text,"
        " r.id IS NULL AS no_record, (SELECT count(*) FROM reference_summaries s WHERE s.record_id = g.record_id"
        "  AND s.status <> 'rejected') AS n_refs,"
        " (SELECT count(*) FROM reference_summaries s WHERE s.record_id = g.record_id) AS n_all_refs"
        " FROM generations g LEFT JOIN records r ON r.id = g.record_id ORDER BY g.record_id, g.id")
    out: list[Unscored] = []
    for row in rows:
        missing = [m for m in versions if m not in stored.get(row["id"], set())]
        if not missing:
            continue
        label = " / ".join(str(v) for v in (row["backend"], row["model"] or "-", row["strategy"]))
        for reason, names in _reasons(row, missing, failures).items():
            out.append(Unscored(row["id"], row["record_id"], label, tuple(names), reason))
    return out


def _reasons(row: dict, missing: list[str], failures: dict[tuple[str, str], str]) -> dict[str, list[str]]:
    """{reason: [families]} for one generation."""
    if row["error"]:
        return {f"the generation failed: {row['error']}": missing}
    if row["no_text"]:
        return {"the generation has no summary text": missing}
    if row["no_record"]:
        return {f"its record {row['record_id']!r} is not in the workspace": missing}
    reasons: dict[str, list[str]] = {}
    for name in missing:
        needs = METRICS.get(name).needs if name in METRICS else ()
        if (name, row["id"]) in failures:
            reason = f"computing it failed: {failures[(name, row['id'])]}"
        elif "reference" in needs and not row["n_refs"]:
            reason = ("its record has only rejected reference summaries" if row["n_all_refs"]
                      else "its record has no reference summary")
        else:
            reason = "not computed (failed or stopped before it; run clinsum score again)"
        reasons.setdefault(reason, []).append(name)
    return reasons


def _failures(errors: list[str]) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for line in errors:
        head, _, message = line.partition(": ")
        parts = head.split(" ")
        if len(parts) == 3 and parts[1] == "generation":
            found[(parts[0], parts[2])] = message
    return found
