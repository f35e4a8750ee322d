"""De-identification and batch references.

- ``deid_dev_strict_f1``: strict span micro F1 of the shipped pipeline on MEDDOCAN dev (goal
  0.97; the best MEDDOCAN 2019 system reached 0.9696 on test). Beside it: the tagger alone and
  the fixed-form rules alone, on the same documents.
- ``deid_dev_strict_recall``: strict micro recall on dev (goal 0.98: a privacy gate needs recall
  first); the span-only (overlap, any type) recall is printed beside it.
- ``deid_dev_worst_type_f1``: the lowest strict F1 among types with at least 20 gold spans on dev
  (goal 0.90), named in the note.
- ``deid_en_strict_f1`` / ``deid_en_strict_recall``: the hand-written English BRAT set
  (``data/deid_en``, read as English as its records are), goals 0.95 / 0.97; beside them the same
  set with the language left to detection.
- ``privacy_leak_suite_leaks``: identifiers of the hand-written leak suite (``data/privacy``) still
  in what the gate lets out (goal 0); beside it the count without the gate.
- ``deid_chars_per_s``: throughput of ``find_phi`` over the dev texts (goal 50,000 characters/s
  on one core; CPU time of the process, as the development machine is shared — wall time in the
  note); baseline: the rules alone.
- ``deid_preview_20k_ms``: ``find_phi`` on one 20,000-character record, as a preview does (goal
  at most 500 ms).
- ``deid_preview_20k_copied_ms``: the same for a record that copies one note over and over, as
  clinical records copy earlier visits (goal at most 500 ms; beside it the ratio to the line above:
  the same names found in every copy must not cost more per character).
- ``refs_batch_plan_ms_per_1k_chars``: planning a batch of the demo records (de-identification,
  residual scan, mapping stored, requests built) per 1,000 characters of record text (CPU time),
  goal at most 25 ms; baseline: the same plan without de-identification, for a server inside
  the hospital (the only place records may go as they are).

Needs ``../shared/data/meddocan`` for the F1 lines (skipped with a note otherwise).
``CLINSUM_BENCH_QUICK=1`` uses 60 dev documents.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from clinsum.deid.brat import read_folder
from clinsum.deid.evaluate import evaluate, evaluate_both, worst_type
from clinsum.deid.pipeline import clear_cache, find_phi
from clinsum.deid.rules import rule_spans
from clinsum.deid.spans import remove_overlaps

QUICK = os.environ.get("CLINSUM_BENCH_QUICK") == "1"
MEDDOCAN_DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "meddocan" / "dev"


def _line(name: str, value: float, goal: float, higher_is_better: bool = True, note: str = "") -> None:
    ok = value >= goal if higher_is_better else value <= goal
    print(f"BENCH {name} {value:.4f} {goal} {'PASS' if ok else 'MISS'}" + (f"  # {note}" if note else ""))


def bench_deid() -> None:
    if not MEDDOCAN_DEV.is_dir():
        print("# deid_dev_strict_f1, deid_dev_strict_recall, deid_dev_worst_type_f1 skipped: "
              "../shared/data/meddocan/dev is not here")
        texts = ["Nombre: Ana.\nApellidos: Ruiz Gil.\nNHC: 1234567.\nPaciente de 70 años. " * 40] * 20
    else:
        docs = read_folder(MEDDOCAN_DEV)[: 60 if QUICK else None]
        texts = [d.text for d in docs]
        find_phi(docs[0].text)  # load the model outside the timing
        clear_cache()
        find_phi("Nombre: Ana.")
        started, cpu = time.perf_counter(), time.process_time()
        strict, span_only = evaluate_both(docs, find_phi)
        full_s, full_cpu = time.perf_counter() - started, time.process_time() - cpu
        full = strict["ALL"]
        tagger = evaluate(docs, lambda t: find_phi(t, use_rules=False, use_propagation=False))["ALL"]
        rules = evaluate(docs, lambda t: remove_overlaps(rule_spans(t)))["ALL"]
        _line("deid_dev_strict_f1", full.f1, 0.97,
              note=f"P {full.precision:.4f} R {full.recall:.4f}; tagger alone F1 {tagger.f1:.4f}; "
                   f"rules alone F1 {rules.f1:.4f}; {len(docs)} docs")
        _line("deid_dev_strict_recall", full.recall, 0.98,
              note=f"span-only recall {span_only['ALL'].recall:.4f}; tagger alone {tagger.recall:.4f}")
        name, f1 = worst_type(strict)
        _line("deid_dev_worst_type_f1", f1, 0.90, note=f"{name}, of types with >= 20 gold spans")
        chars = sum(len(t) for t in texts)
        cpu = time.process_time()
        for t in texts:
            remove_overlaps(rule_spans(t))
        rules_cpu = time.process_time() - cpu
        _line("deid_chars_per_s", chars / full_cpu, 50000,
              note=f"CPU time of this process; wall {chars / full_s:.0f} chars/s on this shared machine; "
                   f"rules alone {chars / max(rules_cpu, 1e-9):.0f} chars/s")
    record = "\n".join(texts)
    while len(record) < 20000:
        record += "\n" + record
    record = record[:20000]
    clear_cache()
    find_phi("Nombre: Ana.")
    started, cpu = time.perf_counter(), time.process_time()
    find_phi(record)
    preview_ms, wall_ms = (time.process_time() - cpu) * 1000, (time.perf_counter() - started) * 1000
    _line("deid_preview_20k_ms", preview_ms, 500, higher_is_better=False,
          note=f"one 20,000-character record, uncached, as the References preview runs it (CPU time; wall {wall_ms:.0f} ms)")
    copied = texts[0]
    while len(copied) < 20000:  # one visit's note copied into every later one, as records are
        copied += "\n\n" + texts[0]
    copied = copied[:20000]
    clear_cache()
    cpu = time.process_time()
    find_phi(copied)
    copied_ms = (time.process_time() - cpu) * 1000
    _line("deid_preview_20k_copied_ms", copied_ms, 500, higher_is_better=False,
          note=f"one 20,000-character record that repeats one note {20000 // len(texts[0]) + 1} times (CPU time); "
               f"{copied_ms / preview_ms:.2f}x the record of distinct notes above")


def bench_english_and_leaks() -> None:
    from clinsum.config import DATA_DIR
    from clinsum.privacy.leaks import find_leaks, load_suite

    docs = read_folder(DATA_DIR / "deid_en")
    strict = evaluate(docs, lambda t: find_phi(t, language="en"))["ALL"]
    detected = evaluate(docs, find_phi)["ALL"]
    _line("deid_en_strict_f1", strict.f1, 0.95,
          note=f"P {strict.precision:.4f} R {strict.recall:.4f}; {len(docs)} docs; language detected: F1 {detected.f1:.4f}")
    _line("deid_en_strict_recall", strict.recall, 0.97, note=f"language detected: R {detected.recall:.4f}")
    rows = load_suite()
    leaks = find_leaks(rows)
    raw = find_leaks(rows, clean=lambda text: text)
    _line("privacy_leak_suite_leaks", len(leaks), 0, higher_is_better=False,
          note=f"{len(rows)} snippets, {sum(len(r['identifiers']) for r in rows)} identifiers; "
               f"without the gate {len(raw)} leak")


def bench_batch_plan() -> None:
    from clinsum.demo import load_demo
    from clinsum.references.batch import plan_batch
    from clinsum.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "ws")
        load_demo(store)
        rows = store.execute("SELECT id, length(text) FROM records")
        ids, kchars = [r[0] for r in rows], sum(r[1] for r in rows) / 1000
        plan_batch(store, ids[:1])
        started, cpu = time.perf_counter(), time.process_time()
        plan = plan_batch(store, ids)
        with_deid, wall = time.process_time() - cpu, time.perf_counter() - started
        cpu = time.process_time()
        # the baseline: a server inside the hospital, the only place records may go as they are
        plan_batch(store, ids, deid=False, destination="http://127.0.0.1:9/v1")
        without = time.process_time() - cpu
        _line("refs_batch_plan_ms_per_1k_chars", with_deid * 1000 / kchars, 25, higher_is_better=False,
              note=f"CPU time; {with_deid * 1000 / len(plan.items):.0f} ms per request of "
                   f"{kchars * 1000 / len(ids):.0f} chars; wall {wall * 1000 / kchars:.0f} ms per 1k chars on this "
                   f"shared machine; without de-identification {without * 1000 / kchars:.1f} ms per 1k chars")


def main() -> None:
    bench_deid()
    bench_english_and_leaks()
    bench_batch_plan()


if __name__ == "__main__":
    main()
