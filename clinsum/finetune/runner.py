"""The training loop: LoRA/QLoRA with PEFT (or Unsloth on CUDA), checkpoints, stop and resume.

:class:`Trainer` is independent of the job system: it gets callbacks for its log, progress and
stop checks, so the ``finetune`` job (``clinsum.finetune.job``) and tests drive the same code.
Every optimizer step may be the last: on a stop request (or Ctrl-C) a checkpoint is written
and :class:`~clinsum.jobs.JobStopped` raised; ``run`` again resumes from the newest checkpoint
with the optimizer, scheduler, step and RNG state restored.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from clinsum.errors import ClinsumError, ConfigError
from clinsum.finetune import batches, checkpoints
from clinsum.finetune.config import FinetuneConfig
from clinsum.finetune.datasets import load_split
from clinsum.finetune.models import (
    cuda_available,
    folder_mb,
    load_tokenizer,
    model_source,
    unsloth_available,
)
from clinsum.jobs import JobStopped


class TrainingOutOfMemory(ClinsumError):
    """The model and a batch do not fit in memory; the hint says what to change."""

    exit_code = 7
    key = "error.oom"


def oom_advice(config: FinetuneConfig) -> str:
    """What to change after an out-of-memory error, most effective first."""
    tips = []
    if config.batch_size > 1:
        tips.append(f"a smaller batch (batch_size {config.batch_size} -> {max(1, config.batch_size // 2)}, "
                    f"raise grad_accum to keep the effective batch)")
    if config.max_seq_length > 256:
        tips.append(f"a shorter max length (max_seq_length {config.max_seq_length} -> {config.max_seq_length // 2})")
    if not config.load_in_4bit:
        tips.append("4-bit NF4 loading (load_in_4bit, needs CUDA)")
    if not config.gradient_checkpointing:
        tips.append("gradient checkpointing")
    tips.append("a smaller base model")
    return "Try " + "; ".join(tips) + "."


@dataclass
class Callbacks:
    log: Callable[..., None] = lambda **event: None
    progress: Callable[[int, int, str, float], None] = lambda step, total, message, elapsed: None
    should_stop: Callable[[], bool] = lambda: False


@dataclass
class TrainResult:
    adapter_path: Path
    results: dict[str, Any]
    model: Any = field(default=None, repr=False)
    tokenizer: Any = field(default=None, repr=False)


def choose_engine(config: FinetuneConfig) -> str:
    if config.engine == "unsloth" and not unsloth_available():
        raise ConfigError("The Unsloth engine needs an NVIDIA GPU (CUDA) and the unsloth package.",
                          hint="Choose the engine 'peft' (or 'auto'), or install clinsum[gpu] on a GPU machine.")
    if config.engine in ("auto", "unsloth") and unsloth_available():
        return "unsloth"
    return "peft"


class Trainer:
    """One training run of ``config`` on ``dataset`` (a row of ``finetune_datasets``) in ``out_dir``."""

    def __init__(self, config: FinetuneConfig, dataset: dict[str, Any], out_dir: Path,
                 callbacks: Callbacks | None = None) -> None:
        self.config = config.validated()
        self.dataset = dataset
        self.out_dir = Path(out_dir)
        self.cb = callbacks or Callbacks()
        self.ckpt_dir = self.out_dir / "checkpoints"
        self.peak_rss = 0.0

    # -- set-up ------------------------------------------------------------------------------
    def _notice(self, message: str) -> None:
        self.cb.log(event="notice", message=message)

    def _load_model(self, engine: str, device: str, adapter: str | None = None) -> tuple[Any, Any]:
        """The base model with LoRA attached: a new adapter, or (``adapter``, peft only) a trained
        one loaded trainable, to go on training it."""
        import torch

        cfg = self.config
        source = model_source(cfg.base_model)
        targets: Any = "all-linear" if "all-linear" in cfg.target_modules else list(cfg.target_modules)
        if engine == "unsloth":
            from unsloth import FastLanguageModel

            model, tokenizer = FastLanguageModel.from_pretrained(
                model_name=source, max_seq_length=cfg.max_seq_length, dtype=None, load_in_4bit=cfg.load_in_4bit)
            model = FastLanguageModel.get_peft_model(
                model, r=cfg.lora_r, target_modules=targets, lora_alpha=cfg.lora_alpha,
                lora_dropout=cfg.lora_dropout, bias="none", random_state=cfg.seed,
                use_gradient_checkpointing="unsloth" if cfg.gradient_checkpointing else False)
            if tokenizer.pad_token is None:
                tokenizer.pad_token = tokenizer.eos_token
            return model, tokenizer
        from peft import LoraConfig, get_peft_model
        from transformers import AutoModelForCausalLM

        tokenizer = load_tokenizer(cfg.base_model)
        kwargs: dict[str, Any] = {}
        quantized = False
        if cfg.load_in_4bit:
            if device == "cuda" and _has("bitsandbytes"):
                from transformers import BitsAndBytesConfig

                kwargs["quantization_config"] = BitsAndBytesConfig(
                    load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                    bnb_4bit_compute_dtype=torch.bfloat16)
                kwargs["device_map"] = {"": 0}
                quantized = True
            else:
                self._notice("4-bit NF4 needs CUDA and bitsandbytes; training in full precision instead.")
        if device == "cuda" and not quantized:
            kwargs["dtype"] = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        try:
            model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a clear message instead of a loader traceback
            raise ConfigError(f"Could not load the base model {cfg.base_model!r}: {exc}",
                              hint="Give the folder of a causal language model (config.json + weights).") from None
        if quantized:
            from peft import prepare_model_for_kbit_training

            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=cfg.gradient_checkpointing)
        elif cfg.gradient_checkpointing:
            model.gradient_checkpointing_enable()
            model.enable_input_require_grads()
        torch.manual_seed(cfg.seed)
        lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                          target_modules=targets, bias="none", task_type="CAUSAL_LM",
                          modules_to_save=list(cfg.modules_to_save) or None)
        try:
            if adapter:
                from peft import PeftModel

                model = PeftModel.from_pretrained(model, adapter, is_trainable=True)
            else:
                model = get_peft_model(model, lora)
        except ValueError as exc:
            raise ConfigError(f"LoRA could not be attached: {exc}",
                              hint="Check target_modules against the model's layer names, or use all-linear.") from None
        if not quantized:
            model.to(device)
        return model, tokenizer

    def _optimizer(self, model: Any, device: str) -> Any:
        import torch

        cfg = self.config
        params = [p for p in model.parameters() if p.requires_grad]
        if cfg.optimizer == "adamw_8bit":
            if device == "cuda" and _has("bitsandbytes"):
                import bitsandbytes as bnb

                return bnb.optim.AdamW8bit(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
            self._notice("adamw_8bit needs CUDA and bitsandbytes; using adamw_torch instead.")
        if cfg.optimizer == "sgd":
            return torch.optim.SGD(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay, momentum=0.9)
        return torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> TrainResult:
        try:
            return self._run()
        except TrainingOutOfMemory:
            raise
        except (MemoryError, RuntimeError) as exc:
            if isinstance(exc, MemoryError) or "out of memory" in str(exc).lower():
                raise TrainingOutOfMemory("Training ran out of memory.", hint=oom_advice(self.config)) from None
            raise

    def _run(self) -> TrainResult:
        import torch
        from transformers import get_scheduler

        cfg = self.config
        engine = choose_engine(cfg)
        device = "cuda" if cuda_available() else "cpu"
        model, tokenizer = self._load_model(engine, device)
        template = self.dataset.get("template") or "auto"
        train = batches.tokenize(load_split(self.dataset, "train"), tokenizer, template, cfg)
        val = batches.tokenize(load_split(self.dataset, "val"), tokenizer, template, cfg)
        if not train:
            raise ConfigError("The dataset has no training examples.", hint="Build a dataset with more references.")
        cut = sum(t.truncated for t in train + val)
        if cut:
            self._notice(f"{cut} example(s) longer than max_seq_length ({cfg.max_seq_length}) lost the start of their prompt.")
        plan = batches.step_plan(len(train), cfg)
        total = len(plan)
        optimizer = self._optimizer(model, device)
        scheduler = get_scheduler(cfg.lr_scheduler, optimizer, num_warmup_steps=cfg.warmup_steps,
                                  num_training_steps=total)
        trainable, all_params = model.get_nb_trainable_parameters()
        state: dict[str, Any] = {"step": 0, "elapsed_s": 0.0, "last_loss": None, "last_eval_loss": None,
                                 "peak_rss_mb": 0.0, "peak_vram_mb": 0.0}
        resumed = checkpoints.latest(self.ckpt_dir)
        if resumed is not None:
            state.update(checkpoints.load(resumed, model, optimizer, scheduler))
            self.cb.log(event="resume", step=state["step"], checkpoint=str(resumed))
        self.peak_rss = state["peak_rss_mb"]
        self.cb.log(event="setup", engine=engine, device=device, n_train=len(train), n_val=len(val),
                    total_steps=total, trainable_params=trainable, total_params=all_params,
                    trainable_pct=round(100 * trainable / all_params, 4), template=template)
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        session_start = time.monotonic()
        base_elapsed = state["elapsed_s"]
        start_step = state["step"]
        model.train()

        def elapsed() -> float:
            return base_elapsed + time.monotonic() - session_start

        def snapshot() -> Path:
            state["elapsed_s"] = round(elapsed(), 3)
            state["peak_rss_mb"], state["peak_vram_mb"] = self.peak_rss, _vram_peak()
            path = checkpoints.save(self.ckpt_dir, model, optimizer, scheduler, state)
            self.cb.log(event="checkpoint", step=state["step"], path=str(path))
            return path

        try:
            for step in range(start_step, total):
                t0 = time.monotonic()
                micro = [batches.collate([train[i] for i in idx], pad_id) for idx in plan[step]]
                n_tokens = sum(batches.n_target_tokens(b) for b in micro) or 1
                loss_sum = 0.0
                for batch in micro:
                    batch = {k: v.to(model.device) for k, v in batch.items()}
                    loss = _summed_loss(model, batch) / n_tokens
                    loss.backward()
                    loss_sum += float(loss.detach())
                torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                state["step"] = step + 1
                state["last_loss"] = loss_sum
                self.peak_rss = max(self.peak_rss, _rss_mb())
                done_here = state["step"] - start_step
                eta = (time.monotonic() - session_start) / done_here * (total - state["step"])
                if state["step"] % cfg.logging_steps == 0 or state["step"] == total:
                    self.cb.log(event="train", step=state["step"], total_steps=total,
                                epoch=round(state["step"] / batches.steps_per_epoch(len(train), cfg), 3),
                                loss=round(loss_sum, 5), lr=scheduler.get_last_lr()[0],
                                tokens_per_s=round(sum(int(b["attention_mask"].sum()) for b in micro)
                                                   / max(time.monotonic() - t0, 1e-6), 1),
                                elapsed_s=round(elapsed(), 2), eta_s=round(eta, 2),
                                rss_mb=round(_rss_mb(), 1), vram_mb=_vram_mb())
                if val and (state["step"] % cfg.eval_steps == 0 or state["step"] == total):
                    state["last_eval_loss"] = self._evaluate(model, val, pad_id)
                    self.cb.log(event="eval", step=state["step"], eval_loss=round(state["last_eval_loss"], 5),
                                perplexity=round(_perplexity(state["last_eval_loss"]), 4))
                self.cb.progress(state["step"], total, f"loss {loss_sum:.4f}", elapsed())
                if self.cb.should_stop() and state["step"] < total:
                    snapshot()
                    raise JobStopped
                if state["step"] % cfg.save_steps == 0 and state["step"] < total:
                    snapshot()
        except KeyboardInterrupt:
            snapshot()
            raise JobStopped from None
        if checkpoints.latest(self.ckpt_dir) is None or state["step"] > _ckpt_step(self.ckpt_dir):
            snapshot()
        return self._finish(model, tokenizer, state, engine, trainable, all_params, total)

    def _evaluate(self, model: Any, val: list[batches.Tokenized], pad_id: int) -> float:
        import torch

        model.eval()
        loss_sum, n_tokens = 0.0, 0
        with torch.no_grad():
            for i in range(0, len(val), self.config.batch_size):
                batch = batches.collate(val[i: i + self.config.batch_size], pad_id)
                n_tokens += batches.n_target_tokens(batch)
                batch = {k: v.to(model.device) for k, v in batch.items()}
                loss_sum += float(_summed_loss(model, batch))
        model.train()
        return loss_sum / max(n_tokens, 1)

    def _finish(self, model: Any, tokenizer: Any, state: dict[str, Any], engine: str,
                trainable: int, all_params: int, total: int) -> TrainResult:
        adapter_dir = self.out_dir / "adapter"
        model.save_pretrained(adapter_dir)
        tokenizer.save_pretrained(adapter_dir)
        base_mb = folder_mb(self.config.base_model)
        results = {
            "engine": engine,
            "steps": state["step"],
            "total_steps": total,
            "final_loss": state["last_loss"],
            "final_eval_loss": state["last_eval_loss"],
            "perplexity": None if state["last_eval_loss"] is None else _perplexity(state["last_eval_loss"]),
            "trainable_params": trainable,
            "total_params": all_params,
            "trainable_pct": round(100 * trainable / all_params, 4),
            "adapter_mb": folder_mb(adapter_dir),
            "base_mb": base_mb if base_mb is not None else round(all_params * 2 / 1e6, 1),
            "train_seconds": round(state["elapsed_s"], 2),
            "peak_rss_mb": round(max(self.peak_rss, state.get("peak_rss_mb") or 0), 1),
            "peak_vram_mb": _vram_peak() or state.get("peak_vram_mb") or 0.0,
        }
        self.cb.log(event="result", **results)
        return TrainResult(adapter_dir, results, model, tokenizer)


# -- helpers ---------------------------------------------------------------------------------
def _summed_loss(model: Any, batch: dict[str, Any]) -> Any:
    """Cross-entropy summed over the answer tokens of ``batch`` (next-token prediction)."""
    import torch.nn.functional as F

    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    logits = logits[:, :-1, :].float()
    labels = batch["labels"][:, 1:]
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1),
                           ignore_index=batches.IGNORE, reduction="sum")


def _perplexity(loss: float) -> float:
    return math.exp(min(loss, 50.0))


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


def _vram_mb() -> float:
    if not cuda_available():
        return 0.0
    import torch

    return round(torch.cuda.memory_allocated() / 1e6, 1)


def _vram_peak() -> float:
    if not cuda_available():
        return 0.0
    import torch

    return round(torch.cuda.max_memory_allocated() / 1e6, 1)


def _ckpt_step(folder: Path) -> int:
    found = checkpoints.latest(folder)
    return int(found.name.split("-")[1]) if found else -1


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
