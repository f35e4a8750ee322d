"""Loading base models and tokenizers for training and export (heavy imports stay inside)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from clinsum.errors import ConfigError


def cuda_available() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken torch install means no CUDA
        return False


def unsloth_available() -> bool:
    """True where CUDA and the unsloth package are both present."""
    import importlib.util

    return cuda_available() and importlib.util.find_spec("unsloth") is not None


def _unreachable(base_model: str, exc: Exception) -> ConfigError:
    local = Path(base_model).expanduser()
    if local.exists():
        return ConfigError(f"The folder {local} does not hold a usable model or tokenizer ({exc}).",
                           hint="Point to a folder with config.json, the weights and the tokenizer files.")
    return ConfigError(
        f"The base model {base_model!r} is neither a local folder nor reachable on the Hugging Face hub.",
        hint="Download the model to a folder on this machine and give its path.",
    )


@lru_cache(maxsize=8)
def load_tokenizer(base_model: str) -> Any:
    """The tokenizer of ``base_model`` (local folder, or hub id where reachable); cached."""
    if not base_model:
        raise ConfigError("No base model chosen.", hint="Give the folder of a local model.")
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(Path(base_model).expanduser())
                                                  if Path(base_model).expanduser().exists() else base_model)
    except Exception as exc:  # noqa: BLE001 - any loading failure becomes a clear message
        raise _unreachable(base_model, exc) from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def model_source(base_model: str) -> str:
    path = Path(base_model).expanduser()
    return str(path) if path.exists() else base_model


def folder_mb(path: str | Path) -> float | None:
    """Size of the weight files in a local folder, in MB (None for a hub id)."""
    path = Path(path).expanduser()
    if not path.is_dir():
        return None
    weights = [p for p in path.rglob("*") if p.is_file() and p.suffix in (".safetensors", ".bin", ".pt", ".gguf")]
    return round(sum(p.stat().st_size for p in weights) / 1e6, 3)
