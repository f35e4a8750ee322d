"""Ingest files (or the workspace's validated references) into a knowledge base.

Rows become passages through a layout; passages are de-duplicated by content hash (their
id) and committed ``batch_size`` (256) at a time: what the collection already holds is
skipped, the rest is embedded with the bundled MiniLM (only the first ``max_chars``
characters, the model reads at most 256 tokens anyway; sorted by length into small
batches of 16 so little padding is computed; bfloat16 where the CPU has it, see
:func:`clinsum.embeddings.bulk_precision`) and added to the base's collection. An interrupted
ingestion therefore resumes where it stopped, losing at most one commit of work. Rows that
cannot be read or mapped are reported with their line numbers. On a Ray cluster the commits
embed on Ray Data (:mod:`clinsum.cluster.data`: actors that keep the model loaded, a GPU each
where the cluster has them) and this process adds each to the collection as it arrives.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinsum.cluster import cluster_address
from clinsum.cluster.batches import BatchRunner
from clinsum.errors import InputError
from clinsum.rag.bases import get_base, refresh_counts
from clinsum.rag.chroma import clean_meta, fresh_collection, get_collection, mark_synced
from clinsum.rag.layouts import (
    LAYOUTS,
    Layout,
    Passage,
    RowError,
    detect_layout,
    parse_mapping,
    to_passage,
)
from clinsum.rag.readers import Item, RowProblem, columns_of, count_units, iter_rows
from clinsum.store import Store, new_id, to_json
from clinsum.text import sentences

DEFAULT_BATCH = 256  # passages per commit (and per progress report)
EMBED_BATCH = 16  # passages per forward pass: short batches of similar length pad little
PROBLEM_SAMPLE = 200
Progress = Callable[[int, int | None, str, float | None], None]  # done, total, message, eta_s


@dataclass
class IngestReport:
    base: str
    source: str
    layout: str
    rows_read: int = 0
    added: int = 0
    existing: int = 0
    duplicates: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    n_problems: int = 0
    seconds: float = 0.0
    stopped: bool = False
    precision: str = "fp32"
    started: float = field(default_factory=time.perf_counter, repr=False)

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (f"{self.rows_read} row(s) read: {self.added} added, {self.existing} already stored, "
                f"{self.duplicates} duplicate(s), {self.n_problems} problem(s) "
                f"in {self.seconds:.1f} s ({self.rows_per_s:.0f} rows/s, {self.precision} embeddings)")


def ingest_items(
    store: Store,
    base: str,
    items: Iterable[Item],
    layout: Layout,
    mapping: dict[str, str] | None = None,
    *,
    source: str = "",
    total: int | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    check_stop: Callable[[], None] | None = None,
    job_id: str | None = None,
    cluster: str | None = None,
) -> IngestReport:
    """Add the passages of ``items`` ((line, row) pairs) to ``base``; see the module doc.
    With a Ray address (``cluster``, or as :func:`clinsum.cluster.cluster_address` finds it) the
    rows are read first, then the commits embed on Ray Data and this process stores each as it
    arrives."""
    from clinsum.embeddings import bulk_precision

    info = get_base(store, base)
    max_chars = int(info["max_chars"] or 1000)
    mapping = mapping or {}
    collection = fresh_collection(store, base)
    report = IngestReport(base, source, layout.name, precision=bulk_precision())
    run_id = new_id("kbi")
    mark_interrupted(store, base)
    store.execute(
        "INSERT INTO kb_ingests (id, base, source, layout, mapping, job_id, status, precision, pid)"
        " VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)",
        [run_id, base, source, layout.name, to_json(mapping), job_id, report.precision, os.getpid()])
    seen: set[str] = set()
    line = 0
    pace: list[float] = []  # [time, line] when embedding first had work: skipped rows are fast
    waiting: dict[int, list[Passage]] = {}  # batches handed to the runner, by number

    def fresh_batches() -> Iterator[list[str]]:
        """Read the rows; yield each commit's passages not stored yet (their texts)."""
        nonlocal line
        pending: list[Passage] = []
        numbers = itertools.count()

        def fresh() -> list[Passage]:
            stored = set(collection.get(ids=[p.id for p in pending], include=[])["ids"]) if pending else set()
            out = [p for p in pending if p.id not in stored]
            report.existing += len(pending) - len(out)
            if out and not pace:
                pace.extend((time.perf_counter(), line - len(pending)))
            pending.clear()
            return out

        for line, item in items:
            passage = _passage(report, line, item, layout, mapping, source)
            if passage is None:
                continue
            if passage.id in seen:
                report.duplicates += 1
                continue
            seen.add(passage.id)
            pending.append(passage)
            if len(pending) >= batch_size:
                batch = fresh()
                if batch:
                    waiting[next(numbers)] = batch
                    yield [p.text[:max_chars] for p in batch]
                else:
                    _record(store, run_id, report)
                if progress and not runner.address:
                    progress(line, total, report.summary(), _eta(pace, line, total))
                if check_stop:
                    check_stop()
        batch = fresh()
        if batch:
            waiting[next(numbers)] = batch
            yield [p.text[:max_chars] for p in batch]

    def land(number: int, vectors: Any) -> None:
        """Store an embedded batch (the job is the only writer)."""
        fresh = waiting.pop(number)
        collection.add(ids=[p.id for p in fresh], embeddings=vectors,
                       documents=[p.text for p in fresh],
                       metadatas=[clean_meta(p.meta) for p in fresh])
        report.added += len(fresh)
        mark_synced(store, base, collection.count())
        _record(store, run_id, report)  # what a killed run did stays known
        if runner.address:
            if progress:
                progress(line, total, report.summary(), None)
            if check_stop:
                check_stop()

    runner = BatchRunner(cluster_address(cluster, store.root), warm=warm_embedder)
    status = "failed"
    try:
        for number, vectors in runner.map(embed_batch, fresh_batches(), (report.precision,)):
            land(number, vectors)
        status = "done"
    except BaseException as exc:
        status = "stopped" if isinstance(exc, KeyboardInterrupt) or type(exc).__name__ == "JobStopped" else "failed"
        report.stopped = status == "stopped"
        raise
    finally:
        _finish(store, run_id, report, status)
        if progress:
            progress(line if status != "done" else (total or line), total, report.summary(), 0.0 if status == "done" else None)
    return report


def embed_batch(precision: str, texts: list[str]) -> Any:
    """One commit's passages embedded (here, or on a Ray Data actor on a cluster)."""
    from clinsum.embeddings import embed

    return embed(texts, None, EMBED_BATCH, precision)


def warm_embedder(precision: str) -> None:
    """Load the embedding model once per Ray Data actor."""
    embed_batch(precision, ["warm up"])


def _passage(report: IngestReport, line: int, item: Any, layout: Layout, mapping: dict[str, str],
             source: str) -> Passage | None:
    """The passage of one row (None, counted as a problem, when it cannot be read or mapped)."""
    if isinstance(item, RowProblem):
        _problem(report, item)
        return None
    report.rows_read += 1
    try:
        passage = to_passage(layout, item, mapping)
    except RowError as exc:
        _problem(report, RowProblem(line, exc.args[0] if isinstance(exc.args[0], str) else str(exc)))
        return None
    passage.meta.setdefault("line", line)
    if source:
        passage.meta.setdefault("source", Path(source).name)
    return passage


def ingest_file(
    store: Store,
    base: str,
    path: str | Path,
    layout: str | None = None,
    mapping: str | dict[str, str] | None = None,
    **kwargs: Any,
) -> IngestReport:
    """Ingest a CSV, JSONL or Parquet file (layout detected from its columns when not given)."""
    path = Path(path)
    fields = parse_mapping(mapping)
    chosen = LAYOUTS.get(layout) if layout else detect_layout(columns_of(path), fields)
    if layout:
        columns = columns_of(path)
        missing = [fields.get(f, f) for f in chosen.required if fields.get(f, f) not in columns]
        if columns and missing:
            raise InputError(
                f"{path.name}: the {chosen.name} layout needs column(s) {', '.join(missing)}.",
                hint=f"Columns found: {', '.join(columns[:20])}. Map them, e.g. --map FIELD=COLUMN.")
    return ingest_items(store, base, iter_rows(path), chosen, fields, source=str(path),
                        total=count_units(path), **kwargs)


def reference_items(store: Store, max_chars: int = 600) -> list[Item]:
    """The newest validated (or edited) reference of each record, in chunks of sentences."""
    rows = store.fetch_dicts(
        "SELECT s.id, s.record_id, s.text, r.title, r.language FROM reference_summaries s"
        " JOIN records r ON r.id = s.record_id WHERE s.status IN ('validated', 'edited')"
        " AND s.version = (SELECT max(version) FROM reference_summaries t WHERE t.record_id = s.record_id)"
        " ORDER BY s.record_id")
    items: list[Item] = []
    for row in rows:
        for n, chunk in enumerate(_chunks(row["text"], max_chars), start=1):
            items.append((len(items) + 1, {"text": chunk, "title": row["title"], "record_id": row["record_id"],
                                           "reference_id": row["id"], "language": row["language"],
                                           "section": str(n)}))
    return items


def ingest_references(store: Store, base: str, **kwargs: Any) -> IngestReport:
    """Ingest the workspace's validated references: how records are usually summarized."""
    items = reference_items(store)
    if not items:
        raise InputError("This workspace has no validated reference summaries yet.",
                         hint="Validate references on the References page, or load the demo.")
    return ingest_items(store, base, items, LAYOUTS.get("text"), {}, source="references",
                        total=len(items), **kwargs)


def _chunks(text: str, max_chars: int) -> list[str]:
    out: list[str] = []
    for sentence in sentences(text):
        if out and len(out[-1]) + len(sentence) + 1 <= max_chars:
            out[-1] = f"{out[-1]} {sentence}"
        else:
            out.append(sentence)
    return out


def _eta(pace: list[float], line: int, total: int | None) -> float | None:
    """Seconds left at the pace of the rows that needed embedding (None until known)."""
    if not pace or not total or line <= pace[1]:
        return None
    started, first_line = pace
    return (time.perf_counter() - started) / (line - first_line) * max(total - line, 0)


def _problem(report: IngestReport, problem: RowProblem) -> None:
    report.n_problems += 1
    if len(report.problems) < PROBLEM_SAMPLE:
        report.problems.append(problem)


INGEST_COLUMNS = ("id, source, layout, status, rows_read, added, existing, duplicates, problems,"
                  " seconds, precision, started_at, finished_at, job_id")


def base_stats(store: Store, name: str) -> dict[str, Any]:
    """The row, the collection's count, and the ingestion runs (newest first)."""
    row = get_base(store, name)
    row["n_passages"] = get_collection(store, name, create=True).count()
    row["ingests"] = list_ingests(store, name)  # a killed run shows "interrupted"
    return row


def list_ingests(store: Store, base: str) -> list[dict[str, Any]]:
    """``base``'s ingestion runs, newest first; a run whose process is gone shows
    ``interrupted``, never ``running`` (it is marked so as it is read)."""
    mark_interrupted(store, base)
    return store.fetch_dicts(f"SELECT {INGEST_COLUMNS} FROM kb_ingests WHERE base = ? ORDER BY started_at DESC",
                             [base])


def mark_interrupted(store: Store, base: str) -> int:
    """Mark ``base``'s runs whose process died while running (SIGKILL, power cut) as
    ``interrupted``; return how many. Their counts are those recorded at their last commit
    (one commit behind the collection when the kill fell between the two)."""
    from clinsum.jobs import process_alive

    dead = [r["id"] for r in store.fetch_dicts(
        "SELECT id, pid FROM kb_ingests WHERE base = ? AND status = 'running'", [base])
        if not r["pid"] or not process_alive(r["pid"])]
    for run_id in dead:
        store.execute("UPDATE kb_ingests SET status = 'interrupted' WHERE id = ?", [run_id])
    if dead:
        _refresh_totals(store, base)
    return len(dead)


def _record(store: Store, run_id: str, report: IngestReport, status: str | None = None) -> None:
    report.seconds = round(time.perf_counter() - report.started, 3)
    store.execute(
        "UPDATE kb_ingests SET rows_read = ?, added = ?, existing = ?, duplicates = ?, problems = ?,"
        " problems_sample = ?, seconds = ?, status = coalesce(?, status),"
        " finished_at = CASE WHEN ? IS NULL THEN finished_at ELSE current_timestamp END WHERE id = ?",
        [report.rows_read, report.added, report.existing, report.duplicates, report.n_problems,
         to_json([{"line": p.line, "reason": p.reason} for p in report.problems]), report.seconds,
         status, status, run_id])


def _refresh_totals(store: Store, base: str) -> None:
    store.execute(
        "UPDATE kb_bases SET n_rows = t.rows, n_problems = t.problems FROM (SELECT coalesce(sum(rows_read), 0)"
        " AS rows, coalesce(sum(problems), 0) AS problems FROM kb_ingests WHERE base = ?) t WHERE name = ?",
        [base, base])


def _finish(store: Store, run_id: str, report: IngestReport, status: str) -> None:
    _record(store, run_id, report, status)
    _refresh_totals(store, report.base)
    refresh_counts(store, report.base, layout=report.layout, source=report.source)
