"""Schema migrations: ``migrations/NNNN_name.sql`` files applied once each, in name order.

Migrations are recorded by name in ``schema_migrations``, so areas can add their own files
(``0100_generation.sql``, ``0200_rag.sql``, …) and an older workspace catches up on open.
A migration never drops or rewrites user data without copying it first.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import duckdb

from clinsum import __version__


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str


def known_migrations() -> list[Migration]:
    """Every migration shipped with this version of clinsum, in order."""
    folder = resources.files("clinsum.store") / "migrations"
    files = sorted(
        (f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name
    )
    return [Migration(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply what is missing, each migration in its own transaction; return their names."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " name VARCHAR PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp,"
        " clinsum_version VARCHAR)"
    )
    applied = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
    done = []
    for migration in known_migrations():
        if migration.name in applied:
            continue
        con.begin()
        try:
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations (name, clinsum_version) VALUES (?, ?)",
                [migration.name, __version__],
            )
            con.commit()
        except BaseException:
            con.rollback()
            raise
        done.append(migration.name)
    return done
