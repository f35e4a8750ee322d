"""BERTScore with the bundled MiniLM: parity with bert_score, identical/empty texts, long texts."""

from __future__ import annotations

import pytest

from clinsum.embeddings import bundled_model_path
from clinsum.errors import ConfigError
from clinsum.metrics import Pair, get_metric

PAIRS = [
    Pair("Mujer de 54 años con dolor torácico opresivo y disnea.", "Paciente de 54 años con dolor torácico."),
    Pair("The patient denies fever; chest X-ray is normal.", "No fever. Normal chest radiograph."),
    Pair("Fiebre", "Niño de 3 años con otitis media aguda derecha tratado con amoxicilina 80 mg/kg/día."),
]


@pytest.fixture(scope="module")
def bertscore():
    return get_metric("bertscore")


def test_same_values_as_bert_score(bertscore):
    import bert_score

    results = bertscore.compute_many(PAIRS)
    # batch_size=1: bert_score pads nothing, so its values do not depend on the batch
    P, R, F = bert_score.score([p.candidate for p in PAIRS], [p.reference for p in PAIRS],
                               model_type=str(bundled_model_path()), num_layers=6, batch_size=1)
    for result, p, r, f in zip(results, P.tolist(), R.tolist(), F.tolist(), strict=True):
        assert result.values["bertscore_p"] == pytest.approx(p, abs=1e-5)
        assert result.values["bertscore_r"] == pytest.approx(r, abs=1e-5)
        assert result.values["bertscore_f1"] == pytest.approx(f, abs=1e-5)
    assert results[0].values["bertscore_f1"] > results[2].values["bertscore_f1"]


def test_identical_and_empty(bertscore):
    same = bertscore.compute("Otitis media aguda derecha.", "Otitis media aguda derecha.").values
    assert same["bertscore_f1"] == pytest.approx(1.0, abs=1e-5)
    empty = bertscore.compute("", "Otitis media aguda derecha.").values
    assert empty == {"bertscore_p": 0.0, "bertscore_r": 0.0, "bertscore_f1": 0.0}


def test_text_longer_than_window_is_chunked_not_truncated(bertscore):
    body = " ".join(f"control número {i} sin incidencias en planta" for i in range(80))
    assert len(body.split()) > 512
    changed = body + " Finalmente presenta parada cardiorrespiratoria y fallece pese a reanimación avanzada."
    result = bertscore.compute(changed, body)
    assert result.details["chunked"] is True and "window" in result.details["note"]
    # a truncating scorer sees two identical prefixes; the added ending must lower precision
    assert result.values["bertscore_r"] > 0.99 > result.values["bertscore_p"]
    short = bertscore.compute("Otitis.", "Otitis media.")
    assert "chunked" not in short.details


def test_local_model_path_and_bad_path(tmp_path):
    metric = get_metric("bertscore", model=str(bundled_model_path()), num_layers=3)
    assert "layers=3" in metric.version and metric.version != get_metric("bertscore").version
    assert metric.compute("dolor", "dolor").values["bertscore_f1"] == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ConfigError):
        get_metric("bertscore", model=str(tmp_path / "nothing"))


# a reference whose tokens about the procedure have a negative best cosine against this short
# candidate; bert_score's batched call multiplies by its padding mask before taking the best
# match, so there its recall depends on which other pairs share the batch
SHORT = Pair("Weight 100.4 kg.", "Weight 100.4 kg.\nProcedure: TEE showed no left atrial or left "
             "atrial appendage thrombus; LAA emptying velocity 32 cm/s; mild spontaneous echo contrast.")
LONG = Pair("Procedure: transesophageal echocardiogram before cardioversion. " * 6, SHORT.reference)


def test_a_pair_scores_the_same_alone_and_in_any_batch(bertscore):
    import bert_score

    alone = bertscore.compute_many([SHORT])[0].values
    batched = bertscore.compute_many([LONG, SHORT, *PAIRS])[1].values
    P, R, F = bert_score.score([SHORT.candidate], [SHORT.reference],
                               model_type=str(bundled_model_path()), num_layers=6, batch_size=1)
    for name, value in zip(("bertscore_p", "bertscore_r", "bertscore_f1"), (P, R, F), strict=True):
        assert alone[name] == pytest.approx(batched[name], abs=1e-6)
        assert alone[name] == pytest.approx(float(value[0]), abs=1e-5)
    # bert_score batched with a longer candidate zeroes the negative best matches: higher recall
    _, padded_r, _ = bert_score.score([LONG.candidate, SHORT.candidate], [LONG.reference, SHORT.reference],
                                      model_type=str(bundled_model_path()), num_layers=6)
    assert float(padded_r[1]) > alone["bertscore_r"] + 1e-4


def test_onednn_layers_give_the_models_own_outputs():
    import torch
    from bert_score.utils import get_model, get_tokenizer

    from clinsum.metrics import onednn

    if not onednn.available():
        pytest.skip("oneDNN's fp32 linear is not available in this torch build")
    path = str(bundled_model_path())
    plain, fast = get_model(path, 6), get_model(path, 6)
    assert onednn.use_onednn(fast) == 6 * 6 + 1  # q, k, v, out, up, down per layer + pooler
    assert all(isinstance(layer.intermediate.intermediate_act_fn, torch.nn.Identity)
               for layer in fast.encoder.layer)  # GELU fused into the up projection
    batch = get_tokenizer(path, use_fast=True)([p.candidate for p in PAIRS] + [p.reference for p in PAIRS],
                                               padding=True, return_tensors="pt")
    with torch.inference_mode():
        want = plain(batch["input_ids"], attention_mask=batch["attention_mask"])[0]
        got = fast(batch["input_ids"], attention_mask=batch["attention_mask"])[0]
    mask = batch["attention_mask"].bool()
    assert float((got - want)[mask].abs().max()) < 1e-4 * float(want[mask].abs().max())


def test_cpu_batches_hold_one_length_each():
    from clinsum.metrics.bertscore import scorer

    engine = scorer(None, None, "cpu", False)
    lengths = [9, 40, 9, 12, 40, 11, 12, 9]
    batches = engine.batches(lengths)
    assert sorted(k for b in batches for k in b) == list(range(len(lengths)))
    assert all(len({lengths[k] for k in b}) == 1 for b in batches)
