"""Word tokens for the lexical metrics (ROUGE, BLEU, METEOR, distinct-n), with optional stemming.

Tokens are lowercased runs of Unicode letters and digits (accents kept, text NFC-normalized
first). On ASCII text this is exactly the tokenizer of ``rouge-score``: lowercase, everything
that is not ``[a-z0-9]`` separates tokens, and stemming only touches tokens longer than three
characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

from clinsum.errors import ConfigError
from clinsum.text import detect_language

_TOKEN_RE = re.compile(r"[^\W_]+")
#: stemming choices: ``porter`` (what rouge-score uses), Snowball ``spanish`` / ``english``,
#: ``auto`` (Spanish Snowball for Spanish text, Porter for English), or None
STEMMERS = ("porter", "spanish", "english", "auto")


def tokenize(text: str, stem: str | None = None, language: str | None = None) -> list[str]:
    """Lowercased Unicode word tokens of ``text``, stemmed with ``stem`` when given."""
    if not text:
        return []
    tokens = _TOKEN_RE.findall(unicodedata.normalize("NFC", text).lower())
    if stem:
        stemmer = stem_function(resolve_stem(stem, text, language))
        tokens = [stemmer(t) if len(t) > 3 else t for t in tokens]
    return tokens


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, lowercased token) for each token, offsets into ``text`` as given."""
    return [(m.start(), m.end(), m.group().lower()) for m in _TOKEN_RE.finditer(text or "")]


def resolve_stem(stem: str | None, text: str = "", language: str | None = None) -> str | None:
    """The concrete stemmer name for ``stem`` (``auto`` picks by the text's language)."""
    if stem is None or stem == "none":
        return None
    if stem not in STEMMERS:
        raise ConfigError(f"Unknown stemmer {stem!r}.", hint=f"Use one of: {', '.join(STEMMERS)}.")
    if stem != "auto":
        return stem
    language = language or detect_language(text)
    return "spanish" if language == "es" else "porter"


@cache
def stem_function(name: str) -> Callable[[str], str]:
    """A memoized stemmer (stemming is slow; clinical vocabularies are small)."""
    if name == "porter":
        from nltk.stem.porter import PorterStemmer

        stem = PorterStemmer().stem
    elif name in ("spanish", "english"):
        from nltk.stem.snowball import SnowballStemmer

        stem = SnowballStemmer(name).stem
    else:
        raise ConfigError(f"Unknown stemmer {name!r}.", hint=f"Use one of: {', '.join(STEMMERS)}.")
    memo: dict[str, str] = {}

    def cached(word: str) -> str:
        out = memo.get(word)
        if out is None:
            out = memo[word] = stem(word)
        return out

    return cached


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    """Consecutive n-grams of ``tokens`` (empty when there are fewer than ``n``)."""
    return list(zip(*(tokens[i:] for i in range(n)), strict=False)) if n > 1 else [(t,) for t in tokens]
