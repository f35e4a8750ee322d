"""Secrets never reach the workspace: find them in configs and remove them from what is written.

One place decides what a secret looks like, and every writer of configs, job logs and errors
goes through it: :func:`find_secrets` (where in a config a secret is, to refuse it before
anything is stored), :func:`scrub` (a copy of a config or log event with every secret
replaced by ``[redacted]``) and :func:`scrub_text` (the same for a message). A secret is a
value under a key named like one (``api_key``, ``token``, ``password`` …, but not
``max_tokens``), a string shaped like a known key (``sk-…``, ``hf_…``, ``Bearer …``), the
password of a URL, or the value of a key clinsum reads from the environment.
"""

from __future__ import annotations

import os
import re
from typing import Any

REDACTED = "[redacted]"
SECRET_NAMES = ("OPENAI_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "CLINSUM_API_TOKEN",
                "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN")
_SECRET_KEY = re.compile(
    r"(?:^|[_\-.\s])(?:api[_\-]?key|apikey|secret|client[_\-]?secret|password|passwd|pwd|token|"
    r"access[_\-]?token|auth[_\-]?token|access[_\-]?key|private[_\-]?key|authorization|bearer|"
    r"credentials?)(?:$|[_\-.\s])",
    re.IGNORECASE,
)
_SECRET_VALUE = re.compile(
    r"\bsk-[A-Za-z0-9_\-]{16,}|\bhf_[A-Za-z0-9]{20,}|\bgh[pousr]_[A-Za-z0-9]{20,}|"
    r"\bxox[abposr]-[A-Za-z0-9\-]{10,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_\-]{30,}|"
    r"(?<=Bearer )[A-Za-z0-9._~+/=\-]{12,}"
)
_URL_PASSWORD = re.compile(r"(?<=://)([^/\s:@]+):([^/\s@]+)@")


def is_secret_key(key: object) -> bool:
    """Whether a config key names a secret (``api_key``, ``hf_token``; not ``max_tokens``)."""
    return isinstance(key, str) and bool(_SECRET_KEY.search(key))


def _known_values() -> list[str]:
    values = [os.environ.get(name) or "" for name in SECRET_NAMES]
    return [v for v in values if len(v) >= 8]


def has_secret_text(text: str) -> bool:
    """Whether ``text`` holds something shaped like a key, a URL password or a known secret."""
    return bool(_SECRET_VALUE.search(text) or _URL_PASSWORD.search(text)
                or any(v in text for v in _known_values()))


def scrub_text(text: str) -> str:
    """``text`` with every key-shaped string, URL password and known secret redacted."""
    if not isinstance(text, str) or not text:
        return text
    for value in _known_values():
        text = text.replace(value, REDACTED)
    text = _SECRET_VALUE.sub(REDACTED, text)
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)


def find_secrets(value: Any, path: str = "") -> list[str]:
    """Where ``value`` (a config: dicts, lists, strings) holds secrets, e.g.
    ``["models[0].api_key"]``; the secrets themselves are never part of the answer."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if is_secret_key(key) and item not in (None, "", REDACTED):
                found.append(where)
            else:
                found += find_secrets(item, where)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found += find_secrets(item, f"{path}[{i}]")
    elif isinstance(value, str) and has_secret_text(value):
        found.append(path or "(text)")
    return found


def scrub(value: Any) -> Any:
    """A copy of ``value`` with every secret replaced by ``[redacted]`` (safe to store or log)."""
    if isinstance(value, dict):
        return {k: (REDACTED if is_secret_key(k) and v not in (None, "") else scrub(v))
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value
