"""Who annotates: names registered in the workspace, with optional passwords.

Passwords are optional and live only in ``.streamlit/secrets.toml``::

    [annotators]
    ana = "her password"
    luis = "his password"

When that table exists, only the names listed may sign in, and each needs its password
(compared in constant time). Without it anyone may pick a name; the name is remembered.
"""

from __future__ import annotations

import hmac
import re

from clinsum.errors import InputError
from clinsum.secrets import read_secrets
from clinsum.store import Store

NAME_RE = re.compile(r"^[^\W_][\w .'’-]{0,39}$", re.UNICODE)


def password_table(secrets: dict | None = None) -> dict[str, str]:
    """``{name: password}`` from secrets.toml's ``[annotators]`` (empty: no passwords)."""
    table = (read_secrets() if secrets is None else secrets).get("annotators")
    if not isinstance(table, dict):
        return {}
    return {str(k).strip(): str(v) for k, v in table.items() if str(k).strip()}


def passwords_required(secrets: dict | None = None) -> bool:
    return bool(password_table(secrets))


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not NAME_RE.match(name):
        raise InputError(
            "An annotator name needs 1 to 40 letters, digits, spaces, dots or dashes.",
            hint="Use your name or initials, the same each time (e.g. 'ana.garcia').",
        )
    return name


def verify(name: str, password: str | None, secrets: dict | None = None) -> bool:
    """True when ``name`` may sign in with ``password`` (always true without a password list)."""
    table = password_table(secrets)
    if not table:
        return True
    expected = table.get(name)
    given = (password or "").encode("utf-8")
    if expected is None:
        hmac.compare_digest(given, b"\x00" * len(given))  # same work for unknown names
        return False
    return hmac.compare_digest(given, expected.encode("utf-8"))


def sign_in(store: Store, name: str, password: str | None = None, secrets: dict | None = None) -> str:
    """Check identity, register the annotator (first use) and return the clean name."""
    name = clean_name(name)
    if not verify(name, password, secrets):
        raise InputError(
            "That name and password do not match the annotator list.",
            hint="Ask the study coordinator for your annotator name and password.",
        )
    register(store, name)
    return name


def register(store: Store, name: str) -> None:
    store.execute(
        "INSERT INTO annotators (name, last_seen_at) VALUES (?, now())"
        " ON CONFLICT (name) DO UPDATE SET last_seen_at = now()",
        [name],
    )


def set_active(store: Store, name: str, active: bool) -> None:
    """Take an annotator out of (or back into) the assignment of new work."""
    register(store, name)
    store.execute("UPDATE annotators SET active = ? WHERE name = ?", [active, name])


def list_annotators(store: Store, secrets: dict | None = None) -> list[dict]:
    """Every known annotator (registered or listed in secrets), with ``active``."""
    listed = list(password_table(secrets))
    with store.transaction() as con:
        for name in listed:
            con.execute("INSERT INTO annotators (name) VALUES (?) ON CONFLICT DO NOTHING", [name])
        return store.fetch_dicts("SELECT name, active, created_at, last_seen_at FROM annotators ORDER BY name")


def active_names(store: Store, secrets: dict | None = None) -> list[str]:
    return [a["name"] for a in list_annotators(store, secrets) if a["active"]]
