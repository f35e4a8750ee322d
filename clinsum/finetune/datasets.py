"""Training datasets: examples from references or JSONL, rendered, measured, split, versioned.

An example is one conversation (system, user, assistant) plus the ``group`` it belongs to
(the record id): the train/validation split is by group, so a record never appears on both
sides. Saved datasets live in ``finetune/datasets/<name>/v<N>/`` (``train.jsonl``,
``val.jsonl``, ``meta.json``) with a row in ``finetune_datasets``.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clinsum.errors import InputError, NotFound
from clinsum.finetune.templates import render, resolve_template
from clinsum.store import Store, from_json, new_id, to_json
from clinsum.text import normalize

INSTRUCTIONS = {
    "es": "Eres un médico que redacta resúmenes clínicos. Resume el siguiente informe clínico de "
          "forma concisa y estructurada, sin inventar datos.",
    "en": "You are a physician writing clinical summaries. Summarize the following clinical record "
          "concisely and in a structured way, without inventing anything.",
}
FIELD_LABELS = {  # structured JSONL inputs: key -> (es, en)
    "diagnoses": ("Diagnósticos", "Diagnoses"),
    "procedures": ("Procedimientos", "Procedures"),
    "treatments": ("Tratamientos", "Treatments"),
    "evolution": ("Evolución", "Evolution"),
    "discharge_medication": ("Medicación al alta", "Discharge medication"),
    "history": ("Antecedentes", "History"),
    "reason": ("Motivo de ingreso", "Reason for admission"),
}
PERCENTILES = (50, 90, 95, 99)


@dataclass
class Example:
    id: str
    group: str
    messages: list[dict[str, str]]
    source: str = ""
    prompt: str = ""
    text: str = ""
    n_tokens: int = 0
    n_prompt_tokens: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BuiltDataset:
    train: list[Example]
    val: list[Example]
    dropped: list[Example]
    template: str
    stats: dict[str, Any]
    problems: list[str] = field(default_factory=list)


# -- sources -------------------------------------------------------------------------------
def examples_from_references(
    store: Store, statuses: tuple[str, ...] = ("validated", "edited"), instruction: str | None = None
) -> list[Example]:
    """One example per record whose newest reference has one of ``statuses`` (record -> summary)."""
    marks = ", ".join("?" for _ in statuses)
    rows = store.fetch_dicts(
        "SELECT r.id AS record_id, r.text AS record, r.language, s.id AS ref_id, s.text AS summary"
        " FROM reference_summaries s JOIN records r ON r.id = s.record_id"
        " WHERE s.version = (SELECT max(version) FROM reference_summaries x WHERE x.record_id = s.record_id"
        f"  AND x.status IN ({marks})) AND s.status IN ({marks}) ORDER BY r.id",
        list(statuses) * 2,
    )
    out = []
    for row in rows:
        lang = "en" if (row["language"] or "es").startswith("en") else "es"
        messages = [
            {"role": "system", "content": instruction or INSTRUCTIONS[lang]},
            {"role": "user", "content": row["record"]},
            {"role": "assistant", "content": row["summary"]},
        ]
        out.append(Example(row["ref_id"], row["record_id"], messages, source="references"))
    return out


def structured_input(value: dict[str, Any], lang: str = "es") -> str:
    """A structured input (diagnoses, procedures, …) as labelled sections of plain text."""
    parts = []
    for key, item in value.items():
        label = FIELD_LABELS.get(key, (None, None))[0 if lang == "es" else 1] or key.replace("_", " ").capitalize()
        if isinstance(item, list):
            body = "\n".join(f"- {_flat(v)}" for v in item)
        elif isinstance(item, dict):
            body = "\n".join(f"- {k}: {_flat(v)}" for k, v in item.items())
        else:
            body = _flat(item)
        parts.append(f"{label}:\n{body}")
    return "\n\n".join(parts)


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_flat(v) for v in value)
    return str(value)


def examples_from_jsonl(text: str, source: str = "jsonl", lang: str = "es") -> tuple[list[Example], list[str]]:
    """Examples from JSONL text: instruction/input/output rows, prompt/completion, or chat messages.

    Returns the examples and one problem line per unusable row (nothing is silently dropped).
    """
    examples: list[Example] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not a JSON object")
            messages = _row_messages(row, lang)
        except ValueError as exc:
            problems.append(f"line {number}: {exc}")
            continue
        user = next((m["content"] for m in messages if m["role"] == "user"), "")
        group = str(row.get("record_id") or row.get("group") or row.get("id")
                    or hashlib.sha1(user.encode("utf-8")).hexdigest()[:12])
        examples.append(Example(str(row.get("id") or f"{source}-{number}"), group, messages, source=source))
    return examples, problems


def _row_messages(row: dict[str, Any], lang: str) -> list[dict[str, str]]:
    if "messages" in row:
        messages = row["messages"]
        if not isinstance(messages, list) or not messages or not all(
            isinstance(m, dict) and m.get("role") in ("system", "user", "assistant") and isinstance(m.get("content"), str)
            for m in messages
        ):
            raise ValueError("messages must be a list of {role: system|user|assistant, content: text}")
        if messages[-1]["role"] != "assistant":
            raise ValueError("the last message must be the assistant's answer")
        return [{"role": m["role"], "content": normalize(m["content"])} for m in messages]
    if "output" in row or "completion" in row:
        output = row.get("output", row.get("completion"))
        instruction = row.get("instruction") or row.get("system") or INSTRUCTIONS[lang]
        raw_input = row.get("input", row.get("prompt", ""))
        user = structured_input(raw_input, lang) if isinstance(raw_input, dict) else str(raw_input or "")
        if not isinstance(output, str) or not output.strip():
            raise ValueError("output is empty")
        if not user.strip():
            return [{"role": "user", "content": normalize(str(instruction))},
                    {"role": "assistant", "content": normalize(output)}]
        return [{"role": "system", "content": normalize(str(instruction))},
                {"role": "user", "content": normalize(user)},
                {"role": "assistant", "content": normalize(output)}]
    raise ValueError("expected instruction/input/output, prompt/completion or messages")


# -- rendering, statistics, split ------------------------------------------------------------
def render_examples(examples: list[Example], tokenizer: Any, template: str = "auto") -> str:
    """Fill ``prompt``, ``text`` and token counts of each example; return the template used."""
    chosen = resolve_template(tokenizer, template)
    for ex in examples:
        ex.prompt, ex.text = render(ex.messages, tokenizer, chosen)
        ex.n_tokens = len(tokenizer(ex.text, add_special_tokens=False)["input_ids"])
        ex.n_prompt_tokens = len(tokenizer(ex.prompt, add_special_tokens=False)["input_ids"])
    return chosen


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (``p`` in 0..100) of ``values``."""
    if not values:
        return 0.0
    data = sorted(values)
    pos = (len(data) - 1) * p / 100
    low, high = math.floor(pos), math.ceil(pos)
    return float(data[low] + (data[high] - data[low]) * (pos - low))


def length_stats(lengths: list[int]) -> dict[str, float]:
    if not lengths:
        return {"n": 0}
    stats: dict[str, float] = {"n": len(lengths), "min": min(lengths), "max": max(lengths),
                               "mean": round(sum(lengths) / len(lengths), 1)}
    for p in PERCENTILES:
        stats[f"p{p}"] = round(percentile(lengths, p), 1)
    return stats


def cut_by_length(
    examples: list[Example], cut_percentile: float | None = None, max_tokens: int | None = None
) -> tuple[list[Example], list[Example], int | None]:
    """(kept, dropped, cut-off): drop examples longer than the percentile and/or token limit.

    Long examples are dropped, not truncated: a summary cut mid-sentence teaches the model to
    stop mid-sentence.
    """
    limits = []
    if cut_percentile is not None and cut_percentile < 100:
        limits.append(math.ceil(percentile([e.n_tokens for e in examples], cut_percentile)))
    if max_tokens:
        limits.append(int(max_tokens))
    if not limits:
        return list(examples), [], None
    cutoff = min(limits)
    return [e for e in examples if e.n_tokens <= cutoff], [e for e in examples if e.n_tokens > cutoff], cutoff


def split_by_group(examples: list[Example], val_fraction: float, seed: int = 0) -> tuple[list[Example], list[Example]]:
    """Train/validation split by ``group``: all examples of a record fall on the same side."""
    groups = sorted({e.group for e in examples})
    random.Random(seed).shuffle(groups)
    n_val = 0
    if val_fraction > 0 and len(groups) >= 2:
        n_val = min(len(groups) - 1, max(1, round(len(groups) * val_fraction)))
    val_groups = set(groups[:n_val])
    return [e for e in examples if e.group not in val_groups], [e for e in examples if e.group in val_groups]


def build(
    examples: list[Example],
    tokenizer: Any,
    *,
    template: str = "auto",
    val_fraction: float = 0.2,
    seed: int = 0,
    cut_percentile: float | None = None,
    max_tokens: int | None = None,
) -> BuiltDataset:
    """Render, measure, cut and split ``examples`` (nothing saved yet: this is the preview)."""
    if not examples:
        raise InputError("There are no examples to train on.",
                         hint="Validate some reference summaries, or upload a JSONL file.")
    chosen = render_examples(examples, tokenizer, template)
    kept, dropped, cutoff = cut_by_length(examples, cut_percentile, max_tokens)
    if not kept:
        raise InputError("Every example is longer than the length cut-off.",
                         hint="Raise the percentile or the maximum number of tokens.")
    train, val = split_by_group(kept, val_fraction, seed)
    stats = {
        "tokens": length_stats([e.n_tokens for e in examples]),
        "prompt_tokens": length_stats([e.n_prompt_tokens for e in examples]),
        "response_tokens": length_stats([e.n_tokens - e.n_prompt_tokens for e in examples]),
        "cutoff": cutoff,
        "n_dropped": len(dropped),
        "n_groups": len({e.group for e in kept}),
        "train_tokens": sum(e.n_tokens for e in train),
    }
    return BuiltDataset(train, val, dropped, chosen, stats)


# -- saved datasets --------------------------------------------------------------------------
_NAME_RE = re.compile(r"^[\w.-]{1,64}$")


def save_dataset(
    store: Store, name: str, built: BuiltDataset, *, source: str, base_model: str, options: dict[str, Any]
) -> dict[str, Any]:
    """Save ``built`` as the next version of dataset ``name``; return its row."""
    check_dataset_name(name)
    meta = {"template": built.template, "stats": built.stats, "options": options, "base_model": base_model,
            "source": source, "dropped": [e.id for e in built.dropped]}
    return write_dataset_version(store, name, built.train, built.val, meta, source=source, base_model=base_model,
                                 template=built.template, stats=built.stats, options=options)


def check_dataset_name(name: str) -> None:
    if not _NAME_RE.match(name or ""):
        raise InputError(f"Dataset name {name!r} is not usable.",
                         hint="Use letters, digits, dots, dashes or underscores (up to 64).")


def write_dataset_version(
    store: Store, name: str, train: list[Any], val: list[Any], meta: dict[str, Any], *, source: str,
    base_model: str | None, template: str, stats: dict[str, Any], options: dict[str, Any],
) -> dict[str, Any]:
    """Write the next version of dataset ``name`` (``train.jsonl``, ``val.jsonl`` of the items'
    ``to_dict()``, and ``meta.json``) and record it in ``finetune_datasets``; return its row."""
    version = int(store.scalar("SELECT coalesce(max(version), 0) + 1 FROM finetune_datasets WHERE name = ?", [name]))
    folder = store.dir("finetune", "datasets", name, f"v{version}")
    for split, items in (("train", train), ("val", val)):
        with open(folder / f"{split}.jsonl", "w", encoding="utf-8") as handle:
            for item in items:
                handle.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
    meta = {"name": name, "version": version, **meta}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    dataset_id = new_id("ds")
    store.execute(
        "INSERT INTO finetune_datasets (id, name, version, source, base_model, template, n_train, n_val,"
        " stats, options, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [dataset_id, name, version, source, base_model, template, len(train), len(val),
         to_json(stats), to_json(options), str(folder)],
    )
    return get_dataset(store, dataset_id)


def list_datasets(store: Store) -> list[dict[str, Any]]:
    rows = store.fetch_dicts("SELECT * FROM finetune_datasets ORDER BY name, version DESC")
    return [_decode(r) for r in rows]


def get_dataset(store: Store, ref: str) -> dict[str, Any]:
    """A dataset by id, ``NAME`` (newest version) or ``NAME@VERSION``."""
    name, _, version = ref.partition("@")
    if version:
        row = store.fetch_one("SELECT * FROM finetune_datasets WHERE name = ? AND version = ?",
                              [name, int(version) if version.isdigit() else -1])
    else:
        row = store.fetch_one(
            "SELECT * FROM finetune_datasets WHERE id = ? OR name = ? ORDER BY version DESC LIMIT 1", [ref, ref]
        )
    if row is None:
        raise NotFound(f"No fine-tuning dataset {ref!r} in this workspace.",
                       hint="`clinsum finetune dataset list` shows the datasets built here.")
    return _decode(row)


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    row["stats"] = from_json(row.get("stats")) or {}
    row["options"] = from_json(row.get("options")) or {}
    row["ref"] = f"{row['name']}@{row['version']}"
    return row


def load_split(dataset: dict[str, Any], split: str) -> list[Example]:
    """The ``train`` or ``val`` examples of a saved dataset."""
    path = Path(dataset["path"]) / f"{split}.jsonl"
    if not path.is_file():
        raise NotFound(f"The files of dataset {dataset['ref']} are missing ({path}).",
                       hint="Build the dataset again.")
    with open(path, encoding="utf-8") as handle:
        return [Example(**json.loads(line)) for line in handle if line.strip()]


def collect_examples(
    store: Store,
    source: str,
    *,
    jsonl_text: str | None = None,
    statuses: tuple[str, ...] = ("validated", "edited"),
    instruction: str | None = None,
    lang: str = "es",
) -> tuple[list[Example], list[str]]:
    """Examples from ``references`` (the workspace) or ``jsonl`` (uploaded text), with problems."""
    if source == "references":
        examples = examples_from_references(store, statuses, instruction)
        if not examples:
            raise InputError("No reference summary has the status " + " or ".join(statuses) + ".",
                             hint="Validate references first (or load the demo, whose references are validated).")
        return examples, []
    if source == "jsonl":
        if not (jsonl_text or "").strip():
            raise InputError("The JSONL file is empty.")
        examples, problems = examples_from_jsonl(jsonl_text or "", lang=lang)
        if not examples:
            raise InputError("No usable example in the JSONL file: " + "; ".join(problems[:3]),
                             hint="Each line: {instruction, input, output} or {messages: [...]}.")
        return examples, problems
    raise InputError(f"Unknown dataset source {source!r}.", hint="Use references or jsonl.")
