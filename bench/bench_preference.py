"""Preference tuning (DPO with TRL) on CPU with a tiny random-weight Llama (no weights downloaded).

- ``preference_accuracy_ratio``: held-out preference accuracy (the model finds the physicians'
  chosen summary likelier than the rejected one) after a DPO run with the tiny-cpu preset's
  defaults, divided by the same accuracy of the starting model, measured side by side on the
  same held-out pairs (goal: at least 1.6, i.e. from chance to above 0.8).
- ``preference_resume_equal``: 1 when a run stopped mid-way and resumed ends with the adapter of
  an uninterrupted run, bit for bit (goal: 1).

``CLINSUM_BENCH_QUICK=1`` skips the resume comparison.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

QUICK = os.environ.get("CLINSUM_BENCH_QUICK") == "1"


def _line(name: str, value: float, goal: float) -> None:
    print(f"BENCH {name} {value:.4f} {goal} {'PASS' if value >= goal else 'MISS'}")


def main() -> None:
    import torch
    from safetensors.torch import load_file

    from clinsum.finetune import preferences as pf
    from clinsum.finetune.dpo import PreferenceTrainer, preference_preset
    from clinsum.finetune.runner import Callbacks
    from clinsum.jobs import JobStopped
    from clinsum.store import Store
    from tests.fakes.preference_set import ANSWERS, build_preference_workspace
    from tests.fakes.tiny_llama import build_tiny_llama

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = build_tiny_llama(root / "tiny", extra_text=ANSWERS)
        store = Store.open(root / "ws")
        build_preference_workspace(store, 32, ties=2, split=2)
        dataset = pf.save(store, "prefs", pf.build(store, val_fraction=0.25))
        config = preference_preset("tiny-cpu", base_model=str(model), dataset=dataset["id"], eval_steps=20)
        result = PreferenceTrainer(config, dataset, root / "run").run().results
        before, after = result["preference_accuracy_before"], result["preference_accuracy_after"]
        print(f"held-out preference accuracy ({result['n_val_pairs']} pairs): before {before}, after {after}; "
              f"{result['steps']} steps in {result['train_seconds']} s")
        _line("preference_accuracy_ratio", after / max(before, 1e-9), 1.6)
        if QUICK:
            return
        short = config.with_values(max_steps=12, eval_steps=6)
        straight = PreferenceTrainer(short, dataset, root / "straight").run()
        steps: list[int] = []
        with contextlib.suppress(JobStopped):
            PreferenceTrainer(short, dataset, root / "stopped", Callbacks(
                progress=lambda s, *_: steps.append(s), should_stop=lambda: len(steps) >= 5)).run()
        resumed = PreferenceTrainer(short, dataset, root / "stopped").run()
        want = load_file(str(straight.adapter_path / "adapter_model.safetensors"))
        got = load_file(str(resumed.adapter_path / "adapter_model.safetensors"))
        equal = got.keys() == want.keys() and all(torch.equal(got[k], want[k]) for k in want)
        _line("preference_resume_equal", float(equal), 1.0)


if __name__ == "__main__":
    main()
