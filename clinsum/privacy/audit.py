"""The local log of every send through the gate (table ``privacy_audit``), and cleared payloads.

A row says when, who, which records (local ids, never sent), which opaque tokens went
instead, the payload's SHA-256, and which residues a person accepted. A *clearance* is a
payload hash a person approved after reviewing its residues (References page, CLI), so the
backend-level gate lets exactly those bytes through without masking them again.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Iterable
from typing import Any

from clinsum.store import Store, from_json, new_id, to_json


def who() -> str:
    """The person sending: ``$CLINSUM_USER``, else the login name."""
    try:
        return os.environ.get("CLINSUM_USER") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def payload_hash(payload: Any) -> str:
    """SHA-256 of the messages (or any JSON value, or bytes) exactly as they are sent."""
    if isinstance(payload, bytes):
        data = payload
    else:
        data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def clear(store: Store, payload: Any, residues: Iterable[str] = (), by: str | None = None) -> str:
    """Record that a person approved ``payload`` (with ``residues`` marked safe); return its hash."""
    digest = payload_hash(payload)
    store.execute("INSERT INTO privacy_clearances (payload_sha256, residues, cleared_by) VALUES (?, ?, ?)"
                  " ON CONFLICT DO NOTHING", [digest, to_json(sorted(set(residues))), by or who()])
    return digest


def clearance(store: Store, payload: Any) -> list[str] | None:
    """The residues accepted for ``payload`` when a person cleared it, or None if never cleared."""
    row = store.fetch_one("SELECT residues FROM privacy_clearances WHERE payload_sha256 = ?", [payload_hash(payload)])
    return None if row is None else (from_json(row["residues"]) or [])


def record_send(store: Store, *, backend: str, host: str, purpose: str, payload_sha256: str, n_chars: int,
                gate: str, mode: str, records: Iterable[str] = (), tokens: Iterable[str] = (),
                n_replaced: int = 0, residues_accepted: Iterable[str] = (), by: str | None = None) -> str:
    audit_id = new_id("send")
    store.execute(
        "INSERT INTO privacy_audit (id, who, backend, host, purpose, records, tokens, payload_sha256, n_chars, gate,"
        " mode, n_replaced, residues_accepted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [audit_id, by or who(), backend, host, purpose, to_json(sorted(set(records))), to_json(list(tokens)),
         payload_sha256, n_chars, gate, mode, n_replaced, to_json(sorted(set(residues_accepted)))])
    return audit_id


def list_sends(store: Store, limit: int = 200, record_id: str | None = None) -> list[dict[str, Any]]:
    """The newest sends first, JSON columns parsed."""
    sql, params = "SELECT * FROM privacy_audit", []
    if record_id:
        sql += " WHERE list_contains(CAST(records AS VARCHAR[]), ?)"
        params.append(record_id)
    rows = store.fetch_dicts(sql + " ORDER BY sent_at DESC, id LIMIT ?", [*params, limit])
    for row in rows:
        for key in ("records", "tokens", "residues_accepted"):
            row[key] = from_json(row[key]) or []
    return rows
