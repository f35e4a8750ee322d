"""The workspace: one folder holding a DuckDB database and the files long jobs write.

Every reader and writer, threads of one Streamlit server and separate job processes alike,
goes through :meth:`Store.connect`, which holds the workspace lock for the length of one
short operation and closes the database afterwards: shared and a read-only open for reads
(readers never block readers), exclusive for writes (see :mod:`clinsum.store.locks`).
Writers wait (up to ``busy_timeout`` seconds) instead of failing, and nothing is lost. Bulk
writes go through :meth:`Store.write_chunks`, which commits every ``chunk_rows`` rows and
lets others in between. A damaged database file is a :class:`WorkspaceDamaged` error.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import duckdb

from clinsum.errors import WorkspaceBusy
from clinsum.store.health import WorkspaceDamaged, damage_error
from clinsum.store.locks import (
    LOCK_NAME,
    ReadWriteLock,
    WorkspaceLock,
    lock_stats,
    reset_lock_stats,
)
from clinsum.store.migrate import apply_migrations, known_migrations

__all__ = ["DB_NAME", "LOCK_NAME", "Store", "WorkspaceDamaged", "from_json", "lock_stats", "new_id",
           "reset_lock_stats", "to_json"]

DB_NAME = "clinsum.duckdb"
DEFAULT_CHUNK_ROWS = 500
_READING = re.compile(r"\s*(SELECT|FROM|SHOW|DESCRIBE|VALUES|SUMMARIZE)\b", re.IGNORECASE)

_thread_locks: dict[Path, ReadWriteLock] = {}
_thread_locks_guard = threading.Lock()
_thread_states = threading.local()


def new_id(prefix: str) -> str:
    """A short random id such as ``gen-1a2b3c4d5e6f``."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def to_json(value: Any) -> str | None:
    """Serialize for a JSON column (``None`` stays NULL)."""
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def from_json(value: Any) -> Any:
    """Parse a JSON column value (DuckDB returns JSON as text)."""
    if value is None or not isinstance(value, str):
        return value
    return json.loads(value)


class _ThreadState:
    """Per thread and workspace (whatever Store object a caller made for it): the open
    connection, how deep operations nest in it, whether reads share it."""

    con: duckdb.DuckDBPyConnection | None = None
    depth = 0
    sharing = False
    held: ExitStack | None = None  # releases the shared connection kept between operations
    in_tx = False


class Store:
    """A workspace folder and its database."""

    def __init__(self, root: str | os.PathLike[str], busy_timeout: float = 60.0) -> None:
        self.root = Path(root).expanduser().resolve()
        self.busy_timeout = busy_timeout
        self.db_path = self.root / DB_NAME
        self._lock = WorkspaceLock(self.root, busy_timeout, self._busy)
        with _thread_locks_guard:
            self._thread_lock = _thread_locks.setdefault(self.root, ReadWriteLock())

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, root: str | os.PathLike[str], busy_timeout: float = 60.0) -> Store:
        """Open (creating if needed) the workspace at ``root`` and bring its schema up to date."""
        store = cls(root, busy_timeout=busy_timeout)
        store.root.mkdir(parents=True, exist_ok=True)
        with store.connect() as con:
            apply_migrations(con)
        return store

    def exists(self) -> bool:
        return self.db_path.exists()

    def dir(self, *parts: str) -> Path:
        """A folder inside the workspace (created), for files that jobs write."""
        path = self.root.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- connections -------------------------------------------------------------------------
    @property
    def _local(self) -> _ThreadState:
        states = _thread_states.__dict__.setdefault("by_root", {})
        if self.root not in states:
            states[self.root] = _ThreadState()
        return states[self.root]

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection held under the workspace lock (shared and read-only for ``read_only``);
        nested calls in a thread share the outer connection, and reads inside
        :meth:`shared_connection` share one connection."""
        local = self._local
        if local.con is not None and (local.depth or read_only or not local.sharing):
            local.depth += 1
            try:
                yield local.con
            finally:
                local.depth -= 1
            return
        self._close_shared()  # a write while reads share a connection: the writer needs the lock
        read_only = read_only and self.exists()
        con, held = self._open(read_only)
        local.con, local.depth = con, 1
        keep = read_only and local.sharing
        try:
            yield con
        except duckdb.Error as exc:
            keep = False
            damaged = damage_error(exc, self.db_path)
            if damaged is None:
                raise
            raise damaged from exc
        finally:
            local.depth = 0
            if keep:
                local.held = held
            else:
                local.con = None
                held.close()

    def _open(self, read_only: bool) -> tuple[duckdb.DuckDBPyConnection, ExitStack]:
        """A new connection and what releases it (closing it, then the lock)."""
        held = ExitStack()
        held.enter_context(self._lock.hold(self._thread_lock, write=not read_only))
        try:
            con = duckdb.connect(str(self.db_path), read_only=read_only)
        except duckdb.Error as exc:
            held.close()
            damaged = damage_error(exc, self.db_path, opening=True)
            if damaged is not None:
                raise damaged from exc
            if "lock" in str(exc).lower():  # a program other than clinsum holds the file
                raise self._busy() from exc
            raise
        held.callback(con.close)
        return con, held

    @contextmanager
    def shared_connection(self) -> Iterator[None]:
        """Reads in this block (in this thread) share one read-only connection, opened on the
        first read and closed at the end: a page rerun opens the database once instead of once
        per query. A write closes it first (the writer takes the lock) and the next read opens
        a new one. Never hold it across slow work: wrap model calls in :meth:`released`."""
        local = self._local
        if local.sharing:
            yield
            return
        local.sharing = True
        try:
            yield
        finally:
            local.sharing = False
            self._close_shared()

    @contextmanager
    def released(self) -> Iterator[None]:
        """Close this thread's shared connection (and the lock) for the block: a model call.
        Reads inside the block open their own; sharing resumes afterwards."""
        local = self._local
        if local.depth:  # inside an operation: its connection is not ours to close
            yield
            return
        sharing, local.sharing = local.sharing, False
        self._close_shared()
        try:
            yield
        finally:
            local.sharing = sharing

    def _close_shared(self) -> None:
        local = self._local
        if local.held is not None and not local.depth:
            held, local.held, local.con = local.held, None, None
            held.close()

    @contextmanager
    def read_lock(self) -> Iterator[None]:
        """The shared workspace lock without a connection (e.g. to copy the database file)."""
        if self._local.con is not None:  # this thread holds the lock already
            yield
            return
        with self._lock.hold(self._thread_lock, write=False):
            yield

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside BEGIN … COMMIT; any exception rolls everything back."""
        with self.connect() as con:
            if getattr(self._local, "in_tx", False):
                yield con
                return
            con.begin()
            self._local.in_tx = True
            try:
                yield con
                con.commit()
            except BaseException:
                con.rollback()
                raise
            finally:
                self._local.in_tx = False

    def _busy(self) -> WorkspaceBusy:
        return WorkspaceBusy(
            f"The workspace {self.root} stayed busy for {self.busy_timeout:.0f} s.",
            hint="Another job is writing a lot at once; try again in a moment.",
        )

    def write_chunks(self, sql: str, rows: Iterable[Sequence[Any]], chunk_rows: int = DEFAULT_CHUNK_ROWS,
                     on_chunk: Callable[[int], None] | None = None) -> int:
        """``executemany(sql)`` over ``rows`` in transactions of ``chunk_rows`` rows, the lock
        released between them (others get in); ``on_chunk(rows_written_so_far)`` after each
        commit. A failure keeps the chunks already committed; returns the rows written."""
        written = 0
        chunk: list[Sequence[Any]] = []

        def flush() -> None:
            nonlocal written
            with self.transaction() as con:
                con.executemany(sql, chunk)
            written += len(chunk)
            chunk.clear()
            if on_chunk is not None:
                on_chunk(written)

        for row in rows:
            chunk.append(row)
            if len(chunk) >= max(1, chunk_rows):
                flush()
        if chunk:
            flush()
        return written

    # -- convenience queries -----------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[tuple]:
        """Run one statement; return its rows (empty for statements without results). A plain
        SELECT runs as a reader (shared lock), anything else as a writer."""
        with self.connect(read_only=bool(_READING.match(sql))) as con:
            cur = con.execute(sql, params or [])
            return cur.fetchall() if cur.description else []

    def fetch_dicts(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        with self.connect(read_only=True) as con:
            cur = con.execute(sql, params or [])
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def fetch_one(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        rows = self.fetch_dicts(sql, params)
        return rows[0] if rows else None

    def fetch_df(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None):
        """A pandas DataFrame of the query's result."""
        with self.connect(read_only=True) as con:
            return con.execute(sql, params or []).df()

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        rows = self.execute(sql, params)
        return rows[0][0] if rows else None

    # -- schema ------------------------------------------------------------------------------
    def schema_version(self) -> int:
        """How many migrations this workspace has applied."""
        return int(self.scalar("SELECT count(*) FROM schema_migrations") or 0)

    def pending_migrations(self) -> list[str]:
        applied = {r[0] for r in self.execute("SELECT name FROM schema_migrations")}
        return [m.name for m in known_migrations() if m.name not in applied]

    def counts(self) -> dict[str, int]:
        """Rows per main table, for the Home page and ``clinsum doctor``."""
        tables = ["records", "reference_summaries", "generations", "metrics", "annotations", "jobs"]
        with self.connect(read_only=True) as con:
            return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}
