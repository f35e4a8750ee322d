"""The leak suite: hand-written snippets (``data/privacy/leak_suite.jsonl``) and their identifiers.

:func:`find_leaks` runs a sanitizer (by default what the gate lets out for one message) over
every snippet and lists each identifier still present.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clinsum.config import DATA_DIR

SUITE = DATA_DIR / "privacy" / "leak_suite.jsonl"


@dataclass(frozen=True)
class Leak:
    snippet_id: str
    identifier: str
    output: str


def load_suite(path: Path = SUITE) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sanitize(text: str) -> str:
    """What the gate sends for ``text`` as one message: de-identified, every residue masked."""
    from clinsum.privacy.gate import protect

    return protect(text).masked().text


def leaked(identifier: str, output: str) -> bool:
    """``identifier`` (as a whole word, any case), or any of its 4+-digit groups, is still in ``output``."""
    if re.search(rf"(?<!\w){re.escape(identifier)}(?!\w)", output, re.I):
        return True
    return any(group in output for group in re.findall(r"\d{4,}", identifier))


def find_leaks(rows: list[dict] | None = None, clean: Callable[[str], str] = sanitize) -> list[Leak]:
    out = []
    for row in rows if rows is not None else load_suite():
        text = clean(row["text"])
        out += [Leak(row["id"], ident, text) for ident in row["identifiers"] if leaked(ident, text)]
    return out
