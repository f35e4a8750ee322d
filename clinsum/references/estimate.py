"""Token and cost estimates before anything is sent, from an offline rule and a price table.

Tokens: about four characters per token for Spanish and English prose with the GPT-4o
tokenizer, never fewer than the number of words, plus a few per message. Prices: USD per
million tokens from ``prices.toml`` (shipped) updated by ``<workspace>/prices.toml``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from clinsum.errors import ConfigError
from clinsum.text import words

MESSAGE_OVERHEAD = 4


def estimate_tokens(text: str) -> int:
    """Offline token estimate of ``text``."""
    return max(math.ceil(len(text) / 4), len(words(text)))


def message_tokens(messages: list[dict[str, str]]) -> int:
    return sum(estimate_tokens(m.get("content") or "") + MESSAGE_OVERHEAD for m in messages) + 3


def price_table(workspace: str | Path | None = None) -> dict[str, Any]:
    """``{"batch_discount": 0.5, "models": {name: {"input": usd, "output": usd}}}``."""
    table = tomllib.loads((resources.files("clinsum.references") / "prices.toml").read_text("utf-8"))
    if workspace and (Path(workspace) / "prices.toml").is_file():
        path = Path(workspace) / "prices.toml"
        try:
            extra = tomllib.loads(path.read_text("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}.",
                              hint="Each model: [models.\"name\"] input = 0.15, output = 0.60") from None
        table["batch_discount"] = extra.get("batch_discount", table["batch_discount"])
        table["models"].update(extra.get("models", {}))
    return table


@dataclass
class Estimate:
    requests: int
    input_tokens: int
    output_tokens: int          # at most (max_tokens per request)
    cost_usd: float | None      # None: the model is not in the price table
    cost_usd_max: float | None
    model: str
    batch: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def estimate_cost(model: str, prompts: list[list[dict[str, str]]], max_tokens: int, *, batch: bool = True,
                  expected_output: int = 350, workspace: str | Path | None = None) -> Estimate:
    """Tokens in, tokens out (expected and at most), and USD for ``prompts`` sent to ``model``."""
    table = price_table(workspace)
    tokens_in = sum(message_tokens(m) for m in prompts)
    out_max = max_tokens * len(prompts)
    out_expected = min(expected_output, max_tokens) * len(prompts)
    price = table["models"].get(model)
    cost = cost_max = None
    if price:
        factor = table["batch_discount"] if batch else 1.0
        cost = round(factor * (tokens_in * price["input"] + out_expected * price["output"]) / 1e6, 6)
        cost_max = round(factor * (tokens_in * price["input"] + out_max * price["output"]) / 1e6, 6)
    return Estimate(len(prompts), tokens_in, out_max, cost, cost_max, model, batch)
