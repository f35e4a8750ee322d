"""Text utilities shared by every area: Unicode normalization, words, sentences, language.

Every choice is explicit: words are Unicode letter/digit runs (accents kept), sentences end
at ``.!?`` followed by space and an uppercase letter or a newline, except after common
clinical abbreviations.
"""

from __future__ import annotations

import re
import unicodedata

WORD_RE = re.compile(r"[^\W_]+(?:[.,'’-][^\W_]+)*", re.UNICODE)
_ABBREVIATIONS = {
    "dr", "dra", "sr", "sra", "srta", "dña", "d", "aprox", "vs", "p", "ej", "núm", "nº", "fig",
    "mr", "mrs", "ms", "st", "approx", "e.g", "i.e", "prof", "lic",
}
_SENTENCE_END = re.compile(r"([.!?…]+)(\s+)(?=[\"'«(¿¡]?[A-ZÁÉÍÓÚÑÜ0-9])|\n\s*\n|\n(?=\s*[-•*·]\s)")


def normalize(text: str) -> str:
    """NFC, Unix newlines, no trailing spaces on lines, no NUL characters."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\x00", "").replace("\ufeff", "")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def words(text: str, lower: bool = True) -> list[str]:
    """Unicode word tokens (accents kept; ``3.5`` and ``mg/dl`` parts kept together as runs)."""
    found = WORD_RE.findall(text)
    return [w.lower() for w in found] if lower else found


def sentences(text: str) -> list[str]:
    """Split into sentences, keeping clinical abbreviations (``Dr.``, ``mg.``) intact."""
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start() + len(match.group(1) or "")
        candidate = text[start:end]
        last = re.findall(r"([^\W\d_][\w.]*)\.$", candidate.strip())
        if match.group(1) and last and last[-1].lower() in _ABBREVIATIONS:
            continue
        if candidate.strip():
            out.append(candidate.strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


_ES = {"de", "la", "el", "que", "en", "los", "con", "por", "las", "del", "se", "una", "para",
       "paciente", "sin", "al", "y", "no", "es", "presenta", "años"}
_EN = {"the", "of", "and", "to", "in", "with", "for", "is", "was", "on", "patient", "no",
       "at", "by", "as", "were", "history", "years", "an", "a"}


def detect_language(text: str) -> str:
    """``es`` or ``en`` by function-word counts (clinical text in this workbench is one of them)."""
    tokens = words(text[:20000])
    es = sum(t in _ES for t in tokens)
    en = sum(t in _EN for t in tokens)
    return "en" if en > es else "es"
