"""The workspace: one folder holding a DuckDB database and the files long jobs write.

Every reader and writer, threads of one Streamlit server and separate job processes alike,
goes through :meth:`Store.connect`, which holds an exclusive file lock on the workspace for
the length of one short operation and closes the database afterwards. DuckDB lets only one
process open a file for writing; taking turns through the lock means writers wait (up to
``busy_timeout`` seconds) instead of failing, and nothing is lost.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from clinsum.errors import WorkspaceBusy
from clinsum.store.migrate import apply_migrations, known_migrations

DB_NAME = "clinsum.duckdb"
LOCK_NAME = ".clinsum.lock"

_thread_locks: dict[Path, threading.RLock] = {}
_thread_locks_guard = threading.Lock()


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


class Store:
    """A workspace folder and its database."""

    def __init__(self, root: str | os.PathLike[str], busy_timeout: float = 60.0) -> None:
        self.root = Path(root).expanduser().resolve()
        self.busy_timeout = busy_timeout
        self.db_path = self.root / DB_NAME
        self._lock_path = self.root / LOCK_NAME
        with _thread_locks_guard:
            self._thread_lock = _thread_locks.setdefault(self.root, threading.RLock())
        self._local = threading.local()

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
    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection held under the workspace lock; nested calls in a thread share it."""
        held = getattr(self._local, "con", None)
        if held is not None:
            yield held
            return
        if not self._thread_lock.acquire(timeout=self.busy_timeout):
            raise self._busy()
        try:
            with self._file_lock():
                con = duckdb.connect(str(self.db_path), read_only=read_only and self.exists())
                self._local.con = con
                try:
                    yield con
                finally:
                    self._local.con = None
                    con.close()
        finally:
            self._thread_lock.release()

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

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+") as handle:
            deadline = time.monotonic() + self.busy_timeout
            delay = 0.005
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise self._busy() from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.1)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _busy(self) -> WorkspaceBusy:
        return WorkspaceBusy(
            f"The workspace {self.root} stayed busy for {self.busy_timeout:.0f} s.",
            hint="Another job is writing a lot at once; try again in a moment.",
        )

    # -- convenience queries -----------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[tuple]:
        """Run one statement; return its rows (empty for statements without results)."""
        with self.connect() as con:
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
