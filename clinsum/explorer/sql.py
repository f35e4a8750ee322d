"""The read-only SQL box: one SELECT-like statement on a snapshot, bounded rows, bytes and time.

Three independent guards: the statement is parsed by DuckDB and refused unless it is exactly
one SELECT (``WITH``, ``FROM``, ``VALUES``, ``DESCRIBE``, ``SHOW``, ``SUMMARIZE`` included);
it runs on a read-only snapshot of the workspace (:mod:`clinsum.store.snapshot`), never under
the lock writers need, so a long query delays no autosave or import; and the connection has
file/network access and configuration changes switched off (no ``read_csv('/etc/…')``, no
``ATTACH``) and a memory limit. Results stop at ``max_rows`` rows or ``max_bytes`` bytes,
streamed from DuckDB, and :attr:`SqlResult.limit` says which limit was hit.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import duckdb
import pandas as pd

from clinsum.errors import InputError
from clinsum.store import Store
from clinsum.store.snapshot import snapshot

TABLES_HINT = "Tables: records, reference_summaries, generations, metrics, annotations, jobs."


MAX_BYTES = 50_000_000
MEMORY_LIMIT = "1GB"
_BATCH_ROWS = 1000


@dataclass
class SqlResult:
    df: pd.DataFrame
    truncated: bool = False
    max_rows: int = 0
    limit: str | None = None  # "rows" | "bytes" when a limit cut the result
    max_bytes: int = 0
    snapshot_at: float | None = None  # when the data read was copied (epoch seconds)

    @property
    def note(self) -> str:
        """What a limit did, for the CLI (the page has its own translated strings)."""
        if self.limit == "bytes":
            return (f"(first {len(self.df)} rows: the result reached {self.max_bytes / 1e6:.0f} MB;"
                    " select fewer or shorter columns, or raise --max-bytes)")
        if self.limit == "rows":
            return f"(first {self.max_rows} rows; raise --max-rows for more)"
        return ""


def check_read_only(sql: str) -> str:
    """The single SELECT-like statement in ``sql``, or an :class:`InputError` saying why not."""
    text = (sql or "").strip()
    try:
        statements = duckdb.extract_statements(text) if text.strip(" ;\n\t") else []
    except duckdb.Error as exc:
        raise InputError(f"The query is not valid SQL: {_first_line(exc)}",
                         hint="Check the spelling near the position shown.") from None
    if not statements:
        raise InputError("The query is empty.", hint="Write one SELECT statement.")
    if len(statements) != 1:
        raise InputError(
            f"Only one statement at a time is allowed (found {len(statements)}).",
            hint="Remove the extra statements (each ';' starts a new one).",
        )
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise InputError(
            f"Only reading queries are allowed here, not {kind.name}.",
            hint="Use SELECT (or WITH … SELECT, FROM, DESCRIBE, SHOW, SUMMARIZE); "
                 "this box never changes data.",
        )
    return text.rstrip("; \n\t")


def run_sql(store: Store, sql: str, max_rows: int = 10_000, timeout_s: float = 30.0,
            max_bytes: int = MAX_BYTES) -> SqlResult:
    """Run one read-only query on a snapshot of the workspace; at most ``max_rows`` rows and
    about ``max_bytes`` bytes come back, and a query running past ``timeout_s`` is stopped."""
    query = check_read_only(sql)
    if max_rows < 1 or max_bytes < 1:
        raise InputError("max_rows and max_bytes must be at least 1.")
    path, taken = snapshot(store)
    config = {"enable_external_access": False, "lock_configuration": True, "memory_limit": MEMORY_LIMIT}
    try:
        con = duckdb.connect(str(path), read_only=True, config=config)
    except duckdb.Error as exc:
        raise InputError(f"The workspace could not be read: {_first_line(exc)}",
                         hint="Try again in a moment.") from None
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.start()
    rows: list[tuple] = []
    size = 0
    limit = None
    try:
        cur = con.execute(query)
        names = [d[0] for d in cur.description]
        while limit is None:
            batch = cur.fetchmany(min(_BATCH_ROWS, max_rows + 1 - len(rows)))
            if not batch:
                break
            for row in batch:
                size += _row_bytes(row)
                if size > max_bytes:
                    limit = "bytes"
                    break
                rows.append(row)
            if len(rows) > max_rows:
                rows, limit = rows[:max_rows], "rows"
    except duckdb.InterruptException:
        raise InputError(f"The query ran longer than {timeout_s:.0f} s and was stopped.",
                         hint="Add filters or a LIMIT.") from None
    except duckdb.OutOfMemoryException:
        raise InputError(f"The query needs more than {MEMORY_LIMIT} of memory and was stopped.",
                         hint="Add filters, aggregate, or select fewer columns.") from None
    except duckdb.Error as exc:
        raise InputError(f"The query failed: {_first_line(exc)}", hint=TABLES_HINT) from None
    finally:
        timer.cancel()
        con.close()
    df = pd.DataFrame.from_records(rows, columns=_unique(names))
    return SqlResult(df, limit is not None, max_rows, limit, max_bytes, taken)


def _row_bytes(row: tuple) -> int:
    """About how much memory a row takes once fetched (text and blobs by length)."""
    return sum(len(v) if isinstance(v, str | bytes) else len(str(v)) if isinstance(v, list | dict) else 8
               for v in row) + 16


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
