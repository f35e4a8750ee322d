"""A tiny random-weight Llama and a tokenizer trained on a few sentences, saved to a folder.

Thin wrappers over :mod:`clinsum.finetune.tiny` (the library's demonstration-model builder):
loads with ``AutoTokenizer`` / ``AutoModelForCausalLM`` like any Hugging Face model, has a
ChatML chat template, and runs a forward pass in milliseconds on CPU.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clinsum.finetune import tiny
from clinsum.finetune.tiny import CHAT_TEMPLATE, SENTENCES, SPECIAL

__all__ = ["CHAT_TEMPLATE", "SENTENCES", "SPECIAL", "build_tiny_llama", "build_tokenizer"]


def build_tokenizer(extra_text: list[str] | None = None) -> Any:
    return tiny.build_tokenizer(extra_text, vocab_size=400)


def build_tiny_llama(folder: str | Path, seed: int = 0, extra_text: list[str] | None = None) -> Path:
    """Save a tokenizer and a random-weight LlamaForCausalLM (~100k parameters) to ``folder``."""
    return tiny.build_tiny_llama(folder, seed=seed, texts=extra_text, vocab_size=400)
