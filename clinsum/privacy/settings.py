"""Workspace privacy settings: which hosts count as inside the hospital, and the gate's mode.

``inside_hosts`` lists host names or addresses (``loopback`` stands for 127.0.0.0/8, ::1
and localhost; ``*.hospital.local`` matches a domain). Default: loopback only. For hosts
inside, ``gate_inside`` says whether the gate still runs (default False: a call to this
machine leaves nothing). Every other host always goes through the gate. ``mode``: typed
placeholders or realistic surrogates; ``safe_words``: residues marked safe for good.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from clinsum.errors import InputError
from clinsum.store import Store, from_json, to_json

MODES = ("placeholders", "surrogates")
LOOPBACK = "loopback"


@dataclass
class PrivacySettings:
    inside_hosts: list[str] = field(default_factory=lambda: [LOOPBACK])
    gate_inside: bool = False
    mode: str = "placeholders"
    safe_words: list[str] = field(default_factory=list)  # residues a person marked safe for good

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_settings(store: Store) -> PrivacySettings:
    rows = store.execute("SELECT key, value FROM privacy_settings")
    values = {key: from_json(value) for key, value in rows}
    known = PrivacySettings().to_dict()
    return PrivacySettings(**{k: v for k, v in values.items() if k in known})


def save_settings(store: Store, settings: PrivacySettings) -> PrivacySettings:
    """Validate and store ``settings`` (all keys at once)."""
    if settings.mode not in MODES:
        raise InputError(f"Unknown privacy mode {settings.mode!r}; use {' or '.join(MODES)}.")
    settings.inside_hosts = [h.strip().lower() for h in settings.inside_hosts if h.strip()]
    with store.transaction() as con:
        for key, value in settings.to_dict().items():
            con.execute("INSERT INTO privacy_settings (key, value) VALUES (?, ?) ON CONFLICT (key)"
                        " DO UPDATE SET value = excluded.value",
                        [key, to_json(value)])
    return settings


def remember_safe(store: Store, words: list[str]) -> PrivacySettings:
    """Add ``words`` to the residues the scan no longer flags in this workspace."""
    settings = load_settings(store)
    settings.safe_words = sorted(set(settings.safe_words) | {w for w in words if w.strip()})
    return save_settings(store, settings)


def host_of(url: str) -> str:
    """``https://api.openai.com/v1`` → ``api.openai.com``; a bare ``host:port`` works too."""
    url = (url or "").strip()
    if "://" not in url:
        url = "http://" + url
    return (urlsplit(url).hostname or "").lower()


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_inside(url: str, settings: PrivacySettings) -> bool:
    """True when the host of ``url`` is one the workspace names as inside the hospital."""
    host = host_of(url)
    for entry in settings.inside_hosts:
        if entry == LOOPBACK and is_loopback(host):
            return True
        if entry != LOOPBACK and (host == entry or fnmatch.fnmatch(host, entry)):
            return True
    return False


def gate_applies(url: str, settings: PrivacySettings) -> bool:
    """Whether a call to ``url`` goes through the gate."""
    return settings.gate_inside or not is_inside(url, settings)
