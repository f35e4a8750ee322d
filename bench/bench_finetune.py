"""Fine-tuning on CPU with a tiny random-weight Llama (no weights downloaded).

- ``finetune_eval_loss_ratio``: validation loss after a short LoRA run (tiny-cpu preset) divided
  by the validation loss of the untrained model, measured side by side (goal: at most 0.5).
- ``finetune_loop_efficiency``: time of a bare forward/backward/step loop over the same steps
  divided by the time of the full Trainer (logging, evaluation, checkpoints, resume state), so
  1.0 means no overhead (goal: at least 0.7).

``CLINSUM_BENCH_QUICK=1`` trains 20 steps instead of 60.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

QUICK = os.environ.get("CLINSUM_BENCH_QUICK") == "1"
ANSWERS = ["Diagnóstico: neumonía. Tratamiento: amoxicilina.",
           "Diagnóstico: insuficiencia cardiaca. Tratamiento: furosemida."]


def _line(name: str, value: float, goal: float, higher_is_better: bool) -> None:
    ok = value >= goal if higher_is_better else value <= goal
    print(f"BENCH {name} {value:.4f} {goal} {'PASS' if ok else 'MISS'}")


def _toy(n: int = 24) -> str:
    rows = [{"record_id": f"r{i}", "instruction": "Resume el informe.",
             "input": f"Paciente {i} con {'tos y fiebre' if i % 2 == 0 else 'disnea y edemas'}.",
             "output": ANSWERS[i % 2]} for i in range(n)]
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)


def main() -> None:
    import torch

    from clinsum.finetune import batches
    from clinsum.finetune import datasets as ds
    from clinsum.finetune.config import preset
    from clinsum.finetune.models import load_tokenizer
    from clinsum.finetune.runner import Trainer, _summed_loss
    from clinsum.store import Store
    from tests.fakes.tiny_llama import build_tiny_llama

    torch.set_num_threads(1)
    steps = 20 if QUICK else 60
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model_dir = build_tiny_llama(root / "tiny", extra_text=ANSWERS)
        store = Store.open(root / "ws")
        examples, _ = ds.examples_from_jsonl(_toy())
        built = ds.build(examples, load_tokenizer(str(model_dir)), val_fraction=0.25)
        dataset = ds.save_dataset(store, "toy", built, source="jsonl", base_model=str(model_dir), options={})
        config = preset("tiny-cpu", base_model=str(model_dir), dataset=dataset["id"], max_steps=steps,
                        eval_steps=10, save_steps=20)

        # baseline: the untrained model's validation loss, and a bare training loop
        trainer = Trainer(config, dataset, root / "bare")
        model, tokenizer = trainer._load_model("peft", "cpu")
        train = batches.tokenize(ds.load_split(dataset, "train"), tokenizer, dataset["template"], config)
        val = batches.tokenize(ds.load_split(dataset, "val"), tokenizer, dataset["template"], config)
        pad = tokenizer.pad_token_id
        untrained = trainer._evaluate(model, val, pad)
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.learning_rate)
        plan = batches.step_plan(len(train), config)
        started = time.perf_counter()
        for step in plan:
            micro = [batches.collate([train[i] for i in idx], pad) for idx in step]
            n = sum(batches.n_target_tokens(b) for b in micro)
            for b in micro:
                (_summed_loss(model, b) / n).backward()
            optimizer.step()
            optimizer.zero_grad()
        bare_s = time.perf_counter() - started

        result = Trainer(config, dataset, root / "full").run()
        _line("finetune_eval_loss_ratio", result.results["final_eval_loss"] / untrained, 0.5, False)
        _line("finetune_loop_efficiency", bare_s / result.results["train_seconds"], 0.7, True)


if __name__ == "__main__":
    main()
