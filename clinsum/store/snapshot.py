"""Read-only snapshots of the workspace database, for long reads that must not hold the lock.

:func:`snapshot` copies ``clinsum.duckdb`` (and its WAL) under the shared lock, which only
waits for a writer in progress and never lets a writer in halfway through the copy; the copy
is then read without any workspace lock, so a 30-second query delays no one. A snapshot is
reused while the database file has not changed, and older ones are removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path

from clinsum.store import Store

SNAPSHOT_DIR = "snapshots"


def _stamp(path: Path) -> str:
    parts = []
    for file in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(OSError):
            info = file.stat()
            parts.append(f"{info.st_mtime_ns:x}-{info.st_size:x}")
    return "_".join(parts) or "empty"


def _copy(source: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def snapshot(store: Store) -> tuple[Path, float]:
    """The path of a consistent read-only copy of the workspace database and when it was taken."""
    folder = store.dir(SNAPSHOT_DIR)
    with store.read_lock():  # shared: no writer is halfway through, other readers go on
        target = folder / f"db-{_stamp(store.db_path)}.duckdb"
        if not target.exists():
            wal = store.db_path.with_name(store.db_path.name + ".wal")
            if wal.exists():
                _copy(wal, Path(str(target) + ".wal"))
            _copy(store.db_path, target)
    taken = target.stat().st_mtime
    for old in folder.glob("db-*.duckdb*"):  # readers of an older copy keep their open file
        if not old.name.startswith(target.name):
            with contextlib.suppress(OSError):
                old.unlink()
    return target, taken
