"""The medical and common vocabulary the residual scan trusts (words that identify nobody).

Built from what ships: the seed knowledge base (``data/kb``), the prompt files, every word
written in lower case in the demo records and references (a word seen in lower case is not a
name), and a hand-written list (``privacy/data/vocabulary.txt``: headings, specialties,
eponyms, drugs, sentence openers in Spanish and English). Compared without accents.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from clinsum.config import DATA_DIR, DEMO_DIR
from clinsum.text import strip_accents

HERE = Path(__file__).resolve().parent
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def fold(word: str) -> str:
    return strip_accents(word).lower()


def _words(text: str, lowercase_only: bool = False) -> set[str]:
    found = _WORD.findall(text)
    return {fold(w) for w in found if not lowercase_only or w.islower()}


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    listed = _listed("vocabulary.txt")
    words = set(listed)
    kb = DATA_DIR / "kb" / "seed_kb.jsonl"
    if kb.exists():
        for line in kb.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                words |= _words(" ".join(str(row.get(k, "")) for k in ("question", "answer", "topic")))
    for folder in (DEMO_DIR / "records", DEMO_DIR / "references", HERE.parent / "strategies" / "prompts"):
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file():
                words |= _words(path.read_text(encoding="utf-8", errors="replace"), lowercase_only=True)
    words |= _wordnet_words()
    return frozenset(w for w in words if len(w) > 1) - name_words() - (english_names() - listed)


def _listed(name: str) -> set[str]:
    """The words of a hand-written list in ``privacy/data`` (lines starting with ``#`` left out)."""
    text = (HERE / "data" / name).read_text(encoding="utf-8")
    return _words("\n".join(line for line in text.splitlines() if not line.startswith("#")))


@lru_cache(maxsize=1)
def english_names() -> frozenset[str]:
    """English given names and surnames that are also common words (``Grace``, ``Baker``): not
    trusted by the vocabulary, though a sentence may open with one."""
    return frozenset(_listed("english_names.txt"))


def _wordnet_words() -> set[str]:
    """Lower-case English WordNet words where WordNet is installed. Read from the data files,
    which keep proper nouns capitalised (the index files lower-case everything)."""
    from clinsum.metrics.wordnet import find_dir

    folder = find_dir()
    out: set[str] = set()
    for pos in ("noun", "verb", "adj", "adv") if folder else ():
        data = Path(folder) / f"data.{pos}"
        if not data.exists():
            continue
        for line in data.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(" "):
                continue  # the licence header
            parts = line.split(" ", 4 + 2 * 60)
            try:
                count = int(parts[3], 16)
            except (IndexError, ValueError):
                continue
            for word in parts[4:4 + 2 * count:2]:
                if word.isalpha() and word.islower():
                    out.add(fold(word))
    return out


@lru_cache(maxsize=1)
def name_words() -> frozenset[str]:
    """Words of names and places: the shipped person and place gazetteers and the names shaped like common
    words (``names_shaped_like_words.txt``). Never trusted, even if common elsewhere."""
    from clinsum.deid.gazetteer import DATA

    out = _listed("names_shaped_like_words.txt")
    for name in ("gaz_person.txt", "gaz_place.txt"):
        path = DATA / name
        if path.exists():
            out |= {fold(w) for w in path.read_text(encoding="utf-8").split()}
    return frozenset(out)


def is_known(word: str) -> bool:
    """A word the scan need not flag: in the vocabulary, or a short acronym (ECG, TAC)."""
    if word.isupper() and len(word) <= 3:
        return True
    return fold(word) in vocabulary()
