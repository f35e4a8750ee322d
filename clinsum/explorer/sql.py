"""The read-only SQL box: one SELECT-like statement, a read-only database, bounded rows and time.

Three independent guards: the statement is parsed by DuckDB and refused unless it is exactly
one SELECT (``WITH``, ``FROM``, ``VALUES``, ``DESCRIBE``, ``SHOW``, ``SUMMARIZE`` included);
the workspace is opened read-only; and the connection has file/network access and
configuration changes switched off (no ``read_csv('/etc/…')``, no ``ATTACH``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import duckdb
import pandas as pd

from clinsum.errors import InputError
from clinsum.store import Store

TABLES_HINT = "Tables: records, reference_summaries, generations, metrics, annotations, jobs."


@dataclass
class SqlResult:
    df: pd.DataFrame
    truncated: bool = False
    max_rows: int = 0


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


def run_sql(store: Store, sql: str, max_rows: int = 10_000, timeout_s: float = 30.0) -> SqlResult:
    """Run one read-only query on the workspace; at most ``max_rows`` rows come back and a
    query running past ``timeout_s`` is interrupted."""
    query = check_read_only(sql)
    if max_rows < 1:
        raise InputError("max_rows must be at least 1.")
    with store.connect(read_only=True) as con:
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        timer = threading.Timer(timeout_s, con.interrupt)
        timer.start()
        try:
            cur = con.execute(query)
            names = [d[0] for d in cur.description]
            rows = cur.fetchmany(max_rows + 1)
        except duckdb.InterruptException:
            raise InputError(f"The query ran longer than {timeout_s:.0f} s and was stopped.",
                             hint="Add filters or a LIMIT.") from None
        except duckdb.Error as exc:
            raise InputError(f"The query failed: {_first_line(exc)}", hint=TABLES_HINT) from None
        finally:
            timer.cancel()
    df = pd.DataFrame.from_records(rows[:max_rows], columns=_unique(names))
    return SqlResult(df, len(rows) > max_rows, max_rows)


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
