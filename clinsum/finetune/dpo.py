"""Preference tuning with TRL: DPO (or IPO, DPO's squared loss) with LoRA/QLoRA on the SFT presets.

:class:`PreferenceTrainer` mirrors :class:`~clinsum.finetune.runner.Trainer`: the same model
loading (PEFT, 4-bit NF4 on CUDA, Unsloth where CUDA + unsloth exist), the same callbacks and
log events (``setup``, ``train``, ``eval``, ``checkpoint``, ``result``), so the page, the CLI
and tracking read both kinds alike. Training is TRL's ``DPOTrainer`` (no hand-written loss).
A stop request saves a checkpoint at the end of the current step and raises
:class:`~clinsum.jobs.JobStopped`; ``run`` again resumes from it (optimizer, scheduler, RNG and
data position restored by the Hugging Face trainer), ending with the same adapter.

Preference accuracy on the held-out pairs is measured with the model itself: the share of
pairs where it gives the physicians' chosen summary a higher log-likelihood than the rejected
one (ties count half). It is logged before training (step 0) and at every evaluation, beside
TRL's implicit-reward accuracy and margin.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinsum.errors import ConfigError
from clinsum.finetune.config import FinetuneConfig, preset
from clinsum.finetune.models import cuda_available, folder_mb
from clinsum.finetune.preferences import PreferencePair, load_pairs
from clinsum.finetune.runner import (
    Trainer,
    TrainResult,
    _has,
    _rss_mb,
    _vram_mb,
    _vram_peak,
    choose_engine,
)
from clinsum.finetune.templates import render, resolve_template
from clinsum.jobs import JobStopped

METHODS = {"dpo": "sigmoid", "ipo": "ipo"}   # method -> TRL loss_type (same DPOTrainer)
PREFERENCE_LR = 5e-5                          # LoRA DPO learning rate for the GPU presets
OPTIMIZERS = {"adamw_torch": "adamw_torch", "adamw_8bit": "adamw_bnb_8bit", "sgd": "sgd"}


@dataclass
class PreferenceConfig(FinetuneConfig):
    """A fine-tuning config plus what preference tuning adds."""

    name: str = "preference"
    method: str = "dpo"                  # dpo | ipo
    beta: float = 0.1                    # how far the tuned model may move from the reference
    start_adapter: str = ""              # an SFT adapter (folder, id or name) to start from, the reference

    def validated(self) -> PreferenceConfig:
        super().validated()
        if self.method not in METHODS:
            raise ConfigError(f"Invalid preference configuration: method must be one of {', '.join(METHODS)}.",
                              hint="DPO is the usual choice.")
        if self.beta <= 0:
            raise ConfigError("Invalid preference configuration: beta must be positive.",
                              hint="0.1 is the usual value.")
        if self.start_adapter and Path(self.start_adapter).is_dir() and not (
                Path(self.start_adapter) / "adapter_config.json").is_file():
            raise ConfigError(f"The adapter folder {self.start_adapter} holds no adapter.",
                              hint="Choose a registered adapter, or none to start from the base model.")
        return self


def preference_preset(name: str, /, *, workspace: str | Path | None = None, **overrides: Any) -> PreferenceConfig:
    """Preset ``name`` for preference tuning: the SFT values, a DPO learning rate (not for tiny-cpu)."""
    extra = {k: overrides.pop(k) for k in ("method", "beta", "start_adapter") if k in overrides}
    if name != "tiny-cpu":
        overrides.setdefault("learning_rate", PREFERENCE_LR)
    overrides.setdefault("name", "preference")
    base = preset(name, workspace=workspace, **overrides)
    return PreferenceConfig.from_dict({**base.to_dict(), **extra})


def load_preference_config(path: str | Path, workspace: str | Path | None = None) -> PreferenceConfig:
    """A preference config from a ``.json`` / ``.toml`` file (``preset = "..."`` starts from a preset)."""
    from clinsum.finetune.config import load_config

    path = Path(path)
    data: dict[str, Any] = {}
    if path.is_file():
        import tomllib

        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path.name} is not valid: {exc}") from None
        data = dict(data.get("finetune", data))
    else:
        load_config(path, workspace)  # the usual "no configuration file" error
    start = data.pop("preset", None)
    if start:
        return preference_preset(start, workspace=workspace, **data)
    return PreferenceConfig.from_dict(data)


# -- data --------------------------------------------------------------------------------------
def render_pair(pair: PreferencePair, tokenizer: Any, template: str) -> dict[str, str]:
    """Prompt text and the two completions, in the chat template SFT uses."""
    prompt, full = render([*pair.messages, {"role": "assistant", "content": pair.chosen}], tokenizer, template)
    _, full_rejected = render([*pair.messages, {"role": "assistant", "content": pair.rejected}], tokenizer, template)
    return {"prompt": prompt, "chosen": full[len(prompt):].rstrip(), "rejected": full_rejected[len(prompt):].rstrip()}


def fit_prompt(row: dict[str, str], tokenizer: Any, max_length: int) -> tuple[dict[str, str], bool]:
    """``row`` with the prompt's start cut so prompt + the longer answer fit (the answers stay whole)."""
    answer = max(len(tokenizer(row[k], add_special_tokens=False)["input_ids"]) for k in ("chosen", "rejected"))
    ids = tokenizer(row["prompt"], add_special_tokens=False)["input_ids"]
    room = max(max_length - answer - 1, 8)
    if len(ids) <= room:
        return row, False
    return {**row, "prompt": tokenizer.decode(ids[-room:])}, True


def sequence_logp(model: Any, tokenizer: Any, prompt: str, completion: str) -> float:
    """Sum of the log-probabilities of ``completion``'s tokens after ``prompt``."""
    import torch

    p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    c_ids = tokenizer(completion, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([p_ids + c_ids], device=model.device)
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0, :-1].float()
    logps = torch.log_softmax(logits, dim=-1)
    targets = ids[0, 1:]
    picked = logps.gather(1, targets.unsqueeze(1)).squeeze(1)
    return float(picked[len(p_ids) - 1:].sum())


def preference_accuracy(model: Any, tokenizer: Any, rows: list[dict[str, str]]) -> float | None:
    """Share of ``rows`` where ``model`` finds ``chosen`` likelier than ``rejected`` (ties: half)."""
    if not rows:
        return None
    was_training = model.training
    model.eval()
    score = 0.0
    for row in rows:
        chosen = sequence_logp(model, tokenizer, row["prompt"], row["chosen"])
        rejected = sequence_logp(model, tokenizer, row["prompt"], row["rejected"])
        score += 1.0 if chosen > rejected else 0.5 if chosen == rejected else 0.0
    if was_training:
        model.train()
    return round(score / len(rows), 4)


# -- the trainer -------------------------------------------------------------------------------
class PreferenceTrainer(Trainer):
    """One preference-tuning run of ``config`` on a preference ``dataset`` in ``out_dir``."""

    config: PreferenceConfig

    def _engine(self) -> str:
        engine = choose_engine(self.config)
        if engine == "unsloth" and self.config.start_adapter:
            self._notice("Starting from an SFT adapter uses the PEFT engine (Unsloth loads new adapters only).")
            return "peft"
        if engine == "unsloth":
            try:
                from unsloth import PatchDPOTrainer

                PatchDPOTrainer()
            except Exception as exc:  # noqa: BLE001 - any Unsloth failure falls back to PEFT, said plainly
                self._notice(f"Unsloth could not prepare DPO training ({exc}); using the PEFT engine instead.")
                return "peft"
        return engine

    def _rows(self, split: str, tokenizer: Any, template: str) -> tuple[list[dict[str, str]], int]:
        rows, cut = [], 0
        for pair in load_pairs(self.dataset, split):
            row, was_cut = fit_prompt(render_pair(pair, tokenizer, template), tokenizer, self.config.max_seq_length)
            rows.append(row)
            cut += was_cut
        return rows, cut

    def _run(self) -> TrainResult:
        from datasets import Dataset, disable_progress_bars
        from trl import DPOConfig, DPOTrainer

        disable_progress_bars()

        cfg = self.config
        engine = self._engine()
        device = "cuda" if cuda_available() else "cpu"
        model, tokenizer = self._load_model(engine, device, adapter=cfg.start_adapter or None)
        template = resolve_template(tokenizer, self.dataset.get("template") or "auto")
        train, cut_train = self._rows("train", tokenizer, template)
        val, cut_val = self._rows("val", tokenizer, template)
        if not train:
            raise ConfigError("The preference dataset has no training pairs.",
                              hint="Build it again with a looser rule or more judgements.")
        if cut_train + cut_val:
            self._notice(f"{cut_train + cut_val} pair(s) longer than max_seq_length ({cfg.max_seq_length}) "
                         "lost the start of their prompt.")
        ckpt = _latest_hf_checkpoint(self.ckpt_dir)
        baseline = self._baseline(model, tokenizer, val, resumed=ckpt is not None)
        args = DPOConfig(**self._args(device))
        callback = _Bridge(self, val, tokenizer)

        def make(model: Any) -> Any:
            return DPOTrainer(model=model, args=args, train_dataset=Dataset.from_list(train),
                              eval_dataset=Dataset.from_list(val) if val else None, processing_class=tokenizer,
                              callbacks=[callback])

        try:
            trainer = make(model)
        except Exception as exc:  # noqa: BLE001 - Unsloth's model refused by TRL: PEFT instead, said plainly
            if engine != "unsloth":
                raise
            self._notice(f"TRL could not train the Unsloth model ({exc}); using the PEFT engine instead.")
            engine = "peft"
            model, tokenizer = self._load_model(engine, device, adapter=cfg.start_adapter or None)
            trainer = make(model)
        _quiet(trainer)
        callback.total = trainer.args.max_steps if trainer.args.max_steps > 0 else None
        trainable, all_params = model.get_nb_trainable_parameters()
        if ckpt is not None:
            callback.restore(ckpt)
            self.cb.log(event="resume", step=int(ckpt.name.split("-")[1]), checkpoint=str(ckpt))
        self.cb.log(event="setup", engine=engine, device=device, method=cfg.method, beta=cfg.beta,
                    n_train=len(train), n_val=len(val), total_steps=_planned_steps(trainer, len(train)),
                    trainable_params=trainable, total_params=all_params,
                    trainable_pct=round(100 * trainable / all_params, 4), template=template,
                    start_adapter=cfg.start_adapter or None)
        try:
            trainer.train(resume_from_checkpoint=str(ckpt) if ckpt else None)
        except KeyboardInterrupt:
            trainer._save_checkpoint(trainer.model, None)
            raise JobStopped from None
        if callback.stopped:
            raise JobStopped
        step = trainer.state.global_step
        if val and callback.last_eval_step != step:
            trainer.evaluate()
        return self._finish_preference(trainer, tokenizer, callback, baseline, engine, trainable, all_params)

    def _args(self, device: str) -> dict[str, Any]:
        import torch

        cfg = self.config
        optim = OPTIMIZERS[cfg.optimizer]
        if optim == "adamw_bnb_8bit" and not (device == "cuda" and _has("bitsandbytes")):
            self._notice("adamw_8bit needs CUDA and bitsandbytes; using adamw_torch instead.")
            optim = "adamw_torch"
        bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
        return dict(
            output_dir=str(self.ckpt_dir), loss_type=[METHODS[cfg.method]], beta=cfg.beta,
            learning_rate=cfg.learning_rate, lr_scheduler_type=cfg.lr_scheduler, warmup_steps=cfg.warmup_steps,
            max_steps=cfg.max_steps if cfg.max_steps > 0 else -1, num_train_epochs=cfg.epochs,
            per_device_train_batch_size=cfg.batch_size, per_device_eval_batch_size=cfg.batch_size,
            gradient_accumulation_steps=cfg.grad_accum, max_length=None, weight_decay=cfg.weight_decay,
            optim=optim, seed=cfg.seed, data_seed=cfg.seed, logging_steps=cfg.logging_steps,
            eval_strategy="steps", eval_steps=cfg.eval_steps, save_strategy="steps", save_steps=cfg.save_steps,
            save_total_limit=2, report_to=[], disable_tqdm=True, log_level="warning", use_cpu=device == "cpu",
            bf16=bf16, fp16=device == "cuda" and not bf16, gradient_checkpointing=cfg.gradient_checkpointing,
            dataloader_num_workers=0, max_grad_norm=1.0, save_only_model=False,
        )

    def _baseline(self, model: Any, tokenizer: Any, val: list[dict[str, str]], resumed: bool) -> float | None:
        """Held-out preference accuracy of the starting model (measured once, kept for resumes)."""
        path = self.out_dir / "baseline.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))["preference_accuracy"]
        accuracy = preference_accuracy(model, tokenizer, val)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"preference_accuracy": accuracy}), encoding="utf-8")
        if not resumed:
            self.cb.log(event="eval", step=0, preference_accuracy=accuracy, reward_accuracy=None,
                        reward_margin=None, eval_loss=None)
        return accuracy

    def _finish_preference(self, trainer: Any, tokenizer: Any, callback: _Bridge, baseline: float | None,
                           engine: str, trainable: int, all_params: int) -> TrainResult:
        model = trainer.model
        adapter_dir = self.out_dir / "adapter"
        model.save_pretrained(adapter_dir, selected_adapters=["default"])
        tokenizer.save_pretrained(adapter_dir)
        base_mb = folder_mb(self.config.base_model)
        last_eval = callback.last_eval or {}
        results = {
            "kind": "preference", "method": self.config.method, "beta": self.config.beta, "engine": engine,
            "steps": trainer.state.global_step, "total_steps": trainer.state.max_steps,
            "final_loss": callback.last_loss, "final_eval_loss": last_eval.get("eval_loss"), "perplexity": None,
            "preference_accuracy_before": baseline,
            "preference_accuracy_after": last_eval.get("preference_accuracy"),
            "reward_accuracy": last_eval.get("reward_accuracy"), "reward_margin": last_eval.get("reward_margin"),
            "n_val_pairs": callback.n_val, "start_adapter": self.config.start_adapter or None,
            "trainable_params": trainable, "total_params": all_params,
            "trainable_pct": round(100 * trainable / all_params, 4),
            "adapter_mb": folder_mb(adapter_dir),
            "base_mb": base_mb if base_mb is not None else round(all_params * 2 / 1e6, 1),
            "train_seconds": round(callback.elapsed(), 2),
            "peak_rss_mb": round(self.peak_rss, 1), "peak_vram_mb": _vram_peak() or callback.peak_vram,
        }
        self.cb.log(event="result", **results)
        return TrainResult(adapter_dir, results, model, tokenizer)


def _quiet(trainer: Any) -> None:
    """No progress bars or printed log lines (the job log is the record)."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    for kind in (PrinterCallback, ProgressCallback):
        trainer.remove_callback(kind)


def _latest_hf_checkpoint(folder: Path) -> Path | None:
    found = [p for p in folder.glob("checkpoint-*") if p.is_dir() and (p / "trainer_state.json").is_file()]
    return max(found, key=lambda p: int(p.name.split("-")[1]), default=None)


def _planned_steps(trainer: Any, n_train: int) -> int:
    import math

    args = trainer.args
    if args.max_steps > 0:
        return args.max_steps
    per_epoch = max(1, math.ceil(math.ceil(n_train / args.per_device_train_batch_size)
                                 / args.gradient_accumulation_steps))
    return max(1, math.ceil(per_epoch * args.num_train_epochs))


STATE_FILE = "clinsum_state.json"


def _bridge_base() -> type:
    from transformers import TrainerCallback

    return TrainerCallback


class _Bridge(_bridge_base()):  # type: ignore[misc]
    """Hugging Face trainer events -> clinsum's log, progress and stop checks."""

    def __init__(self, owner: PreferenceTrainer, val: list[dict[str, str]], tokenizer: Any) -> None:
        self.owner, self.val, self.tokenizer = owner, val, tokenizer
        self.n_val = len(val)
        self.total: int | None = None
        self.stopped = False
        self.last_loss: float | None = None
        self.last_eval: dict[str, Any] | None = None
        self.last_eval_step = -1
        self.base_elapsed = 0.0
        self.peak_vram = 0.0
        self.session_start = time.monotonic()
        self.start_step = 0
        self.last_tokens: float | None = None
        self.last_time = time.monotonic()

    def elapsed(self) -> float:
        return self.base_elapsed + time.monotonic() - self.session_start

    def restore(self, checkpoint: Path) -> None:
        state = checkpoint / STATE_FILE
        if state.is_file():
            data = json.loads(state.read_text(encoding="utf-8"))
            self.base_elapsed = data.get("elapsed_s", 0.0)
            self.owner.peak_rss = max(self.owner.peak_rss, data.get("peak_rss_mb", 0.0))
            self.peak_vram = data.get("peak_vram_mb", 0.0)
        self.start_step = int(checkpoint.name.split("-")[1])

    def on_train_begin(self, args, state, control, **kwargs):  # noqa: ANN001 - Hugging Face signature
        self.session_start = self.last_time = time.monotonic()
        self.last_tokens = 0.0 if state.global_step == 0 else None
        self.total = state.max_steps

    def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ANN001
        logs = logs or {}
        if "loss" not in logs:
            return
        step, total = state.global_step, state.max_steps
        done_here = max(step - self.start_step, 1)
        eta = (time.monotonic() - self.session_start) / done_here * (total - step)
        self.last_loss = round(float(logs["loss"]), 5)
        now, tokens = time.monotonic(), logs.get("num_tokens")
        speed = None
        if tokens is not None and self.last_tokens is not None and now > self.last_time:
            speed = round((float(tokens) - self.last_tokens) / (now - self.last_time), 1)
        self.last_tokens, self.last_time = (None if tokens is None else float(tokens)), now
        self.owner.peak_rss = max(self.owner.peak_rss, _rss_mb())
        self.owner.cb.log(event="train", step=step, total_steps=total, epoch=round(float(state.epoch or 0), 3),
                          loss=self.last_loss, reward_margin=_num(logs.get("rewards/margins")),
                          reward_accuracy=_num(logs.get("rewards/accuracies")), lr=logs.get("learning_rate"),
                          tokens_per_s=speed, elapsed_s=round(self.elapsed(), 2), eta_s=round(eta, 2),
                          rss_mb=round(_rss_mb(), 1), vram_mb=_vram_mb())

    def on_evaluate(self, args, state, control, metrics=None, model=None, **kwargs):  # noqa: ANN001
        metrics = metrics or {}
        row = {"step": state.global_step, "eval_loss": _num(metrics.get("eval_loss")),
               "reward_margin": _num(metrics.get("eval_rewards/margins")),
               "reward_accuracy": _num(metrics.get("eval_rewards/accuracies")),
               "preference_accuracy": preference_accuracy(model, self.tokenizer, self.val) if model is not None
               else None}
        self.last_eval, self.last_eval_step = row, state.global_step
        self.owner.cb.log(event="eval", **row)

    def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001
        self.owner.cb.progress(state.global_step, state.max_steps, f"loss {self.last_loss or 0:.4f}",
                               self.elapsed())
        if self.owner.cb.should_stop() and state.global_step < state.max_steps:
            self.stopped = True
            control.should_save = True
            control.should_training_stop = True

    def on_save(self, args, state, control, **kwargs):  # noqa: ANN001
        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if folder.is_dir():
            data = {"elapsed_s": round(self.elapsed(), 3), "peak_rss_mb": self.owner.peak_rss,
                    "peak_vram_mb": _vram_peak()}
            (folder / STATE_FILE).write_text(json.dumps(data), encoding="utf-8")
        self.owner.cb.log(event="checkpoint", step=state.global_step, path=str(folder))


def _num(value: Any) -> float | None:
    return None if value is None else round(float(value), 5)
