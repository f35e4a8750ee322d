"""Rows of CSV, JSONL (or a JSON list) and Parquet files, streamed with their line numbers.

Large files (MedMCQA's 194k rows) are read a row at a time. Lines are physical line numbers
of the file (1 = the CSV header); for Parquet they are row numbers. Rows that cannot be read
are yielded as problems, never raised, so one bad line never stops an ingestion.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

from clinsum.errors import InputError, reason
from clinsum.records.encoding import decode_bytes
from clinsum.records.tables import CsvRows, Item, ParquetRows, RowProblem, json_lines

__all__ = ["SUFFIXES", "Item", "RowProblem", "columns_of", "count_units", "iter_rows"]

SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet")


def count_units(path: Path) -> int:
    """How many lines (rows for Parquet) the file has: the progress total."""
    if path.suffix.lower() == ".parquet":
        return ParquetRows(path, path.name).num_rows
    count, last = 0, b"\n"
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")  # a last line without its newline counts too


def columns_of(path: Path) -> list[str]:
    """Column names (from the header, the first JSON object or the Parquet schema)."""
    for _line, item in iter_rows(path):
        if isinstance(item, dict):
            return list(item)
    return []


def iter_rows(path: str | Path) -> Iterator[Item]:
    """(line, row) or (line, RowProblem) for every row of ``path``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(f"No such file: {path}.")
    if suffix not in SUFFIXES:
        raise InputError(f"{path.name}: unsupported file type {suffix!r}.",
                         hint="Use .csv, .tsv, .jsonl, .json or .parquet.")
    if suffix == ".parquet":
        yield from ParquetRows(path, path.name)
        return
    with _open_text(path) as handle:
        if suffix in (".csv", ".tsv"):
            yield from _csv(handle, "\t" if suffix == ".tsv" else None)
        else:
            yield from _json(handle)


def _open_text(path: Path) -> io.TextIOBase:
    """UTF-8 (BOM allowed) streamed; other encodings are detected and decoded in memory."""
    with open(path, "rb") as probe:
        head = probe.read(1 << 16)
    try:
        head.decode("utf-8")
        return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - caller closes
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a character cut at the probe's end
            return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    text, _encoding = decode_bytes(path.read_bytes(), path.name)
    return io.StringIO(text, newline="")


def _csv(handle: io.TextIOBase, delimiter: str | None) -> Iterator[Item]:
    try:
        yield from CsvRows(handle, delimiter)
    except csv.Error as exc:
        raise InputError(f"The CSV header cannot be read ({exc}).") from None


def _json(handle: io.TextIOBase) -> Iterator[Item]:
    first = handle.read(1)
    while first and first.isspace():
        first = handle.read(1)
    handle.seek(0)
    if first == "[":  # one JSON list (small files)
        try:
            data = json.load(handle)
        except ValueError as exc:
            raise InputError(f"Not valid JSON ({exc}).") from None
        for number, obj in enumerate(data, start=1):
            yield number, obj if isinstance(obj, dict) else RowProblem(number, reason("json_not_object", "a JSON line must be an object"))
        return
    yield from json_lines(handle)

