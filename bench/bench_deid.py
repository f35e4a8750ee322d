"""De-identification and batch references.

- ``deid_dev_strict_f1``: strict span micro F1 of the shipped pipeline on MEDDOCAN dev (goal
  0.95; the best MEDDOCAN 2019 system reached 0.9696 on test). Baseline beside it: the
  fixed-form rules alone, on the same documents.
- ``deid_chars_per_s``: throughput of ``find_phi`` (goal 50,000 characters/s on one core);
  baseline: the rules alone.
- ``refs_batch_plan_ms_per_1k_chars``: planning a batch of the demo records (de-identification,
  mapping stored, requests built) per 1,000 characters of record text, goal at most 25 ms;
  baseline: the same plan without de-identification.

Needs ``../shared/data/meddocan`` for the F1 lines (skipped with a note otherwise).
``CLINSUM_BENCH_QUICK=1`` uses 60 dev documents.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from clinsum.deid.brat import read_folder
from clinsum.deid.evaluate import evaluate
from clinsum.deid.pipeline import find_phi
from clinsum.deid.rules import rule_spans
from clinsum.deid.spans import remove_overlaps

QUICK = os.environ.get("CLINSUM_BENCH_QUICK") == "1"
MEDDOCAN_DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "meddocan" / "dev"


def _line(name: str, value: float, goal: float, higher_is_better: bool = True, note: str = "") -> None:
    ok = value >= goal if higher_is_better else value <= goal
    print(f"BENCH {name} {value:.4f} {goal} {'PASS' if ok else 'MISS'}" + (f"  # {note}" if note else ""))


def bench_deid() -> None:
    if not MEDDOCAN_DEV.is_dir():
        print("# deid_dev_strict_f1 skipped: ../shared/data/meddocan/dev is not here")
        texts = ["Nombre: Ana.\nApellidos: Ruiz Gil.\nNHC: 1234567.\nPaciente de 70 años. " * 40] * 20
    else:
        docs = read_folder(MEDDOCAN_DEV)[: 60 if QUICK else None]
        find_phi(docs[0].text)  # load the model outside the timing
        started = time.perf_counter()
        full = evaluate(docs, find_phi)["ALL"]
        full_s = time.perf_counter() - started
        rules = evaluate(docs, lambda t: remove_overlaps(rule_spans(t)))["ALL"]
        _line("deid_dev_strict_f1", full.f1, 0.95,
              note=f"P {full.precision:.4f} R {full.recall:.4f}; rules alone F1 {rules.f1:.4f}; {len(docs)} docs")
        texts = [d.text for d in docs]
        chars = sum(len(t) for t in texts)
        started = time.perf_counter()
        for t in texts:
            remove_overlaps(rule_spans(t))
        rules_s = time.perf_counter() - started
        _line("deid_chars_per_s", chars / full_s, 50000,
              note=f"rules alone {chars / max(rules_s, 1e-9):.0f} chars/s")


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
        started = time.perf_counter()
        plan = plan_batch(store, ids)
        with_deid = time.perf_counter() - started
        started = time.perf_counter()
        plan_batch(store, ids, deid=False)
        without = time.perf_counter() - started
        _line("refs_batch_plan_ms_per_1k_chars", with_deid * 1000 / kchars, 25, higher_is_better=False,
              note=f"{with_deid * 1000 / len(plan.items):.0f} ms per request of {kchars * 1000 / len(ids):.0f} chars;"
                   f" without de-identification {without * 1000 / kchars:.1f} ms per 1k chars")


def main() -> None:
    bench_deid()
    bench_batch_plan()


if __name__ == "__main__":
    main()
