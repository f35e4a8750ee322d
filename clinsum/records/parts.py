"""A record cut into parts of bounded size, following its sections.

Small neighbouring sections are grouped and very long ones are cut at paragraph or sentence
boundaries so that every part stays under ``part_chars``. Strategies that work part by part
(by parts, multi-question RAG), the RAG preview and the grid estimate use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinsum.records.sections import Section

DEFAULT_PART_CHARS = 6000


@dataclass
class Part:
    title: str
    text: str


def split_parts(text: str, sections: list[Section], part_chars: int = DEFAULT_PART_CHARS) -> list[Part]:
    """Parts of at most about ``part_chars`` characters, following section boundaries."""
    pieces: list[Part] = []
    for section in sections or []:
        body = text[section.start : section.end].strip()
        if not body:
            continue
        for chunk in _cut(body, part_chars):
            pieces.append(Part(section.title or section.kind, chunk))
    if not pieces and text.strip():
        pieces = [Part("", chunk) for chunk in _cut(text.strip(), part_chars)]
    parts: list[Part] = []
    for piece in pieces:  # group small neighbours
        if parts and len(parts[-1].text) + len(piece.text) + 2 <= part_chars // 2:
            last = parts[-1]
            title = last.title if piece.title == last.title else f"{last.title} / {piece.title}"
            parts[-1] = Part(title.strip(" /"), f"{last.text}\n\n{piece.text}")
        else:
            parts.append(piece)
    return parts


def _cut(text: str, limit: int) -> list[str]:
    """``text`` in chunks of at most ``limit`` characters, cut at blank lines, lines or spaces."""
    chunks: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(". "))
        if cut < limit // 3:
            cut = window.rfind(" ")
        if cut < limit // 3:
            cut = limit
        chunks.append(text[:cut].strip())
        text = text[cut:].strip()
    if text.strip():
        chunks.append(text.strip())
    return [c for c in chunks if c]
