"""Versioned prompt files: ``prompts/<language>/<strategy>.toml`` (Spanish and English).

A file holds ``version``, ``system`` and one template per stage (``user``, or ``draft`` /
``critique`` / ``revise``, or ``part`` / ``merge`` …). Templates name their inputs in braces,
``{record}``; only known names are replaced, so braces in a record or a user's template are
left alone. In a template that uses the fences ``<<<`` … ``>>>``, every value is neutralised
first (a run of three or more ``<`` or ``>`` gets spaces, ``>>>`` → ``> > >``), so a record,
a title or a model's draft containing the fence cannot close its block early and pass text
off as instructions; only text rendered from a template itself (:class:`Rendered`, e.g. the
few-shot examples) keeps its fences. A workspace may override a file by putting its own copy under
``<workspace>/prompts/<language>/<strategy>.toml``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from clinsum.backends.base import Message
from clinsum.errors import ConfigError, NotFound

if TYPE_CHECKING:
    from clinsum.store import Store

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
LANGUAGES = ("es", "en")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
FENCE_OPEN, FENCE_CLOSE = "<<<", ">>>"
_FENCE_RUN = re.compile(r"<{3,}|>{3,}")


@dataclass
class PromptSet:
    name: str
    language: str
    version: str
    system: str
    templates: dict[str, str] = field(default_factory=dict)
    path: str = ""

    def template(self, key: str) -> str:
        try:
            return self.templates[key]
        except KeyError:
            raise ConfigError(f"The prompt file {self.path} has no {key!r} template.") from None

    def messages(self, key: str, **values: object) -> list[Message]:
        """System + user messages of the ``key`` template filled with ``values``."""
        out: list[Message] = []
        if self.system.strip():
            out.append({"role": "system", "content": render(self.system, **values)})
        out.append({"role": "user", "content": render(self.template(key), **values)})
        return out


def prompt_language(language: str | None) -> str:
    return language if language in LANGUAGES else "es"


class Rendered(str):
    """Prompt text made from a template (its fences are the template's own, not data's)."""


def neutralise(text: str) -> str:
    """``text`` with no run of three ``<`` or ``>`` left (``>>>`` → ``> > >``)."""
    return _FENCE_RUN.sub(lambda m: " ".join(m.group(0)), text)


def render(template: str, **values: object) -> str:
    """Fill ``{name}`` placeholders that have a value; leave every other brace as it is.
    In a fenced template no value (but :class:`Rendered` text) can contain the fence."""
    fenced = FENCE_OPEN in template or FENCE_CLOSE in template

    def swap(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            return match.group(0)
        value = values[key]
        return neutralise(str(value)) if fenced and not isinstance(value, Rendered) else str(value)

    return _PLACEHOLDER.sub(swap, template)


def prompt_path(name: str, language: str, store: Store | None = None) -> Path:
    language = prompt_language(language)
    if store is not None:
        override = store.root / "prompts" / language / f"{name}.toml"
        if override.exists():
            return override
    return PROMPTS_DIR / language / f"{name}.toml"


def load_prompts(name: str, language: str, store: Store | None = None) -> PromptSet:
    """The prompt file of strategy ``name`` in ``language`` (Spanish when unknown)."""
    path = prompt_path(name, language, store)
    if not path.exists():
        raise NotFound(f"No prompt file for strategy {name!r} in {prompt_language(language)!r}.",
                       hint=f"Expected {path}.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"The prompt file {path} cannot be read: {exc}",
                          hint="Fix the TOML syntax (triple quotes around long texts).") from exc
    templates = {k: v for k, v in data.items() if isinstance(v, str) and k not in ("version", "system")}
    return PromptSet(name, prompt_language(language), str(data.get("version", "1")),
                     str(data.get("system", "")), templates, str(path))
