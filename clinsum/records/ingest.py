"""Import records from .txt folders, CSV, JSONL and Parquet into the workspace.

Reading is separate from writing: :func:`read_sources` turns files into drafts and problems
(each with the file, the line or row, and a reason), :func:`plan_import` marks duplicates by
content hash, and :func:`apply_import` writes the new records in one transaction. A file that
cannot be read contributes nothing; the workspace only changes in ``apply_import``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinsum.config import env_int
from clinsum.errors import InputError
from clinsum.records.encoding import decode_bytes
from clinsum.records.sections import split_sections
from clinsum.store import Store, to_json
from clinsum.text import detect_language, normalize

DEFAULT_MAX_BYTES = env_int("CLINSUM_MAX_RECORD_BYTES", 5_000_000)
TEXT_SUFFIXES = {".txt", ".text", ".md"}
TABLE_SUFFIXES = {".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet"}


@dataclass
class ColumnMapping:
    """Which columns of a table hold the record's text, id, title and language."""

    text: str = "text"
    id: str | None = "id"
    title: str | None = "title"
    language: str | None = "language"

    @classmethod
    def parse(cls, spec: str | None) -> ColumnMapping:
        """From ``"text=informe,id=nhc"`` (the CLI's ``--map``)."""
        mapping = cls()
        for part in filter(None, (spec or "").split(",")):
            key, _, value = part.partition("=")
            if key.strip() not in ("text", "id", "title", "language") or not value.strip():
                raise InputError(f"Bad column mapping {part!r}: use text=COL,id=COL,title=COL.")
            setattr(mapping, key.strip(), value.strip())
        return mapping


@dataclass
class Draft:
    """A record read from a source, not yet in the workspace."""

    text: str
    source: str
    id: str | None = None
    title: str | None = None
    language: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

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
    new: list[Draft] = field(default_factory=list)
    duplicates: list[tuple[Draft, str]] = field(default_factory=list)  # (draft, existing id)
    problems: list[Problem] = field(default_factory=list)


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
                problems.append(Problem(str(path), "the folder has no .txt, .csv, .jsonl or .parquet files"))
        elif path.is_file():
            files = [path]
        else:
            problems.append(Problem(str(path), "no such file or folder"))
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
    """Drafts and problems from one file's bytes (also used for uploads in the UI)."""
    mapping = mapping or ColumnMapping()
    limit = max_bytes or DEFAULT_MAX_BYTES
    source = source or name
    suffix = Path(name).suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES or suffix == "":
            if len(data) > limit:
                return [], [Problem(source, _too_big(len(data), limit))]
            text, encoding = decode_bytes(data, name)
            draft = Draft(text, source, id=_slug(Path(name).stem), meta={"encoding": encoding})
            return _check([draft], limit)
        if suffix == ".parquet":
            rows = _parquet_rows(data, name)
            return _rows_to_drafts(rows, mapping, source, Path(name).stem, limit)
        if suffix in {".csv", ".tsv", ".jsonl", ".ndjson", ".json"}:
            text, _ = decode_bytes(data, name)
            if suffix in {".csv", ".tsv"}:
                rows, problems = _csv_rows(text, "\t" if suffix == ".tsv" else None, source)
            else:
                rows, problems = _json_rows(text, suffix == ".json", source)
            drafts, more = _rows_to_drafts(rows, mapping, source, Path(name).stem, limit)
            return drafts, problems + more
    except InputError as exc:
        return [], [Problem(source, exc.message + (f" {exc.hint}" if exc.hint else ""))]
    return [], [Problem(source, f"unsupported file type {suffix!r}; use .txt, .csv, .jsonl or .parquet")]


def _csv_rows(text: str, delimiter: str | None, source: str) -> tuple[list[tuple[int, dict]], list[Problem]]:
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:5000], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{source}: the CSV file is empty.") from None
    except csv.Error as exc:
        raise InputError(f"{source}: malformed CSV header ({exc}).") from None
    rows, problems = [], []
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"{source}: malformed CSV near line {reader.line_num} ({exc}).") from None
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            problems.append(Problem(source, f"{len(values)} fields where the header has {len(header)}", reader.line_num))
            continue
        rows.append((reader.line_num, dict(zip(header, values, strict=True))))
    return rows, problems


def _json_rows(text: str, whole: bool, source: str) -> tuple[list[tuple[int, dict]], list[Problem]]:
    if whole:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(f"{source}: not valid JSON ({exc}).") from None
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            raise InputError(f"{source}: expected a JSON list of objects.")
        return [(i, d) for i, d in enumerate(data, start=1)], []
    rows, problems = [], []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            problems.append(Problem(source, f"not valid JSON ({exc.msg})", number))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(source, "a JSON line must be an object", number))
            continue
        rows.append((number, obj))
    return rows, problems


def _parquet_rows(data: bytes, name: str) -> list[tuple[int, dict]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{name}: not a readable Parquet file ({exc}).") from None
    return [(i, row) for i, row in enumerate(table.to_pylist(), start=1)]


def _rows_to_drafts(
    rows: list[tuple[int, dict]], mapping: ColumnMapping, source: str, stem: str, limit: int
) -> tuple[list[Draft], list[Problem]]:
    if rows and mapping.text not in rows[0][1]:
        columns = ", ".join(map(str, rows[0][1]))
        raise InputError(
            f"{source}: no column {mapping.text!r} for the record text.",
            hint=f"Columns found: {columns}. Choose the text column (e.g. --map text=COLUMN).",
        )
    drafts: list[Draft] = []
    for number, row in rows:
        value = row.get(mapping.text)
        if not isinstance(value, str):
            value = "" if value is None else str(value)
        ident = row.get(mapping.id) if mapping.id else None
        drafts.append(
            Draft(
                value,
                source,
                id=_slug(str(ident)) if ident not in (None, "") else f"{_slug(stem)}-{number}",
                title=_opt(row.get(mapping.title)) if mapping.title else None,
                language=_opt(row.get(mapping.language)) if mapping.language else None,
                meta={"line": number}
                | {k: v for k, v in row.items() if k not in {mapping.text, mapping.id, mapping.title, mapping.language} and _jsonable(v)},
            )
        )
    return _check(drafts, limit)


def _check(drafts: list[Draft], limit: int) -> tuple[list[Draft], list[Problem]]:
    good, problems = [], []
    for draft in drafts:
        line = draft.meta.get("line")
        size = len(draft.text.encode("utf-8"))
        draft.text = normalize(draft.text)
        if not draft.text.strip():
            problems.append(Problem(draft.source, "the record is empty", line))
        elif size > limit:
            problems.append(Problem(draft.source, _too_big(size, limit), line))
        else:
            draft.language = (draft.language or detect_language(draft.text)).lower()[:2]
            draft.title = draft.title or _first_line(draft.text)
            good.append(draft)
    return good, problems


# -- planning and writing --------------------------------------------------------------------
def plan_import(store: Store, drafts: list[Draft], problems: list[Problem] | None = None) -> ImportPlan:
    """Split drafts into new ones and duplicates (of the workspace, or of each other)."""
    plan = ImportPlan(problems=list(problems or []))
    hashes = [d.content_hash for d in drafts]
    existing: dict[str, str] = {}
    if hashes:
        with store.connect(read_only=True) as con:
            con.execute("CREATE TEMP TABLE IF NOT EXISTS _h (h VARCHAR)")
            con.execute("DELETE FROM _h")
            con.executemany("INSERT INTO _h VALUES (?)", [[h] for h in set(hashes)])
            existing = dict(
                con.execute("SELECT content_hash, id FROM records JOIN _h ON h = content_hash").fetchall()
            )
    seen: dict[str, str] = {}
    for draft, digest in zip(drafts, hashes, strict=True):
        if digest in existing:
            plan.duplicates.append((draft, existing[digest]))
        elif digest in seen:
            plan.duplicates.append((draft, seen[digest]))
        else:
            seen[digest] = draft.id or digest[:12]
            plan.new.append(draft)
    return plan


def apply_import(store: Store, plan: ImportPlan) -> list[str]:
    """Write the plan's new records in one transaction; return their ids."""
    ids: list[str] = []
    with store.transaction() as con:
        taken = {r[0] for r in con.execute("SELECT id FROM records").fetchall()}
        for draft in plan.new:
            record_id = _unique(draft.id or draft.content_hash[:12], taken)
            taken.add(record_id)
            sections = [s.to_dict() for s in split_sections(draft.text)]
            con.execute(
                "INSERT INTO records (id, source, language, title, text, sections, content_hash, n_chars, meta)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (content_hash) DO NOTHING",
                [record_id, draft.source, draft.language, draft.title, draft.text, to_json(sections),
                 draft.content_hash, len(draft.text), to_json(draft.meta)],
            )
            ids.append(record_id)
    return ids


def import_paths(
    store: Store,
    paths: list[str | Path],
    mapping: ColumnMapping | None = None,
    max_bytes: int | None = None,
    strict: bool = False,
) -> ImportPlan:
    """Read, plan and write in one call; ``strict`` writes nothing when anything is wrong."""
    drafts, problems = read_sources(paths, mapping, max_bytes)
    plan = plan_import(store, drafts, problems)
    if not plan.new and plan.problems and not plan.duplicates:
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
    apply_import(store, plan)
    return plan


# -- small helpers ---------------------------------------------------------------------------
def _too_big(size: int, limit: int) -> str:
    return f"{size / 1e6:.1f} MB is over the {limit / 1e6:.1f} MB limit for one record (CLINSUM_MAX_RECORD_BYTES)"


def _slug(value: str) -> str:
    slug = re.sub(r"[^\w.-]+", "-", value.strip(), flags=re.UNICODE).strip("-")
    return slug[:80] or "record"


def _unique(candidate: str, taken: set[str]) -> str:
    if candidate not in taken:
        return candidate
    n = 2
    while f"{candidate}-{n}" in taken:
        n += 1
    return f"{candidate}-{n}"


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()[:120]
    return ""


def _opt(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _jsonable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None
