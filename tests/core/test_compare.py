"""Side-by-side comparison: shared n-grams on Spanish text, flags, metrics, navigation."""

from __future__ import annotations

import random

import pytest

from clinsum import compare as cmp
from clinsum.errors import InputError, NotFound
from clinsum.explorer import Filters
from clinsum.store import Store
from tests.fakes.explorer_data import REFERENCES, TEXTS, build


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Store:
    return build(Store.open(tmp_path_factory.mktemp("compare") / "ws"), with_ratings=False)


def _texts(text: str, spans) -> list[str]:
    return [text[s:e] for s, e, *_ in spans]


def test_shared_ngrams_spanish_accents_and_case():
    cand = "Neumonía en el LÓBULO inferior derecho; se pauta amoxicilina."
    ref = "Paciente con neumonía en el lóbulo inferior derecho, sin fiebre."
    on_cand, on_ref = cmp.shared_ngram_spans(cand, ref, n=3)
    assert _texts(cand, on_cand) == ["Neumonía en el LÓBULO inferior derecho"]
    assert _texts(ref, on_ref) == ["neumonía en el lóbulo inferior derecho"]
    assert on_cand[0][2] == "shared: 6 words"
    # accents matter: "lobulo" is not "lóbulo"
    c2, _ = cmp.shared_ngram_spans("el lobulo inferior derecho", "el lóbulo inferior derecho", n=3)
    assert _texts("el lobulo inferior derecho", c2) == []


def test_shared_ngrams_unigrams_and_separate_runs():
    cand = "dolor torácico y fiebre alta"
    ref = "fiebre alta sin dolor torácico"
    on_cand, on_ref = cmp.shared_ngram_spans(cand, ref, n=2)
    assert _texts(cand, on_cand) == ["dolor torácico", "fiebre alta"]
    assert _texts(ref, on_ref) == ["fiebre alta", "dolor torácico"]
    uni, _ = cmp.shared_ngram_spans("a b c", "c a", n=1)
    assert len(uni) == 2
    assert cmp.shared_ngram_spans("", ref) == ([], [])
    with pytest.raises(InputError):
        cmp.shared_ngram_spans("a", "a", n=0)


def test_compare_record(ws):
    c = cmp.compare(ws, "r1")
    assert c.reference["text"] == REFERENCES["r1"] and c.reference["version"] == 2  # latest
    assert {x.generation_id for x in c.candidates} == {"g1", "g3"}
    g3 = next(x for x in c.candidates if x.generation_id == "g3")
    assert _texts(g3.text, g3.shared) == [TEXTS["g3"].rstrip(".")]  # identical to the reference
    g1 = next(x for x in c.candidates if x.generation_id == "g1")
    assert _texts(g1.text, g1.shared) == ["Paciente de 67 años con dolor torácico"]
    assert g1.metrics["rouge1_f"] == pytest.approx(0.2)  # current version, not the old 0.9
    assert g1.metrics["bleu"] == pytest.approx(0.1)
    assert g1.flags_origin in ("live", "stored")
    assert "500 mg" in [f["text"] for f in g1.flags]
    marks = g1.marks()
    assert any(css == cmp.FLAG_CSS and g1.text[s:e] == "500 mg" for s, e, _, css in marks)
    for (_s1, e1, *_), (s2, _e2, *_) in zip(marks, marks[1:], strict=False):
        assert e1 <= s2  # never overlapping
    only = cmp.compare(ws, "r1", ["g3"])
    assert [x.generation_id for x in only.candidates] == ["g3"]
    assert cmp.reference_marks(only)
    with pytest.raises(NotFound):
        cmp.compare(ws, "r1", ["g4"])  # g4 belongs to r2
    with pytest.raises(NotFound):
        cmp.compare(ws, "nope")


def test_failed_generation_is_not_a_candidate(ws):
    assert [g["id"] for g in cmp.generations_for(ws, "r3")] == ["g5"]


def test_stored_flags_used_without_the_metrics_engine(ws, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_metrics(name, *args, **kwargs):
        if name.startswith("clinsum.metrics"):
            raise ImportError("metrics engine missing")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_metrics)
    flags, origin = cmp.faithfulness_flags(ws, "g1", TEXTS["g1"], "source")
    assert origin == "stored" and [f["text"] for f in flags] == ["500 mg"]
    assert cmp.faithfulness_flags(ws, "g3", TEXTS["g3"], "source") == ([], "none")


def test_merge_layers_cuts_lower_layer():
    merged = cmp._merge_layers([(5, 8, "f", "red")], [(0, 12, "s", "yellow")])
    assert merged == [(0, 5, "s", "yellow"), (5, 8, "f", "red"), (8, 12, "s", "yellow")]


def test_navigation(ws):
    ids = cmp.record_ids(ws)
    assert ids == ["r1", "r2", "r3", "r4"]
    assert cmp.step(ids, "r1", 1) == "r2" and cmp.step(ids, "r1", -1) == "r4"
    assert cmp.step(ids, "r4", 1) == "r1" and cmp.step(ids, None, 1) == "r1"
    assert cmp.record_ids(ws, Filters(models=["B"])) == ["r1", "r2"]
    with pytest.raises(NotFound):
        cmp.step([], None, 1)


def test_jump_worst_best_random(ws):
    worst = cmp.jump(ws, "rouge1_f", "worst")
    assert (worst.record_id, worst.generation_id, worst.value) == ("r1", "g1", pytest.approx(0.2))
    best = cmp.jump(ws, "rouge1_f", "best")
    assert (best.record_id, best.generation_id) == ("r2", "g4")  # g7 (1.0) failed: never picked
    seen = {cmp.jump(ws, "bleu", "random", rng=random.Random(seed)).generation_id for seed in range(40)}
    assert seen == {"g1", "g2", "g3", "g4", "g5", "g6"}
    lower_better = cmp.jump(ws, "faithfulness_unsupported", "best")
    assert lower_better.generation_id == "g1"  # the only one with that value
    with pytest.raises(NotFound):
        cmp.jump(ws, "no_such_metric", "worst")
    with pytest.raises(InputError):
        cmp.jump(ws, "bleu", "median")


def test_label():
    assert cmp.label({"model": "qwen", "strategy": "direct", "temperature": 0.7}) == "qwen · direct · T=0.7"


def test_marks_render_escaped_with_their_own_style():
    from clinsum import ui

    text = "<script>x</script> AAS 500 mg"
    start = text.index("500 mg")
    html = ui.highlight(text, [(0, 8, "shared: 1 words", cmp.SHARED_CSS),
                               (start, start + 6, "dose: <b>", cmp.FLAG_CSS)])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert f'style="{cmp.FLAG_CSS}" title="dose: &lt;b&gt;">500 mg</mark>' in html
    assert ui.highlight("a b", [(0, 1, "t")]) == '<mark style="background:#fff3b0" title="t">a</mark> b'
