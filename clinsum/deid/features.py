"""The features the sequence tagger sees for each token of a line.

Features: the word and its shape, affixes, neighbours, the line's position and flags, the
field key before the nearest colon on the same line (``Nombre:``, ``NHC:``, ``Edad:`` …),
and gazetteer hits (words and whole phrases). Version 2 (``FEATURE_VERSION``) adds longer
affixes, the shapes two tokens away, the position inside the comma- or period-delimited
segment and inside a run of capitalized words, and the section heading above the line.
"""

from __future__ import annotations

from clinsum.deid.gazetteer import Gazetteer
from clinsum.deid.tokens import Token, lines, numbered_lines, word_key

__all__ = ["FEATURE_VERSION", "Token", "lines", "numbered_lines", "section_key", "sequence_features", "shape"]

#: the feature set of newly trained models (a model records the version it was trained with)
FEATURE_VERSION = 2
_SEGMENT_MARKS = {".", ",", ";", "(", ")", ":"}


def shape(word: str) -> str:
    """``Xxxx`` → ``Xx``, ``28036`` → ``d``, ``E-mail`` → ``X-x`` (runs collapsed)."""
    out = []
    for ch in word:
        c = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def section_key(toks: list[Token], previous: str) -> str:
    """The heading a line opens (``Antecedentes familiares:`` → ``antecedentes``), else ``previous``."""
    letters = [t.text for t in toks if t.text.isalpha()]
    if 1 < len(toks) <= 6 and toks[-1].text == ":" or 0 < len(letters) <= 4 and all(w.isupper() for w in letters):
        return word_key(toks[0].text)
    return previous


def sequence_features(toks: list[Token], gazetteer: Gazetteer | None = None,
                      line_no: int = 0, version: int = 1, section: str = "") -> list[list[str]]:
    """One feature list per token of a line (``line_no``: its index among non-empty lines;
    ``section``: the heading above it, used from ``version`` 2 on)."""
    gaz = gazetteer or Gazetteer()
    words = [t.text for t in toks]
    lowers = [word_key(w) for w in words]
    marks = gaz.phrase_marks(lowers)
    # the word before the nearest colon to the left, and how far back it is
    colon_key, colon_dist = [], []
    key, dist = "", 0
    for i, w in enumerate(words):
        colon_key.append(key)
        colon_dist.append(min(dist, 6))
        dist += 1
        if w == ":" and i > 0:
            key, dist = lowers[i - 1], 0
    first = lowers[0] if lowers else ""
    line_flags = [f"ln={min(line_no, 16)}"]
    if "@" in words:
        line_flags.append("line@")
    if any(w.isdigit() and len(w) == 5 for w in words):
        line_flags.append("line5d")
    feats = []
    n = len(toks)
    for i, w in enumerate(words):
        lw = lowers[i]
        f = [
            "b", f"w={lw}", f"sh={shape(w)}", f"p3={lw[:3]}", f"s3={lw[-3:]}", f"s2={lw[-2:]}",
            f"len={min(len(w), 10)}", f"ck={colon_key[i]}", f"cd={colon_dist[i]}",
            f"ck+cd={colon_key[i]}|{colon_dist[i]}", f"first={first}", f"pos={min(i, 8)}",
            f"rpos={min(n - 1 - i, 8)}", *line_flags,
        ]
        if w.istitle():
            f.append("title")
        if w.isupper():
            f.append("upper")
        if w.isdigit():
            f.append(f"digits={len(w)}")
        for name, words_set in gaz.words.items():
            if lw in words_set:
                f.append(f"gaz={name}")
        f.extend(f"gp={m}" for m in marks[i])
        for off in (-3, -2, -1, 1, 2, 3):
            j = i + off
            if 0 <= j < n:
                f.append(f"{off}w={lowers[j]}")
                if abs(off) == 1:
                    f.append(f"{off}sh={shape(words[j])}")
                    f.append(f"{off}w|w={lowers[j]}|{lw}")
                    f.extend(f"{off}gp={m}" for m in marks[j])
                    for name, words_set in gaz.words.items():
                        if lowers[j] in words_set:
                            f.append(f"{off}gaz={name}")
            else:
                f.append(f"{off}w=<{'s' if off < 0 else 'e'}>")
        feats.append(f)
    if version >= 2:
        _add_v2(feats, words, lowers, section)
    return feats


def _add_v2(feats: list[list[str]], words: list[str], lowers: list[str], section: str) -> None:
    n = len(words)
    seg_pos, pos, mark = [], 0, "<s>"
    marks = []
    for w in words:
        seg_pos.append(min(pos, 6))
        marks.append(mark)
        if w in _SEGMENT_MARKS:
            pos, mark = 0, w
        else:
            pos += 1
    run_pos, run = [], 0
    for w in words:
        run = run + 1 if w[:1].isupper() else 0
        run_pos.append(min(run, 4))
    for i, f in enumerate(feats):
        lw = lowers[i]
        f += [f"p4={lw[:4]}", f"s4={lw[-4:]}", f"seg={seg_pos[i]}", f"segm={marks[i]}", f"run={run_pos[i]}",
              f"sec={section}", f"segm|sh={marks[i]}|{shape(words[i])}"]
        for off in (-2, 2):
            j = i + off
            f.append(f"{off}sh={shape(words[j]) if 0 <= j < n else '<>'}")
