"""METEOR (Lavie & Agarwal 2007): unigram alignment by exact words, then stems, then WordNet
synonyms; harmonic mean weighted to recall, times a fragmentation penalty.

By default the value is ``nltk.translate.meteor_score.meteor_score([ref], hyp)`` exactly:

- tokens (``tokenizer="nltk"``): nltk's ``word_tokenize`` done the way it does it — the text
  split into sentences, each sentence through nltk's Treebank word tokenizer
  (``NLTKWordTokenizer``) — with clinsum's sentence splitter in place of Punkt (whose model is
  not shipped with nltk); nltk lowercases them. ``tokenizer="clinsum"``: clinsum's Unicode words;
- alignment (``matching="nltk"``): nltk's greedy order (words from the end of the candidate
  take the last free reference word), exact words first, then stems, then WordNet synonyms
  looked up on the *stems* left after the stem stage, as nltk does. ``matching="surface"``
  (clinsum's earlier variant) looks synonyms up on the surface words instead;
- stemmer (``stem="auto"``): nltk's PorterStemmer for English (its default), the Spanish
  Snowball stemmer for Spanish; synonyms from English WordNet (:mod:`clinsum.metrics.wordnet`)
  for English text only. A pair's stored language decides; only without one is it detected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from clinsum.errors import ConfigError
from clinsum.metrics import wordnet
from clinsum.metrics.base import HIGHER, LOWER, METRICS, Metric, MetricResult, Pair
from clinsum.metrics.tokens import resolve_stem, stem_function, tokenize

Indexed = list[tuple[int, str]]
TOKENIZERS = ("nltk", "clinsum")
MATCHINGS = ("nltk", "surface")


@cache
def _treebank() -> Callable[[str], list[str]]:
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer().tokenize


def nltk_tokens(text: str) -> list[str]:
    """``word_tokenize`` as nltk does it (sentences, then the Treebank tokenizer on each), with
    :func:`clinsum.text.sentences` as the sentence splitter."""
    from clinsum.text import sentences

    tokenize_sentence = _treebank()
    return [t for s in sentences(text or "") for t in tokenize_sentence(s)]


def _align(hyp: Indexed, ref: Indexed, key: Callable[[str], str] | None = None
           ) -> tuple[list[tuple[int, int]], Indexed, Indexed]:
    """Match equal (keyed) words, last candidate word first; return matches and what is left
    (keyed, as nltk's stem stage hands its stemmed words on)."""
    if key:
        hyp = [(i, key(w)) for i, w in hyp]
        ref = [(j, key(w)) for j, w in ref]
    positions: dict[str, list[int]] = defaultdict(list)
    for j, (_, word) in enumerate(ref):
        positions[word].append(j)
    matches, used_h, used_r = [], set(), set()
    for i in range(len(hyp) - 1, -1, -1):
        free = positions.get(hyp[i][1])
        if free:
            j = free.pop()
            used_h.add(i)
            used_r.add(j)
            matches.append((hyp[i][0], ref[j][0]))
    return (matches, [p for i, p in enumerate(hyp) if i not in used_h],
            [p for j, p in enumerate(ref) if j not in used_r])


def _align_synonyms(hyp: Indexed, ref: Indexed, synonyms: Callable[[str], frozenset[str]]
                    ) -> tuple[list[tuple[int, int]], Indexed, Indexed]:
    positions: dict[str, list[int]] = defaultdict(list)
    for j, (_, word) in enumerate(ref):
        positions[word].append(j)
    matches, used_h, used_r = [], set(), set()
    for i in range(len(hyp) - 1, -1, -1):
        word = hyp[i][1]
        best_j, best_word = -1, None
        for syn in synonyms(word) | {word}:
            free = positions.get(syn)
            if free and free[-1] > best_j:
                best_j, best_word = free[-1], syn
        if best_word is not None:
            positions[best_word].pop()
            used_h.add(i)
            used_r.add(best_j)
            matches.append((hyp[i][0], ref[best_j][0]))
    return (matches, [p for i, p in enumerate(hyp) if i not in used_h],
            [p for j, p in enumerate(ref) if j not in used_r])


def chunks(matches: list[tuple[int, int]]) -> int:
    """Fewest runs of matches adjacent in both candidate and reference."""
    count = 1 if matches else 0
    for (h0, r0), (h1, r1) in zip(matches, matches[1:], strict=False):
        if not (h1 == h0 + 1 and r1 == r0 + 1):
            count += 1
    return count


def meteor_tokens(hypothesis: Sequence[str], reference: Sequence[str], *,
                  stemmer: Callable[[str], str] | None = None,
                  synonyms: Callable[[str], frozenset[str]] | None = None,
                  matching: str = "nltk",
                  alpha: float = 0.9, beta: float = 3.0, gamma: float = 0.5) -> dict[str, float]:
    """METEOR of token lists (lowercased here): ``meteor``, ``meteor_p``, ``meteor_r``,
    ``meteor_penalty``. ``matching="nltk"`` looks synonyms up on stems, ``"surface"`` on words."""
    hyp: Indexed = list(enumerate(w.lower() for w in hypothesis))
    ref: Indexed = list(enumerate(w.lower() for w in reference))
    exact, hyp_left, ref_left = _align(hyp, ref)
    stemmed: list[tuple[int, int]] = []
    if stemmer:
        stemmed, stem_hyp, stem_ref = _align(hyp_left, ref_left, stemmer)
        if matching == "nltk":
            hyp_left, ref_left = stem_hyp, stem_ref
        else:
            kept_h, kept_r = {i for i, _ in stem_hyp}, {j for j, _ in stem_ref}
            hyp_left = [p for p in hyp_left if p[0] in kept_h]
            ref_left = [p for p in ref_left if p[0] in kept_r]
    syn, _, _ = _align_synonyms(hyp_left, ref_left, synonyms) if synonyms else ([], [], [])
    matches = sorted(exact + stemmed + syn)
    zero = {"meteor": 0.0, "meteor_p": 0.0, "meteor_r": 0.0, "meteor_penalty": 0.0}
    if not matches or not hyp or not ref:
        return zero
    precision, recall = len(matches) / len(hyp), len(matches) / len(ref)
    fmean = precision * recall / (alpha * precision + (1 - alpha) * recall)
    penalty = gamma * (chunks(matches) / len(matches)) ** beta
    return {"meteor": (1 - penalty) * fmean, "meteor_p": precision, "meteor_r": recall,
            "meteor_penalty": penalty}


@METRICS.register("meteor")
class Meteor(Metric):
    """METEOR equal to nltk's ``meteor_score`` by default (see the module docstring); options
    ``tokenizer`` (nltk / clinsum), ``matching`` (nltk / surface), ``stem`` (auto: Porter for
    English, Snowball Spanish for Spanish; porter, spanish, english or none), ``synonyms``
    (auto: English text with WordNet installed; or off) and alpha/beta/gamma."""

    name = "meteor"
    base_version = "2"
    directions = {"meteor": HIGHER, "meteor_p": HIGHER, "meteor_r": HIGHER, "meteor_penalty": LOWER}
    needs = ("reference",)

    def __init__(self, stem: str | None = "auto", synonyms: str = "auto", alpha: float = 0.9,
                 beta: float = 3.0, gamma: float = 0.5, tokenizer: str = "nltk",
                 matching: str = "nltk", **options: Any) -> None:
        super().__init__(stem=stem, synonyms=synonyms, tokenizer=tokenizer, matching=matching,
                         **options)
        if tokenizer not in TOKENIZERS or matching not in MATCHINGS:
            raise ConfigError(f"Unknown METEOR option: tokenizer {tokenizer!r}, matching {matching!r}.",
                              hint=f"tokenizer: {' or '.join(TOKENIZERS)}; matching: {' or '.join(MATCHINGS)}.")
        resolve_stem(stem, "x")
        self.stem = None if stem == "none" else stem
        self.synonyms = synonyms if synonyms in ("auto", "off") else "auto"
        self.tokenizer = tokenizer
        self.matching = matching
        self.params = {"alpha": alpha, "beta": beta, "gamma": gamma}

    def version_options(self) -> dict[str, Any]:
        wn = "wn" if self.synonyms == "auto" and wordnet.reader() is not None else "nown"
        return {"stem": self.stem, "syn": wn,
                "tok": None if self.tokenizer == "nltk" else self.tokenizer,
                "match": None if self.matching == "nltk" else self.matching,
                "p": None if self.params == {"alpha": 0.9, "beta": 3.0, "gamma": 0.5}
                else "{alpha}/{beta}/{gamma}".format(**self.params)}

    def compute(self, candidate: str, reference: str | None = None, source: str | None = None,
                language: str | None = None) -> MetricResult:
        return self.compute_many([Pair(candidate, reference, source, language)])[0]

    def compute_many(self, pairs: Sequence[Pair],
                     progress: Callable[[int], None] | None = None) -> list[MetricResult]:
        from clinsum.text import detect_language

        split = nltk_tokens if self.tokenizer == "nltk" else tokenize
        tokens: dict[str, list[str]] = {}

        def toks(text: str) -> list[str]:
            got = tokens.get(text)
            if got is None:
                got = tokens[text] = split(text)
            return got

        out: list[MetricResult] = []
        for k, pair in enumerate(pairs):
            candidate, reference = pair.candidate or "", pair.reference or ""
            language = pair.language or detect_language(f"{reference}\n{candidate}")
            stem_name = resolve_stem(self.stem, reference or candidate, language)
            use_syn = self.synonyms == "auto" and language == "en"
            available = use_syn and wordnet.reader() is not None
            values = meteor_tokens(
                toks(candidate), toks(reference),
                stemmer=stem_function(stem_name) if stem_name else None,
                synonyms=wordnet.synonyms if available else None, matching=self.matching,
                **self.params,
            )
            details: dict[str, Any] = {"stemmer": stem_name, "synonyms": available,
                                       "language": language}
            if not available:
                details["note"] = (
                    "synonyms off: WordNet is English-only" if self.synonyms == "auto" and language != "en"
                    else "synonyms off" if self.synonyms == "off"
                    else wordnet.status()[1]
                )
            out.append(MetricResult(dict(values), details))
            if progress:
                progress(k + 1)
        return out


def synonyms_status() -> tuple[bool, str]:
    """For the UI: whether METEOR can use synonyms here, and a sentence saying so."""
    return wordnet.status()
