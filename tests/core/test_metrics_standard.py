"""The standard tools' values: ROUGE-L/Lsum and bootstrap intervals as rouge-score gives them,
METEOR as nltk gives it, language detection on short clinical text, one WordNet per machine,
bert-score's token weighting."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from clinsum.errors import ConfigError, InputError
from clinsum.metrics import Pair, get_metric, wordnet
from clinsum.metrics import bootstrap as BS
from clinsum.metrics import meteor as M
from clinsum.metrics.rouge import ROUGE_TYPES, Layout, lcs_positions, rouge_score_tokens
from clinsum.metrics.tokens import stem_function, tokenize
from clinsum.text import detect_language

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from bench_metrics import make_pairs  # noqa: E402 - the bench's demo-derived pairs

PAIRS = make_pairs(90)  # Spanish and English, radiology / A&P / visit-note sizes, multi-line


def _expected_rouge(pairs):
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES))
    return [scorer.score(r, c) for c, r, _ in pairs]


def _assert_rouge_equal(result, expected):
    for rouge_type, score in expected.items():
        assert result.values[f"{rouge_type}_p"] == score.precision, rouge_type
        assert result.values[f"{rouge_type}_r"] == score.recall, rouge_type
        assert result.values[f"{rouge_type}_f"] == score.fmeasure, rouge_type


def test_rouge_score_tokenizer_mode_is_bit_identical_on_spanish_and_english():
    items = [Pair(c, r) for c, r, _ in PAIRS]
    results = get_metric("rouge", tokenizer="rouge_score").compute_many(items)
    for result, expected in zip(results, _expected_rouge(PAIRS), strict=True):
        _assert_rouge_equal(result, expected)
    assert rouge_score_tokens("Región lumbar, 38,5ºC") == ["regi", "n", "lumbar", "38", "5", "c"]
    assert get_metric("rouge", tokenizer="rouge_score").version != get_metric("rouge").version
    with pytest.raises(ConfigError):
        get_metric("rouge", tokenizer="spacy")


def test_default_rouge_equals_rouge_score_where_tokens_agree():
    agreeing = [p for p in PAIRS if all(tokenize(t) == rouge_score_tokens(t) for t in p[:2])]
    assert len(agreeing) >= 10  # the English pairs
    results = get_metric("rouge").compute_many([Pair(c, r) for c, r, _ in agreeing])
    for result, expected in zip(results, _expected_rouge(agreeing), strict=True):
        _assert_rouge_equal(result, expected)


def test_lcs_positions_follow_rouge_score_backtrack():
    from rouge_score.rouge_scorer import _backtrack_norec, _lcs_table

    rng = random.Random(4)
    for _ in range(400):
        a = [rng.choice("abcd") for _ in range(rng.randint(0, 30))]
        b = [rng.choice("abcd") for _ in range(rng.randint(0, 30))]
        expected = _backtrack_norec(_lcs_table(a, b), a, b) if a and b else []
        assert lcs_positions(a, b) == expected


def test_layout_guard_bits_keep_sentences_independent():
    rng = random.Random(8)
    for _ in range(100):
        sentences = [[rng.choice("abc") for _ in range(rng.randint(0, 12))] for _ in range(4)]
        other = [rng.choice("abc") for _ in range(rng.randint(1, 15))]
        together = Layout(sentences).rows(other)
        for k, sent in enumerate(sentences):
            alone = Layout([sent]).rows(other)
            offset, width = Layout(sentences).offsets[k], (1 << len(sent)) - 1
            assert [(row >> offset) & width for row in together] == alone


def test_bootstrap_equals_rouge_score_aggregator_with_the_same_seed():
    from rouge_score import scoring

    aggregator = scoring.BootstrapAggregator()
    for expected in _expected_rouge(PAIRS[:40]):
        aggregator.add_scores(expected)
    np.random.seed(11)
    theirs = aggregator.aggregate()
    values = [r.values for r in get_metric("rouge", tokenizer="rouge_score").compute_many(
        [Pair(c, r) for c, r, _ in PAIRS[:40]])]
    ours = BS.rouge_intervals(values, seed=11)
    for rouge_type, agg in theirs.items():
        for bound in ("low", "mid", "high"):
            assert ours[rouge_type][bound] == tuple(getattr(agg, bound))
    assert ours["rouge1"]["low"][2] < ours["rouge1"]["mid"][2] < ours["rouge1"]["high"][2]
    assert BS.rouge_intervals(values, seed=12) != ours
    with pytest.raises(InputError):
        BS.resample(np.ones((3, 1)), confidence=1.5)


def test_explore_summary_with_intervals(tmp_path, capsys):
    from clinsum.cli import main
    from clinsum.store import Store
    from tests.fakes.explorer_data import build

    build(Store.open(tmp_path / "ws"))
    code = main(["-w", str(tmp_path / "ws"), "explore", "summary", "--metric", "rouge1_f", "--ci",
                 "--format", "csv"])
    out = capsys.readouterr().out
    assert code == 0
    import io

    import pandas as pd

    frame = pd.read_csv(io.StringIO(out))
    assert {"ci_low", "ci_high", "mean"} <= set(frame.columns) and len(frame)
    assert (frame["ci_low"] <= frame["mean"]).all() and (frame["mean"] <= frame["ci_high"]).all()


def _nltk_meteor(c: str, r: str, language: str) -> float:
    from nltk.stem.porter import PorterStemmer
    from nltk.stem.snowball import SnowballStemmer
    from nltk.translate.meteor_score import meteor_score

    class NoSynonyms:
        def synsets(self, word):
            return []

    if language == "en":
        stemmer, syn = PorterStemmer(), wordnet.reader() or NoSynonyms()
    else:
        stemmer, syn = SnowballStemmer("spanish"), NoSynonyms()
    return meteor_score([M.nltk_tokens(r)], M.nltk_tokens(c), stemmer=stemmer, wordnet=syn)


def test_meteor_equals_nltk_meteor_score_by_default():
    results = get_metric("meteor").compute_many([Pair(c, r, language=lang) for c, r, lang in PAIRS])
    for (c, r, lang), result in zip(PAIRS, results, strict=True):
        assert result.values["meteor"] == _nltk_meteor(c, r, lang)
        assert result.details["language"] == lang


@pytest.mark.skipif(wordnet.reader() is None, reason="WordNet data not installed (apt package wordnet-base)")
def test_meteor_synonyms_on_stems_like_nltk_and_the_surface_variant():
    from nltk.stem.porter import PorterStemmer
    from nltk.translate.meteor_score import single_meteor_score

    # Porter stems "ache" to "ach", which has no synonyms: nltk finds no match; synonyms of the
    # surface word "ache" include "hurt"
    default = get_metric("meteor").compute("ache", "hurt", language="en").values["meteor"]
    surface = get_metric("meteor", matching="surface").compute("ache", "hurt", language="en")
    assert default == single_meteor_score(["hurt"], ["ache"], stemmer=PorterStemmer(),
                                          wordnet=wordnet.reader()) == 0.0
    assert surface.values["meteor"] == 0.5
    assert get_metric("meteor", matching="surface").version != get_metric("meteor").version
    with pytest.raises(ConfigError):
        get_metric("meteor", matching="fuzzy")


def test_meteor_tokens_are_word_tokenize_style():
    from nltk.tokenize import word_tokenize

    text = "Patient denies fever. Chest X-ray: no infiltrates, isn't worse."
    assert M.nltk_tokens(text) == (word_tokenize("Patient denies fever.", preserve_line=True)
                                   + word_tokenize("Chest X-ray: no infiltrates, isn't worse.",
                                                   preserve_line=True))
    assert "fever" in M.nltk_tokens(text) and "." in M.nltk_tokens(text)
    clinsum = get_metric("meteor", tokenizer="clinsum")
    assert clinsum.version != get_metric("meteor").version
    assert M.meteor_tokens(tokenize("a b"), tokenize("a b"), stemmer=stem_function("porter"))["meteor_r"] == 1.0


SHORT_ENGLISH = ["No acute cardiopulmonary process.", "No acute intracranial abnormality.",
                 "Normal chest radiograph.", "Stable small left pleural effusion.",
                 "Mild cardiomegaly. No pneumothorax.", "Unremarkable study.", "No edema.",
                 "Degenerative changes of the spine.", "Interval resolution of consolidation.",
                 "Lungs are clear.", "No fracture or dislocation."]
SHORT_SPANISH = ["Sin alteraciones.", "Derrame pleural izquierdo.", "No se observan lesiones.",
                 "Cardiomegalia leve.", "Neumonía basal derecha", "TC craneal sin hallazgos agudos",
                 "Nódulo pulmonar de 8 mm", "Hemocultivos negativos.", "Afebril.",
                 "Atelectasia laminar", "Fractura de cadera"]


def test_detect_language_on_short_clinical_text():
    assert [detect_language(t) for t in SHORT_ENGLISH] == ["en"] * len(SHORT_ENGLISH)
    assert [detect_language(t) for t in SHORT_SPANISH] == ["es"] * len(SHORT_SPANISH)
    assert detect_language("") == "en" and detect_language("", default="es") == "es"  # a tie
    for folder in ("records", "references"):
        for path in (ROOT / "data" / "demo" / folder).glob("*.txt"):
            assert detect_language(path.read_text(encoding="utf-8")) == path.name[:2], path.name


def test_stored_language_wins_over_detection():
    text = "Paciente con dolor torácico"
    assert detect_language(text) == "es"
    result = get_metric("meteor").compute(text, text, language="en")
    assert result.details["language"] == "en" and result.details["stemmer"] == "porter"
    rouge = get_metric("rouge", stem="auto")
    assert rouge.compute("inflamado", "inflamación", language="es").values["rouge1_f"] == 1.0
    assert rouge.compute("inflamado", "inflamación", language="en").values["rouge1_f"] == 0.0


_LOAD = ("import json, sys; from clinsum.metrics import wordnet as w; from pathlib import Path; "
         "mode = sys.argv[1]; "
         "out = str(w.cached_copy(w.find_dir().resolve())) if mode == 'copy' else w.reader().root.path; "
         "print(json.dumps([out, sorted(w.synonyms('quick'))[:3] if mode == 'reader' else []]))")


def _processes(tmp_path: Path, mode: str, n: int = 2) -> list[list]:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    procs, outs = [], []
    for i in range(n):
        out = (tmp_path / f"{mode}{i}.out").open("w")
        procs.append(subprocess.Popen([sys.executable, "-c", _LOAD, mode], env=env, stdout=out,
                                      stderr=subprocess.STDOUT))
        outs.append(out)
    for proc, out in zip(procs, outs, strict=True):
        assert proc.wait(timeout=300) == 0, (tmp_path / f"{mode}{procs.index(proc)}.out").read_text()
        out.close()
    return [json.loads((tmp_path / f"{mode}{i}.out").read_text().splitlines()[-1]) for i in range(n)]


@pytest.mark.skipif(wordnet.find_dir() is None, reason="WordNet data not installed (apt package wordnet-base)")
def test_wordnet_one_copy_for_every_process(tmp_path):
    read = _processes(tmp_path, "reader", 1)
    assert read[0][1]  # synonyms found
    cache = tmp_path / "cache" / "clinsum"
    copies = sorted(p.name for p in cache.iterdir()) if cache.exists() else []
    if (wordnet.find_dir() / "lexnames").is_file() or "/usr/share" in read[0][0]:
        assert copies == []  # read in place: nothing copied
    copied = _processes(tmp_path, "copy")  # two processes racing to make the shared copy
    copies = sorted(p.name for p in cache.iterdir())
    assert copied[0][0] == copied[1][0] and copies == [Path(copied[0][0]).name]
    assert copies[0] == f"wordnet-{wordnet.content_hash(wordnet.find_dir().resolve())}"
    assert (cache / copies[0] / "lexnames").is_file()


def test_bertscore_weighting_like_bert_score_and_unk_option():
    import bert_score

    from clinsum.embeddings import bundled_model_path

    pair = Pair("Paciente con dolor ☃ torácico ☂ y disnea.", "Paciente con dolor torácico ☃.")
    default = get_metric("bertscore").compute(pair.candidate, pair.reference)
    no_unk = get_metric("bertscore", ignore_unk=True).compute(pair.candidate, pair.reference)
    P, R, F = bert_score.score([pair.candidate], [pair.reference], model_type=str(bundled_model_path()),
                               num_layers=6, batch_size=1)
    assert default.values["bertscore_p"] == pytest.approx(P.item(), abs=1e-5)
    assert default.values["bertscore_f1"] == pytest.approx(F.item(), abs=1e-5)
    assert abs(no_unk.values["bertscore_p"] - default.values["bertscore_p"]) > 1e-4
    assert get_metric("bertscore", ignore_unk=True).version != get_metric("bertscore").version


def test_bertscore_batches_group_lengths_within_budget():
    from clinsum.metrics.bertscore import scorer

    engine = scorer()
    rng = random.Random(2)
    lengths = [rng.randint(3, 512) for _ in range(500)]
    batches = engine.batches(lengths)
    assert sorted(k for b in batches for k in b) == list(range(500))
    padded = sum(len(b) * lengths[b[0]] for b in batches)
    for b in batches:
        assert lengths[b[0]] == max(lengths[k] for k in b)
        assert len(b) == 1 or len(b) * lengths[b[0]] <= engine.batch_tokens
    assert padded <= 1.07 * sum(lengths)
