"""Per-record placeholder mappings in the workspace (table ``deid_mappings``), never sent anywhere."""

from __future__ import annotations

from collections.abc import Iterable

from clinsum.deid.pipeline import find_phi
from clinsum.deid.placeholders import Deidentified, Mapping, replace
from clinsum.records import get_record
from clinsum.store import Store


def load_mapping(store: Store, record_id: str) -> Mapping:
    rows = store.execute(
        "SELECT placeholder, phi_type, surface FROM deid_mappings WHERE record_id = ? ORDER BY created_at",
        [record_id],
    )
    return Mapping({ph: (kind, surface) for ph, kind, surface in rows})


def save_mapping(store: Store, record_id: str, mapping: Mapping, known: Iterable[str] = ()) -> None:
    """Add the entries not stored yet (``known``: placeholders already stored; they never change meaning)."""
    known = set(known)
    rows = [[record_id, ph, kind, surface] for ph, (kind, surface) in mapping.entries.items() if ph not in known]
    if rows:
        values = ", ".join("(?, ?, ?, ?)" for _ in rows)
        store.execute(
            f"INSERT INTO deid_mappings (record_id, placeholder, phi_type, surface) VALUES {values}"
            " ON CONFLICT DO NOTHING", [v for row in rows for v in row])


def deidentify_record(store: Store, record_id: str, keep: Iterable[str] = (),
                      text: str | None = None, save: bool = True, language: str | None = None) -> Deidentified:
    """The record's text (or ``text`` of that record) de-identified with its stored mapping,
    read in the record's language (or ``language``)."""
    if text is None or language is None:
        record = get_record(store, record_id)
        text = record.text if text is None else text
        language = language or record.language
    mapping = load_mapping(store, record_id)
    known = list(mapping.entries)
    result = replace(text, find_phi(text, language=language), mapping, keep)
    if save:
        save_mapping(store, record_id, result.mapping, known)
    return result
