"""Import candidate summaries made elsewhere (another system, a paper's outputs) as generations.

A CSV, JSONL or Parquet file with one summary a row: its text, the source id of the record it
summarizes (as given to ``clinsum import``), and optionally model, strategy and backend
columns; constants label what the file lacks (backend ``imported`` by default). Every row is
checked before anything is written: an unknown record id, a text that is not a string or an
empty summary stops the import with the lines at fault, and the workspace is unchanged. Rows
already imported (same record, labels and text) are reported as already present, never twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinsum.errors import InputError
from clinsum.records.ingest import (
    Problem,
    jsonable,
    read_table,
    require_columns,
    slug_id,
    text_problem,
)
from clinsum.store import Store, new_id, to_json
from clinsum.text import normalize

FIELDS = ("text", "record", "model", "strategy", "backend")
DEFAULT_BACKEND = "imported"
DEFAULT_STRATEGY = "imported"
SHOWN = 10


@dataclass
class CandidateMapping:
    """Columns of a candidates file (``model``, ``strategy``, ``backend``: optional)."""

    text: str = "text"
    record: str = "record"
    model: str | None = None
    strategy: str | None = None
    backend: str | None = None

    @classmethod
    def parse(cls, spec: str | None) -> CandidateMapping:
        """From ``"text=summary,record=note_id,model=system"`` (``--map``)."""
        mapping = cls()
        for part in filter(None, (spec or "").split(",")):
            key, _, value = part.partition("=")
            if key.strip() not in FIELDS or not value.strip():
                raise InputError(f"Bad column mapping {part!r}.",
                                 hint=f"Use FIELD=COLUMN with FIELD one of {', '.join(FIELDS)}.")
            setattr(mapping, key.strip(), value.strip())
        return mapping


@dataclass
class CandidateImport:
    """What an import of candidates did."""

    source: str
    imported: list[str] = field(default_factory=list)  # generation ids
    already: int = 0
    labels: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (backend, model, strategy) -> n


def import_generations(
    store: Store,
    path: str | Path,
    mapping: CandidateMapping | None = None,
    *,
    backend: str | None = None,
    model: str | None = None,
    strategy: str | None = None,
) -> CandidateImport:
    """Import every row of ``path`` as a generation, or nothing (see the module docstring)."""
    path = Path(path)
    mapping = mapping or CandidateMapping()
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    rows, problems = read_table(path.name, path.read_bytes(), str(path))
    wanted = {f: getattr(mapping, f) for f in FIELDS if getattr(mapping, f)}
    require_columns(rows, wanted, str(path))
    rows = [(n, row) for n, row in rows if n]  # without the header
    ids = _record_ids(store, {slug_id(str(r[mapping.record])) for _, r in rows
                              if r.get(mapping.record) not in (None, "")})
    prepared: list[dict[str, Any]] = []
    unknown: list[str] = []
    for number, row in rows:
        text, source_id = row.get(mapping.text), row.get(mapping.record)
        reason = text_problem(text, "summary")
        if reason is None and not text.strip():
            reason = "the summary is empty"
        if reason is None and source_id in (None, ""):
            reason = f"no record id in column {mapping.record!r}"
        found = ids.get(slug_id(str(source_id))) if source_id not in (None, "") else None
        if reason is None and not found:
            reason = f"unknown record {source_id!r}"
            unknown.append(str(source_id))
        if reason is None and len(found) > 1:
            reason = f"record id {source_id!r} names {len(found)} records ({', '.join(sorted(found))})"
        if reason:
            problems.append(Problem(str(path), reason, number))
            continue
        labels = {f: _label(row, getattr(mapping, f), default)
                  for f, default in (("backend", backend or DEFAULT_BACKEND), ("model", model),
                                     ("strategy", strategy or DEFAULT_STRATEGY))}
        extra = {k: v for k, v in row.items() if k not in wanted.values() and jsonable(v)}
        prepared.append({"record_id": next(iter(found)), "text": normalize(text), "line": number,
                         "extra": extra, **labels})
    if problems or not prepared:
        raise _refusal(path, problems, unknown, bool(rows))
    return _write(store, path, prepared)


def _label(row: dict[str, Any], column: str | None, default: str | None) -> str | None:
    value = row.get(column) if column else None
    return str(value) if value not in (None, "") else default


def _record_ids(store: Store, source_ids: set[str]) -> dict[str, set[str]]:
    """{source id: {record ids}}: a record's own id, or the id it had in its source file."""
    if not source_ids:
        return {}
    rows = store.execute(
        "SELECT id, json_extract_string(meta, '$.source_id') FROM records"
        " WHERE id IN (SELECT unnest($1)) OR json_extract_string(meta, '$.source_id') IN (SELECT unnest($1))",
        [sorted(source_ids)])
    found: dict[str, set[str]] = {}
    for record_id, source_id in rows:
        for key in {record_id, source_id} & source_ids:
            found.setdefault(key, set()).add(record_id)
    return found


def _refusal(path: Path, problems: list[Problem], unknown: list[str], had_rows: bool) -> InputError:
    if not had_rows:
        return InputError(f"{path}: no candidate summaries in the file.", hint="The workspace is unchanged.")
    lines = "; ".join(str(p) for p in problems[:SHOWN]) + (" …" if len(problems) > SHOWN else "")
    hint = "Nothing was imported; the workspace is unchanged."
    if unknown:
        names = list(dict.fromkeys(unknown))
        hint += (f" {len(unknown)} row(s) name records this workspace lacks ({', '.join(names[:20])}"
                 f"{f' and {len(names) - 20} more' if len(names) > 20 else ''}): import the records first"
                 " (clinsum import), with the same ids.")
    return InputError(f"{len(problems)} row(s) cannot be imported: {lines}", hint=hint,
                      problems=[str(p) for p in problems], unknown=unknown)


def _key(row: dict[str, Any]) -> str:
    parts = [row["record_id"], row["backend"] or "", row["model"] or "", row["strategy"] or "", row["text"]]
    return "import:" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _write(store: Store, path: Path, prepared: list[dict[str, Any]]) -> CandidateImport:
    """Insert the rows in one transaction (rows already stored are skipped)."""
    import pyarrow as pa

    report = CandidateImport(str(path))
    keys = [_key(r) for r in prepared]
    with store.transaction() as con:
        stored = {k for (k,) in con.execute(
            "SELECT cell_key FROM generations WHERE cell_key IN (SELECT unnest(?))", [keys]).fetchall()}
        languages = dict(con.execute(
            "SELECT id, language FROM records WHERE id IN (SELECT unnest(?))",
            [sorted({r["record_id"] for r in prepared})]).fetchall())
        columns: dict[str, list[Any]] = {c: [] for c in (
            "id", "record_id", "backend", "model", "strategy", "language", "params", "text",
            "raw_output", "cell_key")}
        for row, key in zip(prepared, keys, strict=True):
            if key in stored:
                report.already += 1
                continue
            stored.add(key)
            gen_id = new_id("gen")
            params = {"imported_from": path.name, "line": row["line"], **({"columns": row["extra"]} if row["extra"] else {})}
            for column, value in (("id", gen_id), ("record_id", row["record_id"]), ("backend", row["backend"]),
                                  ("model", row["model"]), ("strategy", row["strategy"]),
                                  ("language", languages.get(row["record_id"])), ("params", to_json(params)),
                                  ("text", row["text"]), ("raw_output", row["text"]), ("cell_key", key)):
                columns[column].append(value)
            report.imported.append(gen_id)
            label = (row["backend"], row["model"] or "", row["strategy"])
            report.labels[label] = report.labels.get(label, 0) + 1
        if report.imported:
            con.register("_imported_generations", pa.table(columns, schema=pa.schema(
                [(c, pa.string()) for c in columns])))
            try:
                con.execute(f"INSERT INTO generations ({', '.join(columns)}) "
                            f"SELECT {', '.join(columns)} FROM _imported_generations")
            finally:
                con.unregister("_imported_generations")
    return report
