"""Score a workspace: every generation (and every reference version) lacking a metric at the
metric's current version gets it; nothing stored is computed again.

Targets:

- each generation without error: the candidate is its text, the reference is the latest
  non-rejected reference version of its record, the source is the record. Metrics that use
  the reference store its id as ``reference_id`` (a new reference version makes them due
  again); the others (lexical, codes, faithfulness) store '';
- each reference version: the candidate is the reference text, scored against its source
  record only (source-based metrics: lexical, codes, faithfulness, judge), ``reference_id``
  is ''.

A metric that needs an input the target lacks (a generation whose record has no reference yet)
is skipped and picked up by a later run. Values are written per batch in one transaction, so a
stopped or killed run keeps what it finished. Details (spans, counts, rationales) are stored
once per computation, on the family's first value (:func:`details_of` reads them back).

Run it with :func:`score_workspace`, as the job kind ``score`` or ``clinsum score``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from clinsum.cluster import cluster_address
from clinsum.cluster.batches import BatchRunner
from clinsum.errors import InputError
from clinsum.jobs import JOB_KINDS, JobContext
from clinsum.metrics.base import METRICS, Metric, MetricResult, Pair, get_metric
from clinsum.store import Store, from_json, to_json

JOB_KINDS.register("score", "clinsum.metrics.scoring:run_score_job")

TARGET_KINDS = ("generation", "reference")
BATCH_SIZE = 256


@dataclass(frozen=True)
class Target:
    """One scored text with its inputs."""

    kind: str  # generation | reference
    id: str
    record_id: str
    reference_id: str  # '' when no reference is used
    pair: Pair


@dataclass
class ScoreReport:
    """What a run did, per metric family."""

    computed: dict[str, int] = field(default_factory=dict)
    already: dict[str, int] = field(default_factory=dict)
    not_applicable: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_computed(self) -> int:
        return sum(self.computed.values())


def local_metrics() -> list[str]:
    """Every registered metric family that computes here (``Metric.local``), by name."""
    import clinsum.metrics  # noqa: F401 - registers the families

    return [name for name, cls in METRICS.items() if cls.local]


def build_metrics(names: Sequence[str] | None = None,
                  options: dict[str, dict[str, Any]] | None = None) -> list[Metric]:
    """Metric instances for ``names`` (default: every local metric, plus the judge when it has
    options)."""
    import clinsum.metrics  # noqa: F401 - registers the families

    options = options or {}
    if not names:
        names = local_metrics() + (["judge"] if options.get("judge") else [])
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise InputError(f"Unknown metric(s): {', '.join(unknown)}.",
                         hint=f"Known: {', '.join(METRICS.names())}.")
    return [get_metric(name, **options.get(name, {})) for name in dict.fromkeys(names)]


def load_targets(store: Store, kinds: Sequence[str] = TARGET_KINDS) -> list[Target]:
    """Every generation (without error) and reference version, with its inputs."""
    out: list[Target] = []
    if "generation" in kinds:
        rows = store.fetch_dicts(
            """
            WITH latest AS (
                SELECT id, record_id, text FROM reference_summaries WHERE status <> 'rejected'
                QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY version DESC) = 1
            )
            SELECT g.id, g.record_id, g.text, g.language AS gen_language, r.language,
                   r.text AS source, l.id AS ref_id, l.text AS ref_text
            FROM generations g JOIN records r ON r.id = g.record_id
            LEFT JOIN latest l ON l.record_id = g.record_id
            WHERE g.error IS NULL AND g.text IS NOT NULL
            ORDER BY g.record_id, g.id
            """
        )
        for row in rows:
            pair = Pair(row["text"], row["ref_text"], row["source"], row["language"] or row["gen_language"])
            out.append(Target("generation", row["id"], row["record_id"], row["ref_id"] or "", pair))
    if "reference" in kinds:
        rows = store.fetch_dicts(
            "SELECT s.id, s.record_id, s.text, r.text AS source, r.language "
            "FROM reference_summaries s JOIN records r ON r.id = s.record_id ORDER BY s.record_id, s.version"
        )
        for row in rows:
            out.append(Target("reference", row["id"], row["record_id"], "",
                              Pair(row["text"], None, row["source"], row["language"])))
    return out


def stored_keys(store: Store, metric: Metric) -> set[tuple[str, str, str]]:
    """(target kind, target id, reference id) already scored by ``metric`` at its version."""
    rows = store.execute(
        "SELECT DISTINCT target_kind, target_id, reference_id FROM metrics WHERE metric = ? AND metric_version = ?",
        [metric.name, metric.version],
    )
    return {tuple(r) for r in rows}


def _reference_key(metric: Metric, target: Target) -> str:
    return target.reference_id if metric.uses_reference else ""


def _rows(metric: Metric, version: str, target: Target, result: MetricResult) -> list[tuple]:
    rows = []
    reference_id = _reference_key(metric, target)
    for i, (name, value) in enumerate(result.values.items()):
        details = to_json(result.details) if i == 0 and result.details else None
        number = None if value is None else float(value)
        rows.append((target.kind, target.id, reference_id, metric.name, name, version, number, details))
    return rows


def write_rows(store: Store, rows: list[tuple]) -> None:
    """Insert metric rows in one transaction (rows already stored are left as they are)."""
    if not rows:
        return
    import pyarrow as pa

    columns = ["target_kind", "target_id", "reference_id", "metric", "name", "metric_version",
               "value", "details"]
    table = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)},
                     schema=pa.schema([(c, pa.float64() if c == "value" else pa.string()) for c in columns]))
    with store.transaction() as con:
        con.register("new_metric_rows", table)
        try:
            con.execute(
                f"INSERT OR IGNORE INTO metrics ({', '.join(columns)}) "
                f"SELECT {', '.join(columns)} FROM new_metric_rows"
            )
        finally:
            con.unregister("new_metric_rows")


def score_workspace(
    store: Store,
    metrics: Sequence[str] | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    *,
    targets: Sequence[str] = TARGET_KINDS,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int, str], None] | None = None,
    check_stop: Callable[[], None] | None = None,
    log: Callable[..., None] | None = None,
    cluster: str | None = None,
) -> ScoreReport:
    """Compute every missing metric value of the workspace; see the module docstring. A metric
    that says ``runs_on_cluster`` computes its batches on Ray Data when a cluster address is
    given (or found: :func:`clinsum.cluster.cluster_address`); this process writes the rows."""
    started = time.monotonic()
    options = {k: dict(v) for k, v in (options or {}).items()}
    if "judge" in (metrics or []) or options.get("judge"):
        options.setdefault("judge", {}).setdefault("prompt_dir", str(store.root / "prompts"))
    chosen = build_metrics(metrics, options)
    bad_targets = set(targets) - set(TARGET_KINDS)
    if bad_targets:
        raise InputError(f"Unknown target kind(s): {', '.join(sorted(bad_targets))}.",
                         hint="Use generation and/or reference.")
    all_targets = load_targets(store, targets)
    report = ScoreReport()
    plan: list[tuple[Metric, str, list[Target]]] = []
    for metric in chosen:
        version = metric.version
        report.versions[metric.name] = version
        done = stored_keys(store, metric)
        todo, already, skipped = [], 0, 0
        for target in all_targets:
            if target.kind == "reference" and "reference" in metric.needs:
                continue  # a reference is not scored against a reference
            if not metric.applies(target.pair):
                skipped += 1
            elif (target.kind, target.id, _reference_key(metric, target)) in done:
                already += 1
            else:
                todo.append(target)
        report.already[metric.name] = already
        report.not_applicable[metric.name] = skipped
        report.computed[metric.name] = 0
        report.failed[metric.name] = 0
        plan.append((metric, version, todo))
    total = sum(len(todo) for _, _, todo in plan)
    finished = 0
    if progress:
        progress(0, total, "scoring")
    address = cluster_address(cluster, store.root)
    for metric, version, todo in plan:
        where = getattr(metric, "runs_on_cluster", None)
        runner = BatchRunner(address if where else None, gpu=where == "gpu", warm=warm_metric, log=log)
        if log and runner.engine != "local":
            log(event="metric_engine", metric=metric.name, engine=runner.engine)
        batches = [todo[start:start + batch_size] for start in range(0, len(todo), batch_size)]
        scored = 0
        if check_stop:
            check_stop()
        for i, results in runner.map(compute_batch, ([t.pair for t in b] for b in batches), (metric,)):
            write_rows(store, _result_rows(metric, version, batches[i], results, report))
            finished += len(batches[i])
            scored += len(batches[i])
            if progress:
                progress(finished, total, f"{metric.name}: {scored}/{len(todo)}")
            if check_stop:
                check_stop()
        if log:
            log(event="metric", metric=metric.name, version=version,
                computed=report.computed[metric.name], already=report.already[metric.name],
                failed=report.failed[metric.name])
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _result_rows(metric: Metric, version: str, batch: list[Target], results: list[MetricResult],
                 report: ScoreReport) -> list[tuple]:
    """The rows to store for one computed batch (failures counted in ``report``)."""
    rows: list[tuple] = []
    for target, result in zip(batch, results, strict=True):
        if result.failed:
            report.failed[metric.name] += 1
            if len(report.errors) < 20:
                report.errors.append(f"{metric.name} {target.kind} {target.id}: {result.details['error']}")
            continue
        rows.extend(_rows(metric, version, target, result))
        report.computed[metric.name] += 1
    return rows


def compute_batch(metric: Metric, pairs: list[Any]) -> list[MetricResult]:
    """One batch of a metric (on a Ray Data actor on a cluster, a plain call here)."""
    return metric.compute_many(pairs)


def warm_metric(metric: Metric) -> None:
    """Load a metric's model once per Ray Data actor (its first real batch is then quick)."""
    metric.compute_many([Pair("Warm up.", "Warm up.", "Warm up.", "en")])


def details_of(store: Store, target_kind: str, target_id: str, metric: str,
               reference_id: str | None = None) -> dict[str, Any] | None:
    """The stored details (spans, counts, rationales) of ``metric`` for one target (newest)."""
    sql = ("SELECT details FROM metrics WHERE target_kind = ? AND target_id = ? AND metric = ? "
           "AND details IS NOT NULL")
    params: list[Any] = [target_kind, target_id, metric]
    if reference_id is not None:
        sql += " AND reference_id = ?"
        params.append(reference_id)
    row = store.fetch_one(sql + " ORDER BY computed_at DESC LIMIT 1", params)
    return from_json(row["details"]) if row else None


def job_report(store: Store, job_id: str) -> ScoreReport | None:
    """The report a ``score`` job logged as it finished (None before that)."""
    from clinsum.jobs import read_log

    event = next((e for e in reversed(read_log(store, job_id)) if e.get("event") == "report"), None)
    if event is None:
        return None
    return ScoreReport(**{k: event.get(k) or {} for k in ("computed", "already", "not_applicable",
                                                          "failed", "versions")},
                       errors=list(event.get("errors") or []), seconds=float(event.get("seconds") or 0))


def run_score_job(ctx: JobContext) -> None:
    """Job kind ``score``: config ``metrics`` (list), ``options`` ({family: {...}}), ``targets``,
    ``batch_size``. Idempotent: a resumed job computes only what is still missing."""
    config = ctx.config
    report = score_workspace(
        ctx.store, config.get("metrics"), config.get("options"),
        targets=config.get("targets") or TARGET_KINDS,
        batch_size=int(config.get("batch_size") or BATCH_SIZE),
        progress=ctx.progress, check_stop=ctx.check_stop, log=ctx.log, cluster=config.get("cluster"),
    )
    ctx.log(event="report", computed=report.computed, already=report.already,
            not_applicable=report.not_applicable, failed=report.failed, errors=report.errors,
            versions=report.versions, seconds=report.seconds)
    ctx.progress(sum(report.computed.values()) + sum(report.failed.values()),
                 sum(report.computed.values()) + sum(report.failed.values()),
                 f"done: {report.total_computed} computed, {sum(report.failed.values())} failed")
