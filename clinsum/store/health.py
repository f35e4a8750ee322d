"""A workspace database that cannot be read: a clear error with what to do, not a traceback."""

from __future__ import annotations

from pathlib import Path

import duckdb

from clinsum.errors import InputError

_DAMAGE_MARKS = ("not a valid duckdb database", "corrupt", "checksum", "database file is",
                 "failed to read", "could not read", "serialization error", "invalid metadata")


class WorkspaceDamaged(InputError):
    """The workspace's database file is damaged, truncated or not a clinsum database."""

    key = "store.damaged"


def damage_error(exc: duckdb.Error, db_path: Path, opening: bool = False) -> InputError | None:
    """The error to show for ``exc`` raised while opening or reading ``db_path``: a
    :class:`WorkspaceDamaged` when the file is unreadable, a permission problem as
    :class:`InputError`, ``None`` for ordinary query errors and lock conflicts (``opening``:
    the error came from opening the file, where any internal error means damage)."""
    text = str(exc)
    lowered = text.lower()
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    if "could not set lock" in lowered or "conflicting lock" in lowered:
        return None
    if "permission denied" in lowered:
        return InputError(f"The workspace database {db_path} cannot be opened: permission denied.",
                          hint="Check the folder's owner and permissions, or choose another workspace.",
                          path=str(db_path))
    if (opening and isinstance(exc, duckdb.SerializationException | duckdb.InternalException)) or any(
            mark in lowered for mark in _DAMAGE_MARKS):
        return WorkspaceDamaged(
            f"The workspace database {db_path} is damaged or is not a clinsum database ({first}).",
            hint="Restore clinsum.duckdb from a backup, or move it aside and open a new workspace "
                 "(--workspace / $CLINSUM_WORKSPACE); nothing was changed.",
            path=str(db_path))
    return None
