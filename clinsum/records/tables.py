"""The rows of a CSV/TSV or JSON Lines text or a Parquet file, one at a time, with their line
(row) numbers: shared by
record import (:mod:`clinsum.records.ingest`) and knowledge-base ingestion
(:mod:`clinsum.rag.readers`). A row that cannot be read is a :class:`RowProblem`, never an
exception, so each caller decides whether one bad line stops it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinsum.errors import InputError, reason

csv.field_size_limit(50_000_000)


@dataclass
class RowProblem:
    line: int
    reason: str
    unreadable: bool = False  # the CSV itself is malformed here (not just one odd row)
    detail: str = ""  # the parser's own words, for an unreadable line

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


Item = tuple[int, dict[str, Any] | RowProblem]


class CsvRows:
    """A CSV text's header (None when the text is empty) and, iterated, its rows as dicts
    (blank rows skipped, a row with the wrong number of fields a problem). The delimiter is
    sniffed from the first ``sniff_chars`` characters unless given; a header that cannot be
    read raises ``csv.Error``."""

    def __init__(self, handle: io.TextIOBase, delimiter: str | None = None, strict: bool = False,
                 sniff_chars: int = 8192) -> None:
        if delimiter is None:
            sample = handle.read(sniff_chars)
            handle.seek(0)
            try:
                delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
            except csv.Error:
                delimiter = ","
        self.reader = csv.reader(handle, delimiter=delimiter, strict=strict)
        self.header: list[str] | None = next(self.reader, None)

    def __iter__(self) -> Iterator[Item]:
        if self.header is None:
            return
        width = len(self.header)
        while True:
            try:
                values = next(self.reader)
            except StopIteration:
                return
            except csv.Error as exc:
                line = self.reader.line_num
                yield line, RowProblem(line, reason("bad_csv", "unreadable CSV ({detail})", detail=exc), unreadable=True, detail=str(exc))
                continue
            if not any(v.strip() for v in values):
                continue
            line = self.reader.line_num
            if len(values) != width:
                yield line, RowProblem(line, reason("field_count", "{n} fields where the header has {width}", n=len(values), width=width))
                continue
            yield line, dict(zip(self.header, values, strict=True))


def json_lines(lines: Iterable[str]) -> Iterator[Item]:
    """One JSON object per line (blank lines skipped); numbered from 1."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield number, RowProblem(number, reason("bad_json", "not valid JSON ({detail})", detail=getattr(exc, "msg", exc)))
            continue
        yield number, obj if isinstance(obj, dict) else RowProblem(number, reason("json_not_object", "a JSON line must be an object"))


class ParquetRows:
    """A Parquet file's (a path, or its bytes) column names (``header``) and row count and,
    iterated, its rows as dicts numbered from 1, read ``batch_size`` rows at a time. A file
    that is not Parquet raises :class:`InputError` naming ``name``."""

    def __init__(self, source: str | Path | bytes, name: str, batch_size: int = 2048) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
        try:
            self.file = pq.ParquetFile(handle)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"{name}: not a readable Parquet file ({exc}).") from None
        self.header: list[str] = list(self.file.schema_arrow.names)
        self.num_rows: int = self.file.metadata.num_rows
        self.batch_size = batch_size

    def __iter__(self) -> Iterator[Item]:
        number = 0
        for batch in self.file.iter_batches(batch_size=self.batch_size):
            for row in batch.to_pylist():
                number += 1
                yield number, row
