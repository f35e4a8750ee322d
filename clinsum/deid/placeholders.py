"""Typed placeholders: ``[NOMBRE_1]``; the same surface gets the same one within a record.

A :class:`Mapping` (placeholder → original surface) makes it reversible: surfaces are
compared exactly, so putting them back restores the text exactly. Mappings live only in the
local workspace (see :mod:`clinsum.deid.mapping_store`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from clinsum.deid.spans import Span
from clinsum.deid.types import PHI_TYPES

PLACEHOLDER_RE = re.compile(r"\[([A-Z]+(?:_[A-Z]+)*)_(\d+)\]")


@dataclass
class Mapping:
    """Placeholder → (type, surface), with the reverse index used for consistency."""

    entries: dict[str, tuple[str, str]] = field(default_factory=dict)

    def placeholder_for(self, phi_type: str, surface: str) -> str:
        """The placeholder of ``surface`` (exactly these characters), new if unseen."""
        label = PHI_TYPES.get(phi_type, "PHI")
        used = 0
        for ph, (kind, surf) in self.entries.items():
            if PHI_TYPES.get(kind, "PHI") == label:
                if surf == surface:
                    return ph
                used += 1
        ph = f"[{label}_{used + 1}]"
        while ph in self.entries:
            used += 1
            ph = f"[{label}_{used + 1}]"
        self.entries[ph] = (phi_type, surface)
        return ph

    def surface(self, placeholder: str) -> str | None:
        entry = self.entries.get(placeholder)
        return entry[1] if entry else None


@dataclass
class Deidentified:
    text: str                                   # with placeholders
    spans: list[Span]                           # PHI found, offsets into the original text
    mapping: Mapping
    placed: list[tuple[int, int, str]]          # (start, end, type) of placeholders in ``text``
    kept: list[Span] = field(default_factory=list)  # PHI of kept types, left as is (original offsets)
    kept_placed: list[tuple[int, int, str]] = field(default_factory=list)  # the same, in ``text``


def replace(text: str, spans: Iterable[Span], mapping: Mapping | None = None,
            keep: Iterable[str] = ()) -> Deidentified:
    """``text`` with each span (of a type not in ``keep``) replaced by its placeholder."""
    mapping = mapping if mapping is not None else Mapping()
    keep = set(keep)
    spans = sorted(spans)
    out: list[str] = []
    placed: list[tuple[int, int, str]] = []
    pos = length = 0
    kept: list[Span] = []
    kept_placed: list[tuple[int, int, str]] = []
    for span in spans:
        if span.start < pos:
            continue
        if span.type in keep:
            kept.append(span)
            at = length + span.start - pos
            kept_placed.append((at, at + span.end - span.start, span.type))
            continue
        chunk = text[pos:span.start]
        out.append(chunk)
        length += len(chunk)
        ph = mapping.placeholder_for(span.type, span.text)
        out.append(ph)
        placed.append((length, length + len(ph), span.type))
        length += len(ph)
        pos = span.end
    out.append(text[pos:])
    return Deidentified("".join(out), [s for s in spans if s.type not in keep], mapping, placed, kept, kept_placed)


def reidentify(text: str, mapping: Mapping) -> str:
    """Put the original surfaces back where ``text`` (e.g. a model's answer) has placeholders."""
    return PLACEHOLDER_RE.sub(lambda m: mapping.surface(m.group(0)) or m.group(0), text)
