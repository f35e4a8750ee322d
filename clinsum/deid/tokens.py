"""Tokens with character offsets: Unicode word runs or single punctuation marks.

PHI boundaries (``28036``, ``c/ del Abedul 5-7``) fall on token edges. Each non-empty line
of a text is one tagging sequence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from clinsum.text import strip_accents

TOKEN_RE = re.compile(r"[^\W_]+|\S", re.UNICODE)
LINE_RE = re.compile(r"[^\n]+")


class Token(NamedTuple):
    start: int
    end: int
    text: str


def word_key(word: str) -> str:
    """Lower-cased, accent-free form used by features and gazetteers."""
    return strip_accents(word.lower())


def phrase_key(text: str) -> tuple[str, ...]:
    """The word keys of a surface (``Miranda de Ebro`` → ``("miranda", "de", "ebro")``)."""
    return tuple(word_key(m.group()) for m in TOKEN_RE.finditer(text))


def numbered_lines(text: str) -> Iterator[tuple[int, list[Token]]]:
    """(index among non-empty lines, tokens) of each non-empty line."""
    n = 0
    for line in LINE_RE.finditer(text):
        toks = [Token(m.start() + line.start(), m.end() + line.start(), m.group())
                for m in TOKEN_RE.finditer(line.group())]
        if toks:
            yield n, toks
            n += 1


def lines(text: str) -> Iterator[list[Token]]:
    """The tokens of each non-empty line."""
    for _, toks in numbered_lines(text):
        yield toks
