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
_EMPTY = Gazetteer()


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


def _word(gaz: Gazetteer, word: str) -> tuple[str, str, list[str], tuple[str, ...]]:
    """(key, shape, the token's own features, the lists holding it) of ``word``, cached per list set."""
    cache = gaz.cache
    info = cache.get(word)
    if info is None:
        lw, sh = word_key(word), shape(word)
        own = ["b", f"w={lw}", f"sh={sh}", f"p3={lw[:3]}", f"s3={lw[-3:]}", f"s2={lw[-2:]}",
               f"len={min(len(word), 10)}"]
        if word.istitle():
            own.append("title")
        if word.isupper():
            own.append("upper")
        if word.isdigit():
            own.append(f"digits={len(word)}")
        names = tuple(name for name, words_set in gaz.words.items() if lw in words_set)
        own += [f"gaz={name}" for name in names]
        if len(cache) > 200_000:
            cache.clear()
        info = cache[word] = (lw, sh, own, names)
    return info


def sequence_features(toks: list[Token], gazetteer: Gazetteer | None = None,
                      line_no: int = 0, version: int = 1, section: str = "") -> list[list[str]]:
    """One feature list per token of a line (``line_no``: its index among non-empty lines;
    ``section``: the heading above it, used from ``version`` 2 on)."""
    gaz = gazetteer or _EMPTY
    words = [t.text for t in toks]
    infos = [_word(gaz, w) for w in words]
    lowers = [info[0] for info in infos]
    shapes = [info[1] for info in infos]
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
    line_flags = [f"ln={min(line_no, 16)}", f"first={first}"]
    if "@" in words:
        line_flags.append("line@")
    if any(w.isdigit() and len(w) == 5 for w in words):
        line_flags.append("line5d")
    # what each token tells its neighbours at offset -1 / +1, and at -3 … +3
    near = [(f"w={lw}", f"sh={sh}", [f"gp={m}" for m in mk], [f"gaz={g}" for g in info[3]])
            for lw, sh, mk, info in zip(lowers, shapes, marks, infos, strict=True)]
    feats = []
    n = len(toks)
    for i in range(n):
        lw = lowers[i]
        ck, cd = colon_key[i], colon_dist[i]
        f = [*infos[i][2], f"ck={ck}", f"cd={cd}", f"ck+cd={ck}|{cd}", f"pos={min(i, 8)}",
             f"rpos={min(n - 1 - i, 8)}", *line_flags]
        f.extend(f"gp={m}" for m in marks[i])
        for off in (-3, -2, -1, 1, 2, 3):
            j = i + off
            if 0 <= j < n:
                w_j, sh_j, gp_j, gaz_j = near[j]
                f.append(f"{off}{w_j}")
                if abs(off) == 1:
                    f.append(f"{off}{sh_j}")
                    f.append(f"{off}w|w={lowers[j]}|{lw}")
                    f.extend(f"{off}{m}" for m in gp_j)
                    f.extend(f"{off}{g}" for g in gaz_j)
            else:
                f.append(f"{off}w=<{'s' if off < 0 else 'e'}>")
        feats.append(f)
    if version >= 2:
        _add_v2(feats, words, lowers, shapes, section)
    return feats


def _add_v2(feats: list[list[str]], words: list[str], lowers: list[str], shapes: list[str], section: str) -> None:
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
              f"sec={section}", f"segm|sh={marks[i]}|{shapes[i]}"]
        for off in (-2, 2):
            j = i + off
            f.append(f"{off}sh={shapes[j] if 0 <= j < n else '<>'}")
