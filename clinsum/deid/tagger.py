"""The learned part: a linear-chain CRF (python-crfsuite) over the tokens of each line.

The trained model ships gzipped in ``data/crf_model.crfsuite.gz`` and is opened from memory.
``train`` rebuilds it (and the gazetteers) from BRAT folders: ``clinsum deid train``.
"""

from __future__ import annotations

import gzip
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from clinsum.deid.brat import BratDocument
from clinsum.deid.features import FEATURE_VERSION, section_key, sequence_features
from clinsum.deid.gazetteer import DATA, GAZETTEER_TYPES, Gazetteer, load_gazetteer
from clinsum.deid.spans import Span
from clinsum.deid.tokens import Token, numbered_lines, phrase_key, word_key
from clinsum.errors import ConfigError

MODEL_NAME = "crf_model.crfsuite.gz"
VERSION_NAME = "crf_features.txt"  # the feature version the model was trained with (absent: 1)
_WORD = re.compile(r"[^\W\d_]{3,}")


def bio_labels(toks: list[Token], spans: list[Span]) -> list[str]:
    """``B-TYPE`` / ``I-TYPE`` / ``O`` per token (a token counts when it starts inside a span)."""
    labels = []
    for tok in toks:
        label = "O"
        for s in spans:
            if s.start <= tok.start < s.end:
                label = ("B-" if tok.start == s.start or not labels or labels[-1] == "O" else "I-") + s.type
                break
        labels.append(label)
    return labels


def decode(toks: list[Token], labels: Iterable[str], text: str) -> list[Span]:
    """Spans from BIO labels (an ``I-`` after another type starts a new span)."""
    spans: list[Span] = []
    cur: list[Any] | None = None
    for tok, label in zip(toks, labels, strict=True):
        kind = label[2:] if label != "O" else None
        if kind and cur and label.startswith("I-") and cur[2] == kind:
            cur[1] = tok.end
            continue
        if cur:
            spans.append(Span(cur[0], cur[1], cur[2], text[cur[0]:cur[1]]))
            cur = None
        if kind:
            cur = [tok.start, tok.end, kind]
    if cur:
        spans.append(Span(cur[0], cur[1], cur[2], text[cur[0]:cur[1]]))
    return spans


class CrfTagger:
    """A trained CRF plus the gazetteers its features use."""

    def __init__(self, model_bytes: bytes, gazetteer: Gazetteer, version: int = 1) -> None:
        import pycrfsuite

        self._model = model_bytes  # the tagger reads this buffer in place: keep it alive
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(self._model)
        self._lock = threading.Lock()  # one crfsuite tagger is not safe across threads
        self.gazetteer = gazetteer
        self.version = version

    def spans(self, text: str) -> list[Span]:
        out: list[Span] = []
        for line_no, toks, section in _lines_with_sections(text):
            features = sequence_features(toks, self.gazetteer, line_no, self.version, section)
            with self._lock:
                labels = self._tagger.tag(features)
            out.extend(decode(toks, labels, text))
        return out


def _lines_with_sections(text: str):
    """(line number, tokens, heading above) of each non-empty line."""
    section = ""
    for line_no, toks in numbered_lines(text):
        yield line_no, toks, section
        section = section_key(toks, section)


def load_tagger(folder: str | Path) -> CrfTagger:
    """The model and lists written by :func:`train` into ``folder``."""
    path = Path(folder) / MODEL_NAME
    if not path.exists():
        raise ConfigError(f"No de-identification model in {folder}.",
                          hint="Rebuild it with `clinsum deid train TRAIN_DIR`.")
    version_path = Path(folder) / VERSION_NAME
    version = int(version_path.read_text().strip()) if version_path.exists() else 1
    return CrfTagger(gzip.decompress(path.read_bytes()), load_gazetteer(str(folder)), version)


_chosen: list[CrfTagger] = []  # the model of an open ``model_from`` block, innermost last


def default_tagger() -> CrfTagger:
    """The model in use: the shipped one (ConfigError when the installation lacks it), or the one
    a :func:`model_from` block has opened."""
    return _chosen[-1] if _chosen else shipped_tagger()


def active_gazetteer() -> Gazetteer:
    """The lists of the model in use, which the rules read too: a :func:`model_from` block's model
    brings the lists it was trained with (without one, the shipped lists, with no model loaded)."""
    return _chosen[-1].gazetteer if _chosen else load_gazetteer()


@cache
def shipped_tagger() -> CrfTagger:
    return load_tagger(DATA)


@contextmanager
def model_from(folder: str | Path | None) -> Iterator[None]:
    """Tag with the model :func:`train` wrote into ``folder`` inside the block (``None``: the
    shipped one), e.g. to score a model trained elsewhere (``find_phi`` caches results per model)."""
    if folder is None:
        yield
        return
    tagger = load_tagger(folder)
    _chosen.append(tagger)
    try:
        yield
    finally:
        _chosen.remove(tagger)


def _doc_items(doc: BratDocument) -> tuple[dict[str, set[str]], dict[str, set[tuple[str, ...]]]]:
    """Words and phrases of each gazetteer group inside the PHI of one document."""
    words: dict[str, set[str]] = {name: set() for name in GAZETTEER_TYPES}
    phrases: dict[str, set[tuple[str, ...]]] = {name: set() for name in GAZETTEER_TYPES}
    for span in doc.spans:
        for name, types in GAZETTEER_TYPES.items():
            if span.type in types:
                words[name].update(word_key(w) for w in _WORD.findall(span.text))
                key = phrase_key(span.text)
                if key and len(" ".join(key)) >= 3:
                    phrases[name].add(key)
    return words, phrases


def build_gazetteers(docs: list[BratDocument], min_share: float = 0.5) -> tuple[Gazetteer, list[Gazetteer]]:
    """The full lists, and per document the lists without what only that document taught.

    Training features use the second (leave-one-out), so the tagger learns how far to trust
    a list hit on text the lists have not seen, as will be the case at use.
    """
    everywhere: Counter = Counter()
    word_df = {name: Counter() for name in GAZETTEER_TYPES}
    phrase_df = {name: Counter() for name in GAZETTEER_TYPES}
    per_doc = []
    for doc in docs:
        everywhere.update(word_key(w) for w in _WORD.findall(doc.text))
        words, phrases = _doc_items(doc)
        per_doc.append((words, phrases))
        for name in GAZETTEER_TYPES:
            word_df[name].update(words[name])
            phrase_df[name].update(phrases[name])
    inside = {name: Counter() for name in GAZETTEER_TYPES}
    for doc in docs:
        for span in doc.spans:
            for name, types in GAZETTEER_TYPES.items():
                if span.type in types:
                    inside[name].update(word_key(w) for w in _WORD.findall(span.text))
    full_words = {name: frozenset(w for w, c in inside[name].items() if c >= max(1, min_share * everywhere[w]))
                  for name in GAZETTEER_TYPES}
    full_phrases = {name: frozenset(p for p in phrase_df[name] if len(p) > 1 or p[0] in full_words[name])
                    for name in GAZETTEER_TYPES}
    full = Gazetteer(full_words, full_phrases)
    loo = []
    for words, phrases in per_doc:
        loo.append(Gazetteer(
            {n: full_words[n] - {w for w in words[n] if word_df[n][w] == 1} for n in GAZETTEER_TYPES},
            {n: full_phrases[n] - {p for p in phrases[n] if phrase_df[n][p] == 1} for n in GAZETTEER_TYPES},
        ))
    return full, loo


def train(docs: list[BratDocument], out_dir: str | Path = DATA, *, c1: float = 0.03, c2: float = 0.02,
          max_iterations: int = 500, version: int = FEATURE_VERSION, verbose: bool = False,
          log=print) -> dict[str, Any]:
    """Train the CRF and the gazetteers on ``docs``; write them to ``out_dir``; return stats.

    The defaults are the settings of the shipped model (chosen on MEDDOCAN dev; trained on train).
    """
    import pycrfsuite

    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    gazetteer, per_doc = build_gazetteers(docs)
    trainer = pycrfsuite.Trainer(verbose=verbose)
    n_seq = 0
    for doc, doc_gazetteer in zip(docs, per_doc, strict=True):
        for line_no, toks, section in _lines_with_sections(doc.text):
            trainer.append(sequence_features(toks, doc_gazetteer, line_no, version, section),
                           bio_labels(toks, doc.spans))
            n_seq += 1
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": max_iterations,
                        "feature.possible_transitions": True})
    log(f"training on {len(docs)} documents, {n_seq} lines …")
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "model.crfsuite"
        trainer.train(str(model_path))
        raw = model_path.read_bytes()
    (out_dir / MODEL_NAME).write_bytes(gzip.compress(raw, 9))
    (out_dir / VERSION_NAME).write_text(f"{version}\n")
    gazetteer.write(out_dir)
    shipped_tagger.cache_clear()
    load_gazetteer.cache_clear()
    return {"documents": len(docs), "lines": n_seq, "model_bytes": len(raw),
            "seconds": round(time.perf_counter() - started, 1)}
