"""Tokenized training examples, the step plan (which examples each optimizer step uses), batches.

The plan is a pure function of the dataset size, the seed and the config, so a resumed run
picks up exactly where the stopped one left off.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from clinsum.finetune.config import FinetuneConfig
from clinsum.finetune.datasets import Example
from clinsum.finetune.templates import render, resolve_template

IGNORE = -100


@dataclass
class Tokenized:
    input_ids: list[int]
    labels: list[int]
    truncated: bool


def tokenize(examples: list[Example], tokenizer: Any, template: str, config: FinetuneConfig) -> list[Tokenized]:
    """Token ids and labels; the prompt is masked when training on responses only.

    An example longer than ``max_seq_length`` keeps its end (the answer) and loses the start
    of the prompt.
    """
    chosen = resolve_template(tokenizer, "auto" if template == "model" and not tokenizer.chat_template else template)
    out = []
    for ex in examples:
        prompt, full = render(ex.messages, tokenizer, chosen)
        ids = tokenizer(full, add_special_tokens=False)["input_ids"]
        n_prompt = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
        labels = list(ids)
        if config.train_on_responses_only:
            labels[: min(n_prompt, len(ids))] = [IGNORE] * min(n_prompt, len(ids))
        truncated = len(ids) > config.max_seq_length
        if truncated:
            ids, labels = ids[-config.max_seq_length:], labels[-config.max_seq_length:]
        out.append(Tokenized(list(ids), labels, truncated))
    return out


def steps_per_epoch(n_examples: int, config: FinetuneConfig) -> int:
    return max(1, math.ceil(math.ceil(n_examples / config.batch_size) / config.grad_accum))


def total_steps(n_examples: int, config: FinetuneConfig) -> int:
    if config.max_steps > 0:
        return config.max_steps
    return max(1, math.ceil(steps_per_epoch(n_examples, config) * config.epochs))


def step_plan(n_examples: int, config: FinetuneConfig) -> list[list[list[int]]]:
    """For each optimizer step, its micro-batches (lists of example indices)."""
    plan: list[list[list[int]]] = []
    wanted = total_steps(n_examples, config)
    epoch = 0
    while len(plan) < wanted:
        order = list(range(n_examples))
        random.Random(config.seed * 1000 + epoch).shuffle(order)
        micro = [order[i: i + config.batch_size] for i in range(0, n_examples, config.batch_size)]
        for i in range(0, len(micro), config.grad_accum):
            plan.append(micro[i: i + config.grad_accum])
            if len(plan) == wanted:
                break
        epoch += 1
    return plan


def collate(items: list[Tokenized], pad_id: int) -> dict[str, Any]:
    """Right-padded tensors: input_ids, attention_mask, labels."""
    import torch

    width = max(len(t.input_ids) for t in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    labels = torch.full((len(items), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    for row, item in enumerate(items):
        n = len(item.input_ids)
        ids[row, :n] = torch.tensor(item.input_ids)
        labels[row, :n] = torch.tensor(item.labels)
        mask[row, :n] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def n_target_tokens(batch: dict[str, Any]) -> int:
    """Tokens that count in the loss (shifted by one, as the model predicts the next token)."""
    return int((batch["labels"][:, 1:] != IGNORE).sum())
