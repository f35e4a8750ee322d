"""ROUGE, BLEU, METEOR and the lexical statistics: hand-checked values and library parity."""

from __future__ import annotations

import math
import random
import warnings

import pytest

from clinsum.errors import ConfigError
from clinsum.metrics import Pair, get_metric, wordnet
from clinsum.metrics import bleu as B
from clinsum.metrics import meteor as M
from clinsum.metrics.rouge import lcs_length, lcs_positions
from clinsum.metrics.tokens import stem_function, tokenize

ASCII_WORDS = ["the", "a", "patient", "pain", "chest", "left", "dogs", "dog", "running", "runs",
               "hurt", "ache", "fever", "fevers", "quick", "fast", "x1", "mg"]


def _ascii_text(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 5)):
        words = [rng.choice(ASCII_WORDS) + rng.choice(["", ",", ".", "-b", " A", "'s"])
                 for _ in range(rng.randint(0, 30))]
        lines.append(" ".join(words))
    return "\n".join(lines)


def test_tokens_keep_accents_and_split_like_rouge_score():
    assert tokenize("Dolor en la REGIÓN lumbar; niño, 38,5ºC") == [
        "dolor", "en", "la", "región", "lumbar", "niño", "38", "5ºc"]
    assert tokenize("inflamación") != tokenize("inflamacion")
    assert tokenize("") == []
    assert tokenize("corriendo rápidamente", stem="spanish") == ["corr", "rapid"]


@pytest.mark.parametrize("stem", [None, "porter"])
def test_rouge_identical_to_rouge_score_on_ascii(stem):
    from rouge_score import rouge_scorer

    rng = random.Random(7)
    pairs = [Pair(_ascii_text(rng), _ascii_text(rng)) for _ in range(150)]
    pairs += [Pair("", "the patient"), Pair("the patient", ""), Pair("same text\nhere", "same text\nhere")]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=bool(stem))
    mine = get_metric("rouge", stem=stem).compute_many(pairs)
    for pair, result in zip(pairs, mine, strict=True):
        expected = scorer.score(pair.reference, pair.candidate)
        for rouge_type, score in expected.items():
            assert result.values[f"{rouge_type}_p"] == score.precision
            assert result.values[f"{rouge_type}_r"] == score.recall
            assert result.values[f"{rouge_type}_f"] == score.fmeasure


def test_rouge_hand_checked_spanish():
    rouge = get_metric("rouge")
    v = rouge.compute("el paciente presenta fiebre", "paciente con fiebre alta").values
    assert (v["rouge1_p"], v["rouge1_r"], v["rouge1_f"]) == (0.5, 0.5, 0.5)
    assert v["rouge2_f"] == 0.0
    assert v["rougeL_f"] == 0.5  # LCS "paciente fiebre"
    # accents are part of the word: "inflamación" does not match "inflamacion"
    assert rouge.compute("inflamación aguda", "inflamacion aguda").values["rouge1_f"] == 0.5
    same = rouge.compute("Niña de 5 años con otitis.", "Niña de 5 años con otitis.").values
    assert all(same[f"{t}_f"] == 1.0 for t in ("rouge1", "rouge2", "rougeL", "rougeLsum"))
    empty = rouge.compute("", "Niña con otitis.").values
    assert all(value == 0.0 for value in empty.values())


def test_rouge_spanish_stemming_matches_inflections():
    plain = get_metric("rouge").compute("dolores torácicos", "dolor torácico").values["rouge1_f"]
    stemmed = get_metric("rouge", stem="spanish").compute("dolores torácicos", "dolor torácico").values
    assert plain == 0.0 and stemmed["rouge1_f"] == 1.0
    assert get_metric("rouge", stem="auto").version != get_metric("rouge").version
    with pytest.raises(ConfigError):
        get_metric("rouge", stem="klingon")


def test_bit_parallel_lcs_equals_dynamic_programming():
    rng = random.Random(3)
    for _ in range(300):
        a = [rng.choice("abcde") for _ in range(rng.randint(0, 70))]
        b = [rng.choice("abcde") for _ in range(rng.randint(0, 70))]
        table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
        for i in range(1, len(a) + 1):
            for j in range(1, len(b) + 1):
                table[i][j] = table[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(table[i - 1][j], table[i][j - 1])
        assert lcs_length(a, b) == table[-1][-1]
        assert len(lcs_positions(a, b)) == table[-1][-1]


def test_bleu_parity_with_nltk_every_smoothing_method():
    from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu, sentence_bleu

    rng = random.Random(11)
    chen = SmoothingFunction()
    for _ in range(200):
        hyp = [rng.choice(ASCII_WORDS) for _ in range(rng.randint(0, 20))]
        refs = [[rng.choice(ASCII_WORDS) for _ in range(rng.randint(1, 20))] for _ in range(rng.randint(1, 3))]
        for method in range(5):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = sentence_bleu(refs, hyp, smoothing_function=getattr(chen, f"method{method}"))
            assert B.sentence_bleu(refs, hyp, smoothing=method) == expected
    hyps = [[rng.choice(ASCII_WORDS) for _ in range(rng.randint(1, 20))] for _ in range(40)]
    refs = [[[rng.choice(ASCII_WORDS) for _ in range(rng.randint(1, 20))]] for _ in range(40)]
    for method in range(5):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = corpus_bleu(refs, hyps, smoothing_function=getattr(chen, f"method{method}"))
        assert B.corpus_bleu(refs, hyps, smoothing=method) == expected


def test_bleu_hand_checked_and_corpus_from_details():
    bleu = get_metric("bleu")
    v = bleu.compute("a b c d", "a b c e").values
    assert v["bleu_p1"] == 0.75 and v["bleu_p2"] == pytest.approx(2 / 3) and v["bleu_p3"] == 0.5
    assert v["bleu_p4"] == 0.0 and v["bleu_bp"] == 1.0
    assert v["bleu"] == pytest.approx((0.75 * (2 / 3) * 0.5 * 0.1) ** 0.25)  # method 1: 0 -> 0.1
    short = bleu.compute("a b", "a b c d").values
    assert short["bleu_bp"] == pytest.approx(math.exp(1 - 4 / 2))
    assert bleu.compute("", "a b c").values["bleu"] == 0.0
    assert bleu.compute("señal clara de mejoría", "señal clara de mejoría").values["bleu"] == 1.0
    results = bleu.compute_many([Pair("a b c d", "a b c e"), Pair("x y z w", "x y z w")])
    pooled = B.corpus_bleu_from_details([r.details for r in results])
    assert pooled == B.corpus_bleu([[list("abce")], [list("xyzw")]], [list("abcd"), list("xyzw")])


def test_meteor_parity_with_nltk_exact_and_stems():
    from nltk.stem.porter import PorterStemmer
    from nltk.translate.meteor_score import single_meteor_score

    class NoSynonyms:
        def synsets(self, word):
            return []

    rng = random.Random(5)
    porter = PorterStemmer()
    for _ in range(200):
        hyp = [rng.choice(ASCII_WORDS) for _ in range(rng.randint(0, 25))]
        ref = [rng.choice(ASCII_WORDS) for _ in range(rng.randint(0, 25))]
        expected = single_meteor_score(ref, hyp, stemmer=porter, wordnet=NoSynonyms())
        assert M.meteor_tokens(hyp, ref, stemmer=stem_function("porter"))["meteor"] == pytest.approx(expected, abs=1e-12)


@pytest.mark.skipif(wordnet.reader() is None, reason="WordNet data not installed (apt package wordnet-base)")
def test_meteor_synonyms_parity_with_nltk_where_stems_are_words():
    from nltk.stem.porter import PorterStemmer
    from nltk.translate.meteor_score import single_meteor_score

    words = ["quick", "fast", "hurt", "pain", "big", "w1"]  # Porter leaves these unchanged
    rng = random.Random(9)
    for _ in range(100):
        hyp = [rng.choice(words) for _ in range(rng.randint(1, 12))]
        ref = [rng.choice(words) for _ in range(rng.randint(1, 12))]
        expected = single_meteor_score(ref, hyp, stemmer=PorterStemmer(), wordnet=wordnet.reader())
        got = M.meteor_tokens(hyp, ref, stemmer=stem_function("porter"), synonyms=wordnet.synonyms)
        assert got["meteor"] == pytest.approx(expected, abs=1e-12)
    synonym = get_metric("meteor").compute("quick recovery", "fast recovery", language="en")
    assert synonym.details["synonyms"] is True and synonym.values["meteor_r"] == 1.0


def test_meteor_hand_checked_and_synonym_note():
    meteor = get_metric("meteor")
    same = meteor.compute("el paciente tiene fiebre", "el paciente tiene fiebre", language="es")
    assert same.values["meteor"] == pytest.approx(1 - 0.5 * (1 / 4) ** 3)
    assert same.details["synonyms"] is False and "English" in same.details["note"]
    stemmed = meteor.compute("dolores", "dolor", language="es")  # Snowball Spanish: both "dolor"
    assert stemmed.values["meteor_p"] == 1.0
    assert meteor.compute("", "dolor", language="es").values["meteor"] == 0.0
    available, message = M.synonyms_status()
    assert ("wordnet-base" in message) is (not available)
    off = get_metric("meteor", synonyms="off").compute("quick", "fast", language="en")
    assert off.values["meteor"] == 0.0 and off.details["note"] == "synonyms off"


def test_lexical_statistics_hand_checked():
    lex = get_metric("lexical")
    v = lex.compute("a a a b", source="a b c d e f g h").values
    assert v["distinct_1"] == 0.5 and v["distinct_2"] == pytest.approx(2 / 3)
    assert v["repetition_3"] == 0.0 and v["n_tokens"] == 4 and v["compression"] == 2.0
    assert lex.compute("x y z x y z").values["repetition_3"] == 0.25
    empty = lex.compute("", source="algo").values
    assert empty["distinct_1"] is None and empty["compression"] is None and empty["n_tokens"] == 0
