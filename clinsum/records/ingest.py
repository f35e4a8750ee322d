"""Import records from .txt folders, CSV, JSONL and Parquet into the workspace.

Reading is separate from writing: :func:`read_sources` turns files into drafts and problems
(each with the file, the line or row, and a reason), :func:`plan_import` previews what is new,
what repeats another record's text under another source id (kept as a record of its own, an
alias, with its own reference) and what is already there, and :func:`apply_import` writes in
chunks of 500 rows a transaction, classifying each chunk again under the lock so concurrent
imports never store a row twice. A file that cannot be read contributes nothing; a table
without a mapped column is refused whole (:class:`MappingError`). A row may carry a reference
summary (``--map reference=COL``), stored as a reference version of its record.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinsum.config import env_int
from clinsum.errors import InputError, reason
from clinsum.records.encoding import decode_bytes
from clinsum.records.sections import split_sections
from clinsum.records.tables import CsvRows, ParquetRows, RowProblem, json_lines
from clinsum.store import Store, new_id, to_json
from clinsum.text import detect_language, normalize

DEFAULT_MAX_BYTES = env_int("CLINSUM_MAX_RECORD_BYTES", 5_000_000)
TEXT_SUFFIXES = {".txt", ".text", ".md"}
TABLE_SUFFIXES = {".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet"}


REFERENCE_FIELDS = ("reference", "reference_author", "reference_status")
MAPPING_FIELDS = ("text", "id", "title", "language", *REFERENCE_FIELDS)
CHUNK_ROWS = env_int("CLINSUM_IMPORT_CHUNK", 500)


class MappingError(InputError):
    """A table lacks a column the mapping names: the whole file cannot be imported
    (``params``: ``source``, ``missing`` and ``columns``, for the UI's own wording)."""

    key = "records.error.no_column"


@dataclass
class ColumnMapping:
    """Which columns of a table hold the record's text, id, title, language and (optionally)
    a reference summary with its author and status."""

    text: str = "text"
    id: str | None = "id"
    title: str | None = "title"
    language: str | None = "language"
    reference: str | None = None
    reference_author: str | None = None
    reference_status: str | None = None

    @classmethod
    def parse(cls, spec: str | None) -> ColumnMapping:
        """From ``"text=informe,id=nhc,reference=resumen"`` (the CLI's ``--map``)."""
        mapping = cls()
        for part in filter(None, (spec or "").split(",")):
            key, _, value = part.partition("=")
            if key.strip() not in MAPPING_FIELDS or not value.strip():
                raise InputError(f"Bad column mapping {part!r}.",
                                 hint=f"Use FIELD=COLUMN with FIELD one of {', '.join(MAPPING_FIELDS)}.")
            setattr(mapping, key.strip(), value.strip())
        if (mapping.reference_author or mapping.reference_status) and not mapping.reference:
            raise InputError("reference_author and reference_status need reference=COLUMN too.")
        return mapping

    def columns(self) -> set[str]:
        return {c for c in (getattr(self, f) for f in MAPPING_FIELDS) if c}


@dataclass
class Draft:
    """A record read from a source, not yet in the workspace (``id`` is its source id)."""

    text: str
    source: str
    id: str | None = None
    title: str | None = None
    language: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    reference: str | None = None
    reference_author: str | None = None
    reference_status: str | None = None
    keep_alias: bool = False  # same text under another source id: keep it as a record of its own
    record_id: str | None = None  # set once written (or found already present)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass
class Problem:
    """Something that will be skipped, and why."""

    source: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.reason}"


@dataclass
class ImportPlan:
    """What an import does. After :func:`apply_import`, ``new`` and ``aliases`` hold what was
    written and ``duplicates`` what was already there (also when another import wrote it
    first)."""

    new: list[Draft] = field(default_factory=list)
    aliases: list[tuple[Draft, str]] = field(default_factory=list)  # (draft, record with its text)
    duplicates: list[tuple[Draft, str]] = field(default_factory=list)  # (draft, existing id)
    problems: list[Problem] = field(default_factory=list)
    references: int = 0  # reference versions written

    @property
    def n_written(self) -> int:
        return len(self.new) + len(self.aliases)

    @property
    def n_references(self) -> int:
        drafts = self.new + [d for d, _ in self.aliases] + [d for d, _ in self.duplicates]
        return sum(1 for d in drafts if d.reference)


# -- reading ---------------------------------------------------------------------------------
def read_sources(
    paths: list[str | Path], mapping: ColumnMapping | None = None, max_bytes: int | None = None
) -> tuple[list[Draft], list[Problem]]:
    """Drafts and problems from files and folders (folders: every text and table file inside)."""
    drafts: list[Draft] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES | TABLE_SUFFIXES
            )
            if not files:
                problems.append(Problem(str(path), reason("empty_folder", "the folder has no .txt, .csv, .jsonl or .parquet files")))
        elif path.is_file():
            files = [path]
        else:
            problems.append(Problem(str(path), reason("no_such_path", "no such file or folder")))
            continue
        for file in files:
            d, p = read_bytes(file.name, file.read_bytes(), mapping, max_bytes, source=str(file))
            drafts += d
            problems += p
    return drafts, problems


def read_bytes(
    name: str,
    data: bytes,
    mapping: ColumnMapping | None = None,
    max_bytes: int | None = None,
    source: str | None = None,
) -> tuple[list[Draft], list[Problem]]:
    """Drafts and problems from one file's bytes (also used for uploads in the UI).

    Raises :class:`MappingError` when a table lacks a mapped column (nothing of it is usable)."""
    mapping = mapping or ColumnMapping()
    limit = max_bytes or DEFAULT_MAX_BYTES
    source = source or name
    suffix = Path(name).suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES or suffix == "":
            if len(data) > limit:
                return [], [Problem(source, _too_big(len(data), limit))]
            text, encoding = decode_bytes(data, name)
            draft = Draft(text, source, id=slug_id(Path(name).stem), meta={"encoding": encoding},
                          keep_alias=True)
            return _check([draft], limit)
        rows, problems = read_table(name, data, source)
        drafts, more = _rows_to_drafts(rows, mapping, source, Path(name).stem, limit)
        return drafts, problems + more
    except MappingError:
        raise
    except InputError as exc:
        return [], [Problem(source, exc.message + (f" {exc.hint}" if exc.hint else ""))]


Rows = list[tuple[int, dict]]


def read_table(name: str, data: bytes, source: str | None = None) -> tuple[Rows, list[Problem]]:
    """(line, row) pairs and row problems of a CSV/TSV, JSON(L) or Parquet file; the header's
    columns come first in every row's keys (also for a table without rows: see ``columns_of``)."""
    source = source or name
    suffix = Path(name).suffix.lower()
    if suffix == ".parquet":
        table = ParquetRows(data, name)
        return [(0, dict.fromkeys(table.header)), *table], []
    if suffix in {".csv", ".tsv", ".jsonl", ".ndjson", ".json"}:
        text, _ = decode_bytes(data, name)
        if suffix in {".csv", ".tsv"}:
            return _csv_rows(text, "\t" if suffix == ".tsv" else None, source)
        return _json_rows(text, suffix == ".json", source)
    raise InputError(f"unsupported file type {suffix!r}; use .txt, .csv, .jsonl or .parquet")


def _csv_rows(text: str, delimiter: str | None, source: str) -> tuple[Rows, list[Problem]]:
    try:
        table = CsvRows(io.StringIO(text, newline=""), delimiter, strict=True, sniff_chars=5000)
    except csv.Error as exc:
        raise InputError(f"{source}: malformed CSV header ({exc}).") from None
    if table.header is None:
        raise InputError(f"{source}: the CSV file is empty.")
    rows: Rows = [(0, dict.fromkeys(table.header, ""))]  # line 0: the header, so its columns are known
    problems = []
    for line, item in table:
        if isinstance(item, RowProblem):
            if item.unreadable:  # a malformed file is refused whole, never half imported
                raise InputError(f"{source}: malformed CSV near line {line} ({item.detail}).")
            problems.append(Problem(source, item.reason, line))
        else:
            rows.append((line, item))
    return rows, problems


def _json_rows(text: str, whole: bool, source: str) -> tuple[Rows, list[Problem]]:
    if whole:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(f"{source}: not valid JSON ({exc}).") from None
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            raise InputError(f"{source}: expected a JSON list of objects.")
        return [(i, d) for i, d in enumerate(data, start=1)], []
    rows, problems = [], []
    for number, item in json_lines(text.split("\n")):
        if isinstance(item, RowProblem):
            problems.append(Problem(source, item.reason, number))
        else:
            rows.append((number, item))
    return rows, problems


def columns_of(rows: Rows) -> list[str]:
    """Every column seen in ``rows`` (the header's first), in order."""
    return list(dict.fromkeys(k for _, row in rows[:200] for k in row))


def require_columns(rows: Rows, wanted: dict[str, str], source: str) -> None:
    """Raise :class:`MappingError` naming the columns found when a ``wanted`` column
    ({field: column}) is in no row."""
    found = columns_of(rows)
    present = {k for _, row in rows for k in row} if len(rows) > 200 else set(found)
    missing = {f: c for f, c in wanted.items() if c not in present}
    if missing:
        what = ", ".join(f"{c!r} (for {f})" for f, c in missing.items())
        raise MappingError(
            f"{source}: no column {what}.",
            hint=f"Columns found: {', '.join(map(str, found)) or 'none'}. "
                 "Choose them with --map FIELD=COLUMN (e.g. --map text=COLUMN).",
            source=Path(source).name, missing=", ".join(missing.values()),
            columns=", ".join(map(str, found)) or "-")


def text_problem(value: Any, what: str = "text") -> str | None:
    """Why ``value`` cannot be a record's (or summary's) text, or None when it is a string."""
    if isinstance(value, str):
        return None
    if value is None:
        return reason(f"{what}_null", "the {what} is null", what=what)
    if isinstance(value, float) and math.isnan(value):
        return reason(f"{what}_nan", "the {what} is NaN, not a string", what=what)
    kind = {bool: "true/false", dict: "an object", list: "a list"}.get(type(value), type(value).__name__)
    return reason(f"{what}_not_text", "the {what} is {kind}, not a string", what=what, kind=kind)


def _rows_to_drafts(rows: Rows, mapping: ColumnMapping, source: str, stem: str, limit: int
                    ) -> tuple[list[Draft], list[Problem]]:
    wanted = {"text": mapping.text} | {f: getattr(mapping, f) for f in REFERENCE_FIELDS if getattr(mapping, f)}
    require_columns(rows, wanted, source)
    from clinsum.references import STATUSES

    drafts: list[Draft] = []
    problems: list[Problem] = []
    skip = mapping.columns()
    for number, row in rows:
        if number == 0:
            continue  # the header
        if mapping.text not in row:
            problems.append(Problem(source, reason("no_field", "no field {field!r}", field=mapping.text), number))
            continue
        value = row.get(mapping.text)
        why = text_problem(value)
        reference = row.get(mapping.reference) if mapping.reference else None
        if why is None and reference not in (None, ""):
            why = text_problem(reference, "reference")
        status = _opt(row.get(mapping.reference_status)) if mapping.reference_status else None
        if why is None and status and status not in STATUSES:
            why = reason("unknown_status", "unknown reference status {status!r} (use {allowed})",
                         status=status, allowed=", ".join(STATUSES))
        if why:
            problems.append(Problem(source, why, number))
            continue
        ident = row.get(mapping.id) if mapping.id else None
        drafts.append(
            Draft(
                value,
                source,
                id=slug_id(str(ident)) if ident not in (None, "") else f"{slug_id(stem)}-{number}",
                title=_opt(row.get(mapping.title)) if mapping.title else None,
                language=_opt(row.get(mapping.language)) if mapping.language else None,
                meta={"line": number} | {k: v for k, v in row.items() if k not in skip and jsonable(v)},
                reference=normalize(reference) if isinstance(reference, str) and reference.strip() else None,
                reference_author=_opt(row.get(mapping.reference_author)) if mapping.reference_author else None,
                reference_status=status,
                keep_alias=True,
            )
        )
    good, more = _check(drafts, limit)
    return good, problems + more


def _check(drafts: list[Draft], limit: int) -> tuple[list[Draft], list[Problem]]:
    good, problems = [], []
    for draft in drafts:
        line = draft.meta.get("line")
        size = len(draft.text.encode("utf-8"))
        draft.text = normalize(draft.text)
        if not draft.text.strip():
            problems.append(Problem(draft.source, reason("empty_record", "the record is empty"), line))
        elif size > limit:
            problems.append(Problem(draft.source, _too_big(size, limit), line))
        else:
            draft.language = (draft.language or detect_language(draft.text)).lower()[:2]
            draft.title = draft.title or _first_line(draft.text)
            good.append(draft)
    return good, problems


# -- planning and writing --------------------------------------------------------------------
def plan_import(store: Store, drafts: list[Draft], problems: list[Problem] | None = None) -> ImportPlan:
    """Split drafts into new records, aliases (same text as another record, under another
    source id) and duplicates (already in the workspace, or repeated in the drafts). A
    preview: :func:`apply_import` classifies again under the lock as it writes."""
    plan = ImportPlan(problems=list(problems or []))
    with store.connect(read_only=True) as con:
        _classify(con, drafts, plan)
    return plan


def _existing(con, drafts: list[Draft]) -> dict[str, list[tuple[str, str]]]:
    """{text hash: [(record id, source id), …]} of stored records with a draft's text (the
    first record with that text first)."""
    # A list parameter, not a registered Arrow table: DuckDB 2 races when two read-only
    # connections of one process register Python objects at once.
    hashes = sorted({d.content_hash for d in drafts})
    rows = con.execute(
        "WITH i AS (SELECT unnest(?::VARCHAR[]) AS h)"
        " SELECT r.content_hash, r.id, coalesce(json_extract_string(r.meta, '$.source_id'), r.id), 0"
        " FROM records r JOIN i ON r.content_hash = i.h"
        " UNION ALL SELECT a.text_hash, r.id, coalesce(json_extract_string(r.meta, '$.source_id'), r.id), 1"
        " FROM record_aliases a JOIN i ON a.text_hash = i.h JOIN records r ON r.id = a.record_id"
        " ORDER BY 4, 2", [hashes]).fetchall()
    found: dict[str, list[tuple[str, str]]] = {}
    for digest, record_id, source_id, _ in rows:
        found.setdefault(digest, []).append((record_id, source_id))
    return found


def _classify(con, drafts: list[Draft], plan: ImportPlan) -> None:
    """Add each draft to ``plan.new``, ``plan.aliases`` or ``plan.duplicates``."""
    if not drafts:
        return
    known = _existing(con, drafts)
    for draft in drafts:
        digest = draft.content_hash
        matches = known.get(digest, [])
        same = [rid for rid, sid in matches if draft.id in (sid, rid)]
        if same or (matches and not draft.keep_alias):
            draft.record_id = (same or [matches[0][0]])[0]
            plan.duplicates.append((draft, draft.record_id))
        elif matches:
            plan.aliases.append((draft, matches[0][0]))
        else:
            plan.new.append(draft)
        if not same and not (matches and not draft.keep_alias):
            known.setdefault(digest, []).append((draft.id or digest[:12], draft.id or digest[:12]))


def apply_import(
    store: Store,
    plan: ImportPlan,
    *,
    chunk_rows: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    check_stop: Callable[[], None] | None = None,
) -> list[str]:
    """Write the plan's new records, aliases and references, ``chunk_rows`` (500) drafts per
    transaction, releasing the workspace lock between chunks; return the written record ids.

    Each chunk is classified again inside its transaction, so rows another import (or a
    concurrent run of this one) wrote meanwhile count as duplicates, never twice. A stopped
    or killed import keeps its finished chunks; running it again skips them."""
    drafts = plan.new + [d for d, _ in plan.aliases] + [d for d, _ in plan.duplicates if d.reference]
    drafts.sort(key=lambda d: (d.source, d.meta.get("line") or 0))
    earlier = [(d, e) for d, e in plan.duplicates if not d.reference]
    plan.new, plan.aliases, plan.duplicates, plan.references = [], [], earlier, 0
    size = max(1, chunk_rows or CHUNK_ROWS)
    total = len(drafts)
    if progress:
        progress(0, total, "importing")
    for start in range(0, total, size):
        if check_stop:
            check_stop()
        chunk = drafts[start:start + size]
        sections = {id(d): to_json([x.to_dict() for x in split_sections(d.text)]) for d in chunk}  # outside the lock
        with store.transaction() as con:
            part = ImportPlan()
            _classify(con, chunk, part)
            _write_chunk(con, part, sections)
        plan.new += part.new
        plan.aliases += part.aliases
        plan.duplicates += part.duplicates
        plan.references += part.references
        if progress:
            progress(min(start + size, total), total,
                     f"{plan.n_written} imported, {len(plan.duplicates)} already present")
    return [d.record_id for d in plan.new] + [d.record_id for d, _ in plan.aliases]


def _write_chunk(con, part: ImportPlan, sections: dict[int, str | None]) -> None:
    """Insert one classified chunk (inside the caller's transaction)."""
    wanted = [d.id or d.content_hash[:12] for d in part.new + [a for a, _ in part.aliases]]
    taken = {r[0] for r in con.execute("SELECT id FROM records WHERE id IN (SELECT unnest(?))", [wanted]).fetchall()}
    chosen: set[str] = set()
    by_source: dict[tuple[str, str], str] = {}  # (hash, source id) -> record id, for aliases in this chunk
    rows = []
    for draft in part.new:
        draft.record_id = _free_id(con, draft.id or draft.content_hash[:12], taken, chosen)
        by_source[(draft.content_hash, draft.id or "")] = draft.record_id
        rows.append(_record_row(draft, draft.content_hash, sections.get(id(draft))))
    aliases = []
    for i, (draft, same_as) in enumerate(part.aliases):
        draft.record_id = _free_id(con, draft.id or draft.content_hash[:12], taken, chosen)
        same_as = by_source.get((draft.content_hash, same_as), same_as)
        part.aliases[i] = (draft, same_as)
        rows.append(_record_row(draft, f"{draft.content_hash}/{draft.record_id}", sections.get(id(draft))))
        aliases.append([draft.record_id, same_as, draft.content_hash])
    _insert(con, "records", RECORD_COLUMNS, rows)
    _insert(con, "record_aliases", ("record_id", "same_as", "text_hash"), aliases)
    for draft, _ in part.duplicates:  # a row repeated in this chunk: the id its first row got
        draft.record_id = by_source.get((draft.content_hash, draft.record_id or ""), draft.record_id)
    with_ref = [d for d in part.new + [a for a, _ in part.aliases] + [d for d, _ in part.duplicates] if d.reference]
    if not with_ref:
        return
    stored: dict[str, tuple[int, set[str]]] = {}
    for record_id, version, text in con.execute(
            "SELECT record_id, version, text FROM reference_summaries WHERE record_id IN (SELECT unnest(?))",
            [[d.record_id for d in with_ref]]).fetchall():
        top, texts = stored.get(record_id, (0, set()))
        stored[record_id] = (max(top, version), texts | {text})
    refs = []
    for draft in with_ref:
        top, texts = stored.get(draft.record_id, (0, set()))
        if draft.reference in texts:
            continue
        refs.append([new_id("ref"), draft.record_id, top + 1, draft.reference,
                     draft.reference_author or f"import:{Path(draft.source).name}",
                     draft.reference_status or "draft",
                     to_json({"imported_from": draft.source, "line": draft.meta.get("line")})])
        stored[draft.record_id] = (top + 1, texts | {draft.reference})
    _insert(con, "reference_summaries",
            ("id", "record_id", "version", "text", "author", "status", "provenance"), refs)
    part.references = len(refs)


RECORD_COLUMNS = ("id", "source", "language", "title", "text", "sections", "content_hash", "n_chars", "meta")


def _insert(con, table: str, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    """Insert ``rows`` through one Arrow table (executemany costs ~9 ms a row in DuckDB)."""
    if not rows:
        return
    import pyarrow as pa

    data = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})
    name = f"_import_{table}"
    con.register(name, data)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {name}")
    finally:
        con.unregister(name)


def _record_row(draft: Draft, content_hash: str, sections: str | None) -> list[Any]:
    meta = dict(draft.meta)
    if draft.id and draft.id != draft.record_id:
        meta["source_id"] = draft.id
    return [draft.record_id, draft.source, draft.language, draft.title, draft.text, sections,
            content_hash, len(draft.text), to_json(meta)]


def import_paths(
    store: Store,
    paths: list[str | Path],
    mapping: ColumnMapping | None = None,
    max_bytes: int | None = None,
    strict: bool = False,
    **write: Any,
) -> ImportPlan:
    """Read, plan and write in one call; ``strict`` writes nothing when anything is wrong.
    ``write`` goes to :func:`apply_import` (``chunk_rows``, ``progress``, ``check_stop``)."""
    drafts, problems = read_sources(paths, mapping, max_bytes)
    plan = plan_import(store, drafts, problems)
    if not plan.n_written and plan.problems and not plan.duplicates:
        raise InputError(
            "Nothing was imported: " + "; ".join(str(p) for p in plan.problems[:5]),
            hint="The workspace is unchanged.",
        )
    if strict and plan.problems:
        raise InputError(
            f"{len(plan.problems)} problem(s), nothing imported: "
            + "; ".join(str(p) for p in plan.problems[:5]),
            hint="The workspace is unchanged.",
        )
    apply_import(store, plan, **write)
    return plan


# -- small helpers ---------------------------------------------------------------------------
def _too_big(size: int, limit: int) -> str:
    return reason("too_big", "{mb} MB is over the {limit} MB limit for one record (CLINSUM_MAX_RECORD_BYTES)",
                  mb=f"{size / 1e6:.1f}", limit=f"{limit / 1e6:.1f}")


def slug_id(value: str) -> str:
    slug = re.sub(r"[^\w.-]+", "-", value.strip(), flags=re.UNICODE).strip("-")
    return slug[:80] or "record"


def _free_id(con, candidate: str, taken: set[str], chosen: set[str]) -> str:
    """``candidate``, or ``candidate-2``, ``-3``… when a record (or this chunk) has it."""
    found, n = candidate, 1
    while found in chosen or found in taken or (
            n > 1 and con.execute("SELECT 1 FROM records WHERE id = ?", [found]).fetchone()):
        n += 1
        found = f"{candidate}-{n}"
    chosen.add(found)
    return found


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()[:120]
    return ""


def _opt(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def jsonable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None
