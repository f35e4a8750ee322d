"""A tiny demonstration model: a random-weight Llama and a BPE tokenizer, saved to a folder.

This is NOT a language model. Its weights are random, so before fine-tuning it writes
gibberish, and after fine-tuning it knows only what it was trained on. It exists so that
the whole fine-tuning flow (dataset -> job -> loss curves -> adapter -> summary) can be
tried on a CPU in minutes where no real model can be downloaded.

The tokenizer is trained on the workspace's records and reference summaries (plus a few
built-in clinical sentences), has a ChatML chat template, and the folder loads with
``AutoTokenizer`` / ``AutoModelForCausalLM`` like any Hugging Face model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clinsum.store import Store

SENTENCES = [
    "Paciente varón de 68 años con insuficiencia cardiaca.",
    "Ingresa por disnea y edemas en miembros inferiores.",
    "Se pauta furosemida 40 mg cada 12 horas.",
    "Evolución favorable, alta a domicilio.",
    "Diagnóstico principal: insuficiencia cardiaca descompensada.",
    "Resumen: paciente con neumonía tratada con amoxicilina.",
    "The patient was admitted with chest pain and discharged home.",
    "Plan: control en consultas externas en un mes.",
]

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL = ["<pad>", "<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]

TINY_NAME = "tiny-demo"
MARKER = "clinsum_tiny.json"  # written next to the weights: says what this folder is
WORKSPACE_VOCAB = 1000
README = """# Tiny demonstration model (random weights)

Built by clinsum (`clinsum finetune tiny-model`) to try the fine-tuning flow on a CPU.
Its weights are random: it knows no language and no medicine. After fine-tuning it
reproduces only what it was trained on. Do not use it to summarize real records.
"""


def models_dir(root: str | Path) -> Path:
    """``<workspace>/models``: where local base models of a workspace live."""
    return Path(root) / "models"


def default_tiny_dir(root: str | Path) -> Path:
    """``<workspace>/models/tiny-demo``."""
    return models_dir(root) / TINY_NAME


def local_models(root: str | Path) -> list[str]:
    """Model folders (with a ``config.json``) directly under ``<workspace>/models``, sorted."""
    folder = models_dir(root)
    if not folder.is_dir():
        return []
    return sorted(str(p.parent) for p in folder.glob("*/config.json"))


def is_tiny(folder: str | Path) -> bool:
    """True for a folder made by :func:`build_tiny_llama` / :func:`create_tiny_model`."""
    return (Path(folder) / MARKER).is_file()


def is_tiny_output(backend: str | None, model: str | None) -> bool:
    """True when a summary came from the tiny random-weight model (its text means nothing:
    the pages label it as demonstration output)."""
    if backend != "transformers" or not model:
        return False
    try:
        return is_tiny(model)
    except OSError:
        return False


def workspace_texts(store: Store, max_chars: int = 2_000_000) -> list[str]:
    """The workspace's record texts and reference summaries (up to ``max_chars`` in all)."""
    rows = store.fetch_dicts("SELECT text FROM records ORDER BY id")
    rows += store.fetch_dicts("SELECT text FROM reference_summaries ORDER BY record_id, version")
    texts, total = [], 0
    for row in rows:
        text = row["text"] or ""
        if total + len(text) > max_chars:
            break
        texts.append(text)
        total += len(text)
    return texts


def build_tokenizer(texts: list[str] | None = None, vocab_size: int = 400) -> Any:
    """A byte-level BPE tokenizer trained on :data:`SENTENCES` + ``texts``, with ChatML."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(SENTENCES + list(texts or []), trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="<|im_end|>", unk_token="<unk>",
        pad_token="<pad>", additional_special_tokens=["<|im_start|>"],
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_tiny_llama(
    folder: str | Path, seed: int = 0, texts: list[str] | None = None, vocab_size: int = 400,
    max_positions: int = 512,
) -> Path:
    """Save a tokenizer and a random-weight LlamaForCausalLM (~100k parameters) to ``folder``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(texts, vocab_size)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=max_positions,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / "README.md").write_text(README, encoding="utf-8")
    marker = {"kind": "clinsum tiny demonstration model", "random_weights": True, "seed": seed,
              "vocab_size": len(tokenizer), "parameters": sum(p.numel() for p in model.parameters())}
    (folder / MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")
    return folder


def create_tiny_model(store: Store, folder: str | Path | None = None, *, seed: int = 0,
                      vocab_size: int = WORKSPACE_VOCAB, rebuild: bool = False) -> Path:
    """Build the demonstration model for ``store`` (tokenizer trained on its text).

    ``folder`` defaults to ``<workspace>/models/tiny-demo``. A model already there is kept
    (adapters trained on it stay valid) unless ``rebuild``.
    """
    target = Path(folder) if folder else default_tiny_dir(store.root)
    if (target / "config.json").is_file() and not rebuild:
        return target
    return build_tiny_llama(target, seed=seed, texts=workspace_texts(store), vocab_size=vocab_size,
                            max_positions=16384)
