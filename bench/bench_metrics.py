"""Metric benches: clinsum's ROUGE, BERTScore, BLEU and METEOR against their reference
libraries (rouge-score, bert-score, nltk) in the same process, on the same pairs.

Pairs (:func:`make_pairs`, deterministic): references cut from the bundled demo records and
references (Spanish and English), one sentence per line, in three sizes — radiology-impression
(1–4 sentences), assessment-and-plan (5–12) and visit-note (~250–450 words) — and for each
reference five candidates with the edits summaries show: sentences dropped, reordered, merged,
shortened or reworded (synonyms, abbreviations, changed numbers), sentences from elsewhere in
the record added. Every metric runs on every pair (nothing extrapolated).

Prints ``BENCH <name> <value> <goal> PASS|MISS``:

- ``rouge_speedup``: rouge-score (``RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])``,
  its default config) seconds over clinsum's ROUGE seconds (default config) on all pairs (≥ 10);
  ``rouge_mismatches``: values differing by > 1e-6 (0), counted on clinsum's
  ``tokenizer="rouge_score"`` mode against rouge-score on every pair, plus clinsum's default
  mode on every pair whose tokens agree with rouge-score's (ASCII pairs);
- ``bertscore_speedup``: one batched ``bert_score.score`` call over all pairs (bundled
  MiniLM, all 6 layers) seconds over clinsum's BERTScore seconds (≥ 2, model load included on
  both sides, after one untimed bert_score call on one pair warms the process);
  the note adds both sides' process CPU time (with 1 torch thread, the ratio a loaded machine
moves least); ``bertscore_max_diff`` over pairs whose texts are ≤ 510 tokens (≤ 1e-4) against that call,
  except pairs where that call differs from bert_score on the pair alone (its matching
  multiplies by the padding mask before taking the best match, so a negative best cosine
  becomes 0): those against ``bert_score.score(..., batch_size=1)``;
  ``bertscore_padded_token_ratio`` (information): tokens each side runs through the model on
  the 3,000 default pairs, without running it (bert_score sorts by ``text.split(" ")``, so
  multi-line texts sort short, and pads batches of 64): the part of the speedup padding explains;
- ``bleu_mismatches``: sentence BLEU (smoothing method 1, clinsum's default) and corpus BLEU
  against nltk on the same tokens (0); ``bleu_speedup`` (information);
- ``meteor_mismatches``: clinsum's default METEOR against ``nltk.translate.meteor_score`` on
  the same tokens, with nltk's PorterStemmer and WordNet for English and the Spanish Snowball
  stemmer without synonyms for Spanish (0); ``meteor_speedup`` (information).

``--quick`` (or ``CLINSUM_BENCH_QUICK=1``) uses 300 pairs; ``--only=rouge,bleu`` runs a subset.
BERTScore runs on the default pairs on a GPU or with ``--full`` (``CLINSUM_BENCH_FULL=1``); on
a CPU otherwise on as many pairs whose references are radiology-impression sized (1–4
sentences; the candidates made the same way), both sides on the same pairs, which the line
says. ``CLINSUM_BENCH_TORCH_THREADS=N`` sets torch's threads for both sides (on an
oversubscribed shared machine, 1: two threads there run several times slower and vary).
"""

from __future__ import annotations

import os
import random
import re
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N_PAIRS = 3000
N_QUICK = 300
CANDIDATES_PER_REFERENCE = 5
TOLERANCE = 1e-6

# rewordings a summarizer makes (both directions are used)
_REWORD = {
    "paciente": "enfermo", "presenta": "muestra", "dolor": "molestias", "tratamiento": "terapia",
    "ingreso": "hospitalización", "alta": "egreso", "años": "a.", "izquierdo": "izdo.",
    "derecho": "dcho.", "insuficiencia": "fallo", "control": "seguimiento", "cada": "c/",
    "hipertensión": "HTA", "diabetes": "DM", "fiebre": "hipertermia", "se": "", "de": "del",
    "patient": "pt", "presented": "came in", "with": "w/", "history": "hx", "treated": "managed",
    "started": "initiated", "daily": "once a day", "pain": "discomfort", "shortness": "lack",
    "discharged": "sent home", "normal": "unremarkable", "increased": "elevated", "the": "",
    "and": "&", "without": "w/o", "mild": "slight", "severe": "marked", "stable": "unchanged",
}
_REWORD.update({v: k for k, v in list(_REWORD.items()) if v and " " not in v})
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def _sentences() -> dict[str, list[list[str]]]:
    """Per demo document (records and references): its sentences, language-tagged by name."""
    from clinsum.text import sentences

    out: dict[str, list[list[str]]] = {}
    for folder in ("records", "references"):
        for path in sorted((ROOT / "data" / "demo" / folder).glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            sents = [" ".join(s.split()) for block in text.split("\n") for s in sentences(block)]
            sents = [s for s in sents if len(s.split()) >= 3 and "FICTICIO" not in s.upper()]
            out.setdefault(path.name[:2], []).append(sents)
    return out


def _reword(rng: random.Random, sentence: str) -> str:
    words = sentence.split()
    out = []
    for w in words:
        roll = rng.random()
        key = w.lower().strip(".,;:")
        if roll < 0.08:
            continue  # dropped word
        if roll < 0.25 and key in _REWORD:
            w = _REWORD[key]
        elif roll < 0.30 and _NUMBER.search(w):
            w = _NUMBER.sub(lambda m: str(int(float(m.group().replace(",", "."))) + rng.randint(1, 9)), w)
        if w:
            out.append(w)
    return " ".join(out)


def _candidate(rng: random.Random, reference: list[str], pool: list[str]) -> str:
    out: list[str] = []
    for s in reference:
        roll = rng.random()
        if roll < 0.15:
            continue
        if roll < 0.55:
            s = _reword(rng, s)
        elif roll < 0.65:
            s = " ".join(s.split()[: max(3, len(s.split()) // 2)])
        out.append(s)
        if rng.random() < 0.08:
            out.append(rng.choice(pool))
    if len(out) > 2 and rng.random() < 0.3:
        i = rng.randrange(len(out) - 1)
        out[i:i + 2] = [out[i + 1], out[i]]
    if len(out) > 2 and rng.random() < 0.3:
        i = rng.randrange(len(out) - 1)
        out[i:i + 2] = [out[i].rstrip(".") + "; " + out[i + 1][:1].lower() + out[i + 1][1:]]
    if rng.random() < 0.2:
        out = [s.lower() for s in out]
    return "\n".join(out) or reference[0]


#: reference sizes in sentences: radiology impression, assessment and plan, visit note
SHAPES = (("radiology", 1, 4), ("assessment_plan", 5, 12), ("visit_note", 14, 24))


def make_pairs(n: int = N_PAIRS, seed: int = 14, shapes: tuple = SHAPES) -> list[tuple[str, str, str]]:
    """(candidate, reference, language) triples, ``CANDIDATES_PER_REFERENCE`` per reference,
    the references cycling through ``shapes``."""
    rng = random.Random(seed)
    docs = _sentences()
    out: list[tuple[str, str, str]] = []
    while len(out) < n:
        language = "es" if rng.random() < 0.6 else "en"
        doc = rng.choice(docs[language])
        _, low, high = shapes[len(out) // CANDIDATES_PER_REFERENCE % len(shapes)]
        size = min(rng.randint(low, high), len(doc))
        start = rng.randrange(len(doc) - size + 1)
        reference = doc[start:start + size]
        pool = doc[:start] + doc[start + size:] or doc
        for _ in range(CANDIDATES_PER_REFERENCE):
            out.append((_candidate(rng, reference, pool), "\n".join(reference), language))
    return out[:n]


def line(name: str, value: float, goal: str, ok: bool, note: str = "") -> None:
    print(f"BENCH {name} {value:.4g} {goal} {'PASS' if ok else 'MISS'}" + (f"  # {note}" if note else ""),
          flush=True)


def _differs(a: float | None, b: float) -> bool:
    return a is None or abs(a - b) > TOLERANCE


def bench_rouge(pairs: list[tuple[str, str, str]]) -> None:
    from rouge_score import rouge_scorer

    from clinsum.metrics import Pair, get_metric
    from clinsum.metrics.rouge import ROUGE_TYPES, rouge_score_tokens
    from clinsum.metrics.tokens import tokenize

    items = [Pair(c, r) for c, r, _ in pairs]
    started, cpu = time.perf_counter(), time.process_time()
    ours = get_metric("rouge").compute_many(items)  # default config: 1/2/L/Lsum, no stemming
    ours_s, ours_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    compatible = get_metric("rouge", tokenizer="rouge_score").compute_many(items)
    compatible_s = time.perf_counter() - started
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES))
    started, cpu = time.perf_counter(), time.process_time()
    expected = [scorer.score(r, c) for c, r, _ in pairs]
    base_s, base_cpu = time.perf_counter() - started, time.process_time() - cpu
    fields = (("p", "precision"), ("r", "recall"), ("f", "fmeasure"))
    mismatches, agreeing = 0, 0
    for (c, r, _), mine, comp, exp in zip(pairs, ours, compatible, expected, strict=True):
        same_tokens = all(tokenize(t) == rouge_score_tokens(t) for t in (c, r))
        agreeing += same_tokens
        for t in ROUGE_TYPES:
            for k, attr in fields:
                mismatches += _differs(comp.values[f"{t}_{k}"], getattr(exp[t], attr))
                if same_tokens:
                    mismatches += _differs(mine.values[f"{t}_{k}"], getattr(exp[t], attr))
    ratio = base_s / ours_s
    line("rouge_speedup", ratio, ">=10", ratio >= 10,
         f"{len(pairs)} pairs, rouge1/2/L/Lsum: clinsum {ours_s:.2f} s, rouge-score {base_s:.2f} s; "
         f"tokenizer=rouge_score mode {compatible_s:.2f} s ({base_s / compatible_s:.1f}x); process CPU time "
         f"{base_cpu / ours_cpu:.1f}x")
    line("rouge_mismatches", mismatches, "==0", mismatches == 0,
         f"{len(pairs) * 12} values in rouge_score-tokenizer mode + {agreeing * 12} in default mode "
         f"({agreeing} pairs whose tokens agree)")


def bench_bleu(pairs: list[tuple[str, str, str]]) -> None:
    from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu, sentence_bleu

    from clinsum.metrics import Pair, get_metric
    from clinsum.metrics import bleu as B
    from clinsum.metrics.tokens import tokenize

    started = time.perf_counter()
    ours = get_metric("bleu").compute_many([Pair(c, r) for c, r, _ in pairs])
    ours_s = time.perf_counter() - started
    smoothing = SmoothingFunction().method1
    started = time.perf_counter()
    tokens = [(tokenize(c), tokenize(r)) for c, r, _ in pairs]
    expected = [sentence_bleu([r], c, smoothing_function=smoothing) for c, r in tokens]
    base_s = time.perf_counter() - started
    mismatches = sum(_differs(m.values["bleu"], e) for m, e in zip(ours, expected, strict=True))
    for method in range(5):
        fn = getattr(SmoothingFunction(), f"method{method}")
        refs, hyps = [[r] for _, r in tokens], [c for c, _ in tokens]
        mismatches += _differs(B.corpus_bleu(refs, hyps, smoothing=method),
                               corpus_bleu(refs, hyps, smoothing_function=fn))
        mismatches += _differs(B.corpus_bleu_from_details([m.details for m in ours], smoothing=method),
                               corpus_bleu(refs, hyps, smoothing_function=fn))
    line("bleu_mismatches", mismatches, "==0", mismatches == 0,
         f"{len(pairs)} sentence BLEU + 10 corpus BLEU (methods 0-4, direct and from stored counts)")
    line("bleu_speedup", base_s / ours_s, "info", True, f"clinsum {ours_s:.2f} s, nltk {base_s:.2f} s")


def bench_meteor(pairs: list[tuple[str, str, str]]) -> None:
    from nltk.stem.porter import PorterStemmer
    from nltk.stem.snowball import SnowballStemmer
    from nltk.translate.meteor_score import meteor_score

    from clinsum.metrics import Pair, get_metric, wordnet
    from clinsum.metrics.meteor import nltk_tokens

    class NoSynonyms:
        def synsets(self, word: str) -> list:
            return []

    wn = wordnet.reader()
    started = time.perf_counter()
    ours = get_metric("meteor").compute_many([Pair(c, r, language=lang) for c, r, lang in pairs])
    ours_s = time.perf_counter() - started
    porter, spanish = PorterStemmer(), SnowballStemmer("spanish")
    started = time.perf_counter()
    expected = []
    for c, r, lang in pairs:
        stemmer, syn = (porter, wn or NoSynonyms()) if lang == "en" else (spanish, NoSynonyms())
        expected.append(meteor_score([nltk_tokens(r)], nltk_tokens(c), stemmer=stemmer, wordnet=syn))
    base_s = time.perf_counter() - started
    mismatches = sum(_differs(m.values["meteor"], e) for m, e in zip(ours, expected, strict=True))
    english = sum(lang == "en" for _, _, lang in pairs)
    line("meteor_mismatches", mismatches, "==0", mismatches == 0,
         f"{len(pairs)} pairs ({english} English, WordNet {'on' if wn else 'absent'})")
    line("meteor_speedup", base_s / ours_s, "info", True, f"clinsum {ours_s:.2f} s, nltk {base_s:.2f} s")


def _bert_score_padded_tokens(tokenizer, texts: list[str], batch_size: int = 64) -> int:
    """Tokens ``bert_score.score`` runs through the model: its texts deduplicated, sorted by
    ``len(text.split(" "))`` (spaces only, so a multi-line text counts short) and padded to the
    longest in each batch of ``batch_size``."""
    from bert_score.utils import sent_encode

    ordered = sorted(set(texts), key=lambda t: len(t.split(" ")), reverse=True)
    lengths = [len(sent_encode(tokenizer, t)) for t in ordered]
    return sum(max(lengths[i:i + batch_size]) * len(lengths[i:i + batch_size])
               for i in range(0, len(lengths), batch_size))


def _clinsum_padded_tokens(engine, texts: list[str]) -> int:
    """Tokens clinsum's BERTScore runs through the model for ``texts`` (windows, length groups)."""
    encoded = engine.tokenizer([t.strip() for t in dict.fromkeys(texts)], add_special_tokens=False,
                               verbose=False)["input_ids"]
    lengths = [len(w) for ids in encoded for w in engine._windows(ids)]
    return sum(len(batch) * lengths[batch[0]] for batch in engine.batches(lengths))


def bench_bertscore(pairs: list[tuple[str, str, str]]) -> None:
    import bert_score
    import bert_score.utils  # noqa: F401 - imports warmed for both sides before timing
    import torch
    import transformers.models.bert.modeling_bert  # noqa: F401

    full = "--full" in sys.argv or os.environ.get("CLINSUM_BENCH_FULL") == "1"
    what = f"{len(pairs)} default pairs"
    if not (full or torch.cuda.is_available()):
        # a CPU: every pair of a set of radiology-impression-sized references (1-4 sentences)
        pairs = make_pairs(len(pairs), shapes=SHAPES[:1])
        what = f"{len(pairs)} radiology-impression-sized pairs"

    from clinsum.embeddings import bundled_model_path
    from clinsum.metrics import Pair, get_metric
    from clinsum.metrics.bertscore import scorer

    threads = os.environ.get("CLINSUM_BENCH_TORCH_THREADS")
    if threads:  # the same for both sides (a shared, oversubscribed machine: 1)
        torch.set_num_threads(int(threads))
    model = str(bundled_model_path())
    device = "cuda" if torch.cuda.is_available() else "cpu"
    cands, refs = [c for c, _, _ in pairs], [r for _, r, _ in pairs]
    # untimed: the process's first model load and forward pass (lazy imports, kernels) through
    # bert_score's loader, which both sides use; each side then loads the model again, timed
    bert_score.score(cands[:1], refs[:1], model_type=model, num_layers=6, device=device)
    started, cpu = time.perf_counter(), time.process_time()
    scorer.cache_clear()
    ours = get_metric("bertscore", device=device).compute_many([Pair(c, r) for c, r in zip(cands, refs, strict=True)])
    ours_s, ours_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    P, R, F = bert_score.score(cands, refs, model_type=model, num_layers=6, device=device)
    base_s, base_cpu = time.perf_counter() - started, time.process_time() - cpu
    engine = scorer(None, None, device, False)
    names = ("bertscore_p", "bertscore_r", "bertscore_f1")
    diffs, compared = [], 0
    for i, result in enumerate(ours):
        if max(len(engine.tokenizer(t)["input_ids"]) for t in (cands[i], refs[i])) > 512:
            continue
        compared += 1
        diffs.append((max(abs(result.values[n] - float(t[i])) for n, t in zip(names, (P, R, F), strict=True)), i))
    # bert_score's batched matching multiplies similarities by the padding mask before taking
    # the best match, so a token whose best cosine is negative gets 0 when the other text of its
    # pair is padded: those pairs are checked against bert_score on the pair alone (no padding)
    suspects = [i for d, i in diffs if d > 1e-4]
    worst = max((d for d, i in diffs if i not in suspects), default=0.0)
    self_worst = 0.0
    if suspects:
        # batch_size=1: every pair matched on its own, nothing padded
        alone = bert_score.score([cands[i] for i in suspects], [refs[i] for i in suspects],
                                 model_type=model, num_layers=6, device=device, batch_size=1)
        for k, i in enumerate(suspects):
            values = [float(t[k]) for t in alone]
            worst = max(worst, *(abs(ours[i].values[n] - v) for n, v in zip(names, values, strict=True)))
            self_worst = max(self_worst, *(abs(float(t[i]) - v) for t, v in zip((P, R, F), values, strict=True)))
    ratio = base_s / ours_s
    line("bertscore_speedup", ratio, ">=2", ratio >= 2,
         f"{what} on {device} ({torch.get_num_threads()} torch threads): clinsum {ours_s:.1f} s, one bert_score.score call {base_s:.1f} s "
         f"(model load included on both sides); process CPU time clinsum {ours_cpu:.1f} s, bert_score "
         f"{base_cpu:.1f} s ({base_cpu / ours_cpu:.2f}x: the ratio less exposed to other load on the machine); "
         f"{engine.onednn_layers} linear layers through oneDNN")
    line("bertscore_max_diff", worst, "<=1e-4", worst <= 1e-4,
         f"{compared} pairs with texts <= 510 tokens, against the batched call; {len(suspects)} pairs "
         f"where that call differs from bert_score on the pair alone by up to {self_worst:.1e} "
         "(its padding zeroes negative best cosines) against bert_score on the pair alone")
    full_set = make_pairs(N_PAIRS)
    texts = [t for c, r, _ in full_set for t in (c, r)]
    theirs, mine = _bert_score_padded_tokens(engine.tokenizer, texts), _clinsum_padded_tokens(engine, texts)
    line("bertscore_padded_token_ratio", theirs / mine, "info", True,
         f"{N_PAIRS} default pairs: tokens through the model, bert_score {theirs} (texts cut at 512), "
         f"clinsum {mine} (length groups, long texts in windows): the part of the speedup that "
         "padding alone explains (on a CPU clinsum's linear layers also run through oneDNN)")
    shorts = [t for c, r, _ in pairs for t in (c, r)]
    line("bertscore_padded_token_ratio_timed", _bert_score_padded_tokens(engine.tokenizer, shorts)
         / _clinsum_padded_tokens(engine, shorts), "info", True, f"the same on the {what} timed above")


BENCHES = {"rouge": bench_rouge, "bleu": bench_bleu, "meteor": bench_meteor, "bertscore": bench_bertscore}


def main() -> None:
    warnings.simplefilter("ignore")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    quick = "--quick" in sys.argv or os.environ.get("CLINSUM_BENCH_QUICK") == "1"
    only = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--only=")), None)
    pairs = make_pairs(N_QUICK if quick else N_PAIRS)
    words = sorted(len(c.split()) + len(r.split()) for c, r, _ in pairs)
    print(f"# {len(pairs)} pairs, words per pair (candidate + reference): median {words[len(words) // 2]}, "
          f"max {words[-1]}", flush=True)
    for name, bench in BENCHES.items():
        if only is None or name in only.split(","):
            bench(pairs)


if __name__ == "__main__":
    main()
