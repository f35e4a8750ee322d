"""The configuration of a fine-tuning job: every knob, presets, files (JSON/TOML), command preview."""

from __future__ import annotations

import json
import shlex
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from clinsum.errors import ConfigError
from clinsum.finetune.tiny import TINY_NAME

LLAMA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
SCHEDULERS = ("linear", "cosine", "constant", "constant_with_warmup")
OPTIMIZERS = ("adamw_torch", "adamw_8bit", "sgd")
ENGINES = ("auto", "peft", "unsloth")
CHOICES = {"engine": ENGINES, "lr_scheduler": SCHEDULERS, "optimizer": OPTIMIZERS}


@dataclass
class FinetuneConfig:
    """One LoRA/QLoRA training run. ``epochs`` counts unless ``max_steps`` is set (> 0)."""

    name: str = "adapter"
    base_model: str = ""                 # a local folder, or a hub id where reachable
    dataset: str = ""                    # a dataset id, or NAME / NAME@VERSION
    engine: str = "auto"                 # auto: unsloth where CUDA + unsloth, else peft
    load_in_4bit: bool = False           # NF4 quantization (CUDA + bitsandbytes)
    lora_r: int = 16
    lora_alpha: int = 16
    lora_dropout: float = 0.0
    target_modules: list[str] = field(default_factory=lambda: list(LLAMA_TARGETS))
    modules_to_save: list[str] = field(default_factory=list)  # trained in full, e.g. lm_head
    learning_rate: float = 2e-4
    lr_scheduler: str = "linear"
    warmup_steps: int = 5
    epochs: float = 1.0
    max_steps: int = 0
    batch_size: int = 2
    grad_accum: int = 4
    max_seq_length: int = 1024
    weight_decay: float = 0.01
    optimizer: str = "adamw_torch"
    seed: int = 3407
    eval_steps: int = 10
    save_steps: int = 50
    logging_steps: int = 1
    train_on_responses_only: bool = True
    gradient_checkpointing: bool = False

    # -- conversion ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FinetuneConfig:
        """A config from a dict; unknown keys are an error (a typo must not pass silently)."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(
                f"Unknown fine-tuning option(s): {', '.join(unknown)}.",
                hint=f"Known options: {', '.join(known)}.",
            )
        values: dict[str, Any] = {}
        defaults = cls()
        for key, value in data.items():
            default = getattr(defaults, key)
            values[key] = _coerce(key, value, default)
        for key in ("target_modules", "modules_to_save"):
            if isinstance(values.get(key), str):
                values[key] = [m.strip() for m in values[key].split(",") if m.strip()]
        return cls(**values).validated()

    def validated(self) -> FinetuneConfig:
        """This config if every value makes sense, else a ConfigError naming the bad one."""
        problems = []
        if self.engine not in ENGINES:
            problems.append(f"engine must be one of {', '.join(ENGINES)}")
        if self.lr_scheduler not in SCHEDULERS:
            problems.append(f"lr_scheduler must be one of {', '.join(SCHEDULERS)}")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        for key in ("lora_r", "lora_alpha", "batch_size", "grad_accum", "max_seq_length",
                    "eval_steps", "save_steps", "logging_steps"):
            if getattr(self, key) < 1:
                problems.append(f"{key} must be at least 1")
        if not 0 <= self.lora_dropout < 1:
            problems.append("lora_dropout must be in [0, 1)")
        if self.learning_rate <= 0:
            problems.append("learning_rate must be positive")
        if self.max_steps <= 0 and self.epochs <= 0:
            problems.append("set epochs > 0 or max_steps > 0")
        if self.warmup_steps < 0 or self.weight_decay < 0:
            problems.append("warmup_steps and weight_decay cannot be negative")
        if not self.target_modules:
            problems.append("target_modules cannot be empty (use all-linear for every linear layer)")
        if problems:
            raise ConfigError("Invalid fine-tuning configuration: " + "; ".join(problems) + ".",
                              hint="Correct the values and try again.")
        return self

    def with_values(self, **changes: Any) -> FinetuneConfig:
        return replace(self, **changes).validated()


def _coerce(key: str, value: Any, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on", "sí", "si")
            return bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, list):
            return value if isinstance(value, (list, str)) else list(value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"Option {key} has the wrong type: {value!r}.",
                          hint=f"Expected something like {default!r}.") from None


# -- presets -------------------------------------------------------------------------------
PRESETS: dict[str, dict[str, Any]] = {
    "llama3.2-3b-unsloth-4bit": {
        "description": "Llama 3.2 3B Instruct, Unsloth 4-bit LoRA: batch 2 x grad accum 4, 1 epoch "
                       "(the study's distillation run: 24.3M trainable parameters, 0.81%).",
        "config": {
            "base_model": "unsloth/Llama-3.2-3B-Instruct-bnb-4bit", "engine": "auto",
            "load_in_4bit": True, "lora_r": 16, "lora_alpha": 16, "lora_dropout": 0.0,
            "epochs": 1.0, "batch_size": 2, "grad_accum": 4, "learning_rate": 2e-4,
            "warmup_steps": 5, "max_seq_length": 2048, "optimizer": "adamw_8bit",
            "weight_decay": 0.01, "lr_scheduler": "linear", "gradient_checkpointing": True,
        },
    },
    "qwen2.5-0.5b-unsloth": {
        "description": "Qwen2.5 0.5B Instruct, Unsloth: 3 epochs, batch 4, lr 2e-4, r 16, alpha 16, "
                       "dropout 0, max length 1024, grad accum 2, warmup 5, wd 0.01, adamw_8bit, ChatML.",
        "config": {
            "base_model": "Qwen/Qwen2.5-0.5B-Instruct", "engine": "auto", "load_in_4bit": False,
            "epochs": 3.0, "batch_size": 4, "learning_rate": 2e-4, "lora_r": 16, "lora_alpha": 16,
            "lora_dropout": 0.0, "max_seq_length": 1024, "grad_accum": 2, "warmup_steps": 5,
            "weight_decay": 0.01, "optimizer": "adamw_8bit", "lr_scheduler": "linear",
        },
    },
    "mistral-7b-nf4": {
        "description": "Mistral 7B Instruct, NF4 QLoRA: r 32, alpha 64, dropout 0.05; train and "
                       "validation loss every step, perplexity.",
        "config": {
            "base_model": "mistralai/Mistral-7B-Instruct-v0.3", "engine": "peft",
            "load_in_4bit": True, "lora_r": 32, "lora_alpha": 64, "lora_dropout": 0.05,
            "epochs": 1.0, "batch_size": 1, "grad_accum": 8, "learning_rate": 2e-4,
            "warmup_steps": 10, "max_seq_length": 2048, "eval_steps": 1, "optimizer": "adamw_torch",
            "lr_scheduler": "cosine", "gradient_checkpointing": True,
        },
    },
    "tiny-cpu": {
        "description": "A tiny local model on CPU, to try the whole workflow in minutes (also trains "
                       "the output layer, so even a tiny random-weight model learns visibly). Base model: "
                       "the workspace's tiny demonstration model (models/tiny-demo) when it exists.",
        "workspace_model": f"models/{TINY_NAME}",
        "config": {
            "engine": "peft", "load_in_4bit": False, "lora_r": 16, "lora_alpha": 32,
            "lora_dropout": 0.0, "max_steps": 60, "epochs": 1.0, "batch_size": 2, "grad_accum": 1,
            "modules_to_save": ["lm_head"], "learning_rate": 1e-2, "warmup_steps": 2, "max_seq_length": 512, "eval_steps": 5,
            "save_steps": 20, "optimizer": "adamw_torch", "lr_scheduler": "linear",
        },
    },
}


def preset(preset_name: str, /, *, workspace: str | Path | None = None, **overrides: Any) -> FinetuneConfig:
    """The config of preset ``preset_name`` with ``overrides`` applied.

    With ``workspace``, a preset naming a ``workspace_model`` folder (tiny-cpu: the tiny
    demonstration model) uses it as base model when it exists there.
    """
    if preset_name not in PRESETS:
        raise ConfigError(f"Unknown preset {preset_name!r}.", hint=f"Presets: {', '.join(PRESETS)}.")
    values = dict(PRESETS[preset_name]["config"])
    local = PRESETS[preset_name].get("workspace_model")
    if workspace is not None and local and (Path(workspace) / local / "config.json").is_file():
        values["base_model"] = str(Path(workspace) / local)
    return FinetuneConfig.from_dict({**values, **overrides})


# -- files ---------------------------------------------------------------------------------
def load_config(path: str | Path, workspace: str | Path | None = None) -> FinetuneConfig:
    """A config from a ``.json`` or ``.toml`` file (a ``preset = "..."`` key starts from a preset,
    resolved in ``workspace``, see :func:`preset`)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"No configuration file {path}.",
                          hint="Write one with `clinsum finetune presets --write NAME FILE`.")
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path.name} is not valid {path.suffix.lstrip('.').upper() or 'JSON'}: {exc}") from None
    data = dict(data.get("finetune", data))
    start = data.pop("preset", None)
    return preset(start, workspace=workspace, **data) if start else FinetuneConfig.from_dict(data)


def save_config(config: FinetuneConfig, path: str | Path) -> Path:
    """Write ``config`` as TOML (``.toml``) or JSON (anything else)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".toml":
        path.write_text(to_toml(config.to_dict()), encoding="utf-8")
    else:
        path.write_text(json.dumps(config.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def to_toml(data: dict[str, Any]) -> str:
    """Flat TOML for the value types a config holds (str, int, float, bool, list of str)."""
    lines = []
    for key, value in data.items():
        if value is None:
            continue
        lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def command_preview(config_path: str | Path, workspace: str | Path | None = None, detach: bool = True) -> str:
    """The shell command that runs this configuration."""
    parts = ["clinsum"]
    if workspace:
        parts += ["--workspace", str(workspace)]
    parts += ["finetune", "run", str(config_path)]
    if detach:
        parts.append("--detach")
    return shlex.join(parts)
