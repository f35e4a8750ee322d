"""UI strings in Spanish and English, from one place: the modules of ``clinsum.ui.strings``.

Each module there defines ``STRINGS = {"key": ("español", "English"), ...}``; keys are
namespaced by page (``records.import.title``). ``t(key, lang, **params)`` formats with
``str.format``. A missing key shows the key itself, so a gap is visible, never a crash.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

LANGUAGES = ("es", "en")


@cache
def catalog() -> dict[str, tuple[str, str]]:
    """Every string of every module in ``clinsum.ui.strings``; a key defined twice is an error."""
    package = importlib.import_module("clinsum.ui.strings")
    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"clinsum.ui.strings.{info.name}")
        for key, pair in getattr(module, "STRINGS", {}).items():
            if key in merged:
                raise ValueError(f"UI string {key!r} defined twice (in {info.name})")
            merged[key] = pair
    return merged


def translate(key: str, lang: str = "es", **params: object) -> str:
    pair = catalog().get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "es" else pair[1]
    return text.format(**params) if params else text
