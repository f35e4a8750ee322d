"""Ingest files (or the workspace's validated references) into a knowledge base.

Rows become passages through a layout; passages are de-duplicated by content hash (their
id), embedded in batches with the bundled MiniLM (only the first ``max_chars`` characters,
the model reads at most 256 tokens anyway) and added to the base's collection. What the
collection already holds is skipped before embedding, so an interrupted ingestion resumes
where it stopped. Rows that cannot be read or mapped are reported with their line numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinsum.errors import InputError
from clinsum.rag.bases import get_base, refresh_counts
from clinsum.rag.chroma import clean_meta, fresh_collection, mark_synced
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

DEFAULT_BATCH = 64
PROBLEM_SAMPLE = 200
Progress = Callable[[int, int | None, str], None]


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

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (f"{self.rows_read} row(s) read: {self.added} added, {self.existing} already stored, "
                f"{self.duplicates} duplicate(s), {self.n_problems} problem(s) "
                f"in {self.seconds:.1f} s ({self.rows_per_s:.0f} rows/s)")


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
) -> IngestReport:
    """Add the passages of ``items`` ((line, row) pairs) to ``base``; see the module doc."""
    from clinsum.embeddings import embed

    info = get_base(store, base)
    max_chars = int(info["max_chars"] or 1000)
    mapping = mapping or {}
    collection = fresh_collection(store, base)
    report = IngestReport(base, source, layout.name)
    run_id = new_id("kbi")
    store.execute(
        "INSERT INTO kb_ingests (id, base, source, layout, mapping, job_id, status) VALUES (?, ?, ?, ?, ?, ?, 'running')",
        [run_id, base, source, layout.name, to_json(mapping), job_id])
    started = time.perf_counter()
    seen: set[str] = set()
    pending: list[Passage] = []
    line = 0

    def flush() -> None:
        if not pending:
            return
        ids = [p.id for p in pending]
        stored = set(collection.get(ids=ids, include=[])["ids"])
        fresh = [p for p in pending if p.id not in stored]
        report.existing += len(pending) - len(fresh)
        if fresh:
            vectors = embed([p.text[:max_chars] for p in fresh], batch_size=batch_size)
            collection.add(ids=[p.id for p in fresh], embeddings=vectors,
                           documents=[p.text for p in fresh],
                           metadatas=[clean_meta(p.meta) for p in fresh])
            report.added += len(fresh)
            mark_synced(store, base, collection.count())
        pending.clear()

    status = "failed"
    try:
        for line, item in items:
            if isinstance(item, RowProblem):
                _problem(report, item)
                continue
            report.rows_read += 1
            try:
                passage = to_passage(layout, item, mapping)
            except RowError as exc:
                _problem(report, RowProblem(line, str(exc)))
                continue
            passage.meta.setdefault("line", line)
            if source:
                passage.meta.setdefault("source", Path(source).name)
            if passage.id in seen:
                report.duplicates += 1
                continue
            seen.add(passage.id)
            pending.append(passage)
            if len(pending) >= batch_size:
                flush()
                if progress:
                    progress(line, total, report.summary())
                if check_stop:
                    check_stop()
        flush()
        status = "done"
    except BaseException as exc:
        status = "stopped" if type(exc).__name__ == "JobStopped" else "failed"
        report.stopped = status == "stopped"
        raise
    finally:
        report.seconds = round(time.perf_counter() - started, 3)
        _finish(store, run_id, report, status)
        if progress:
            progress(line if status != "done" else (total or line), total, report.summary())
    return report


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


def _problem(report: IngestReport, problem: RowProblem) -> None:
    report.n_problems += 1
    if len(report.problems) < PROBLEM_SAMPLE:
        report.problems.append(problem)


def _finish(store: Store, run_id: str, report: IngestReport, status: str) -> None:
    store.execute(
        "UPDATE kb_ingests SET status = ?, rows_read = ?, added = ?, existing = ?, duplicates = ?,"
        " problems = ?, problems_sample = ?, seconds = ?, finished_at = current_timestamp WHERE id = ?",
        [status, report.rows_read, report.added, report.existing, report.duplicates, report.n_problems,
         to_json([{"line": p.line, "reason": p.reason} for p in report.problems]), report.seconds, run_id])
    store.execute(
        "UPDATE kb_bases SET n_rows = n_rows + ?, n_problems = n_problems + ? WHERE name = ?",
        [report.rows_read, report.n_problems, report.base])
    refresh_counts(store, report.base, layout=report.layout, source=report.source)
