"""Records: import, sections, and queries over the ``records`` table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clinsum.errors import NotFound
from clinsum.records.sections import Section, sections_from_json, split_sections
from clinsum.store import Store, from_json

__all__ = ["Record", "Section", "get_record", "list_records", "split_sections", "search_records"]


@dataclass
class Record:
    id: str
    source: str
    language: str
    title: str
    text: str
    sections: list[Section]
    content_hash: str
    meta: dict[str, Any]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Record:
        return cls(
            id=row["id"],
            source=row["source"],
            language=row["language"] or "es",
            title=row["title"] or row["id"],
            text=row["text"],
            sections=sections_from_json(from_json(row["sections"])) or split_sections(row["text"]),
            content_hash=row["content_hash"],
            meta=from_json(row["meta"]) or {},
        )


def get_record(store: Store, record_id: str) -> Record:
    row = store.fetch_one("SELECT * FROM records WHERE id = ?", [record_id])
    if row is None:
        raise NotFound(f"No record {record_id!r} in this workspace.")
    return Record.from_row(row)


def list_records(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    """One summary row per record (no full text), newest import last."""
    sql = (
        "SELECT r.id, r.title, r.language, r.source, r.n_chars, r.imported_at,"
        " (SELECT count(*) FROM reference_summaries s WHERE s.record_id = r.id) AS n_references,"
        " (SELECT count(*) FROM generations g WHERE g.record_id = r.id) AS n_generations,"
        " (SELECT a.same_as FROM record_aliases a WHERE a.record_id = r.id) AS same_text_as"
        " FROM records r ORDER BY r.imported_at, r.id"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    return store.fetch_dicts(sql)


def search_records(store: Store, query: str, limit: int = 200) -> list[dict[str, Any]]:
    """Records whose id, title or text contain ``query`` (case- and accent-insensitive)."""
    like = f"%{query.strip()}%"
    return store.fetch_dicts(
        "SELECT id, title, language, source, n_chars FROM records"
        " WHERE strip_accents(lower(text)) LIKE strip_accents(lower(?))"
        " OR strip_accents(lower(title)) LIKE strip_accents(lower(?)) OR id ILIKE ?"
        " ORDER BY id LIMIT ?",
        [like, like, like, limit],
    )
