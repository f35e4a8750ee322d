"""Fine-tuning datasets: sources, chat templates, token statistics, percentile cut, split, versions."""

from __future__ import annotations

import json

import pytest

from clinsum.errors import ConfigError, InputError, NotFound
from clinsum.finetune import datasets as ds
from clinsum.finetune.config import (
    PRESETS,
    FinetuneConfig,
    command_preview,
    load_config,
    preset,
    save_config,
)
from clinsum.finetune.templates import render, resolve_template
from tests.fakes.tiny_llama import build_tiny_llama

MSGS = [{"role": "system", "content": "Resume."}, {"role": "user", "content": "Informe X."},
        {"role": "assistant", "content": "Resumen Y."}]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from clinsum.finetune.models import load_tokenizer

    return load_tokenizer(str(build_tiny_llama(tmp_path_factory.mktemp("tiny"))))


def test_model_template_is_used_and_prompt_ends_where_the_answer_starts(tokenizer) -> None:
    assert resolve_template(tokenizer) == "model"
    prompt, full = render(MSGS, tokenizer, "model")
    assert prompt.endswith("<|im_start|>assistant\n") and full.startswith(prompt)
    assert full[len(prompt):] == "Resumen Y.<|im_end|>\n"


@pytest.mark.parametrize("name, answer_start", [
    ("chatml", "<|im_start|>assistant\n"), ("llama3", "<|start_header_id|>assistant<|end_header_id|>\n\n"),
    ("mistral", "[/INST]"), ("plain", "### Response:\n"),
])
def test_builtin_templates_render_a_prompt_prefix(name, answer_start) -> None:
    prompt, full = render(MSGS, None, name)
    assert prompt.endswith(answer_start) and full.startswith(prompt) and "Resumen Y." in full[len(prompt):]
    assert "Informe X." in prompt and "Resumen Y." not in prompt


def test_fallback_guess_and_bad_template_names(tokenizer) -> None:
    class NoTemplate:
        chat_template = None
        name_or_path = "meta-llama/Llama-3.2-3B-Instruct"

    assert resolve_template(NoTemplate()) == "llama3"
    with pytest.raises(ConfigError):
        resolve_template(NoTemplate(), "model")
    with pytest.raises(ConfigError):
        resolve_template(tokenizer, "vicuna")


def test_jsonl_rows_structured_inputs_messages_and_problems() -> None:
    lines = [
        {"id": "a", "record_id": "r1", "instruction": "Resume el alta.",
         "input": {"diagnoses": ["neumonía", "EPOC"], "procedures": ["radiografía"],
                   "discharge_medication": [{"drug": "amoxicilina", "dose": "1 g/8 h"}]},
         "output": "Neumonía en paciente con EPOC."},
        {"messages": [{"role": "user", "content": "Hola"}, {"role": "assistant", "content": "Resumen"}]},
        {"prompt": "Informe Z", "completion": "Resumen Z"},
        {"messages": [{"role": "user", "content": "sin respuesta"}]},
        {"instruction": "x", "output": ""},
    ]
    text = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n"
    examples, problems = ds.examples_from_jsonl(text)
    assert len(examples) == 3 and len(problems) == 3
    assert any("line 4" in p and "assistant" in p for p in problems)
    first = examples[0]
    assert first.group == "r1" and first.messages[0]["content"] == "Resume el alta."
    user = first.messages[1]["content"]
    assert "Diagnósticos:\n- neumonía\n- EPOC" in user and "Medicación al alta:" in user and "1 g/8 h" in user
    assert examples[2].messages[-1] == {"role": "assistant", "content": "Resumen Z"}


def test_split_is_by_record_and_never_leaks() -> None:
    examples = [ds.Example(f"e{i}", f"rec{i % 7}", MSGS) for i in range(40)]
    train, val = ds.split_by_group(examples, 0.3, seed=1)
    assert {e.group for e in train}.isdisjoint({e.group for e in val})
    assert len(train) + len(val) == 40 and 2 <= len({e.group for e in val}) <= 3
    assert [e.id for e in ds.split_by_group(examples, 0.3, seed=1)[1]] == [e.id for e in val]
    assert ds.split_by_group(examples[:1], 0.5)[1] == []  # one record: nothing to validate on


def test_percentiles_and_cut() -> None:
    assert ds.percentile([1, 2, 3, 4, 5], 50) == 3 and ds.percentile([0, 10], 90) == 9
    examples = [ds.Example(f"e{i}", f"r{i}", MSGS, n_tokens=n) for i, n in enumerate(range(10, 110, 10))]
    kept, dropped, cutoff = ds.cut_by_length(examples, cut_percentile=80)
    assert cutoff == 82 and [e.n_tokens for e in dropped] == [90, 100] and len(kept) == 8
    kept, dropped, cutoff = ds.cut_by_length(examples, cut_percentile=80, max_tokens=50)
    assert cutoff == 50 and len(kept) == 5
    assert ds.cut_by_length(examples)[2] is None


def test_build_from_demo_references_saves_versions(demo_store, tokenizer) -> None:
    ref = demo_store.fetch_one("SELECT id, record_id FROM reference_summaries LIMIT 1")
    demo_store.execute("UPDATE reference_summaries SET status = 'draft' WHERE id = ?", [ref["id"]])
    examples, problems = ds.collect_examples(demo_store, "references")
    n_refs = demo_store.scalar("SELECT count(DISTINCT record_id) FROM reference_summaries")
    assert len(examples) == n_refs - 1 and not problems
    assert ref["record_id"] not in {e.group for e in examples}
    built = ds.build(examples, tokenizer, val_fraction=0.25, cut_percentile=90)
    assert built.template == "model" and built.stats["n_dropped"] >= 1
    assert max(e.n_tokens for e in built.train + built.val) <= built.stats["cutoff"]
    assert built.stats["tokens"]["p50"] <= built.stats["tokens"]["p90"] <= built.stats["tokens"]["max"]
    first = ds.save_dataset(demo_store, "demo", built, source="references", base_model="m", options={})
    second = ds.save_dataset(demo_store, "demo", built, source="references", base_model="m", options={})
    assert (first["version"], second["version"]) == (1, 2)
    assert ds.get_dataset(demo_store, "demo")["id"] == second["id"]
    assert ds.get_dataset(demo_store, "demo@1")["id"] == first["id"]
    train = ds.load_split(first, "train")
    assert [e.id for e in train] == [e.id for e in built.train] and train[0].text.startswith(train[0].prompt)
    with pytest.raises(NotFound):
        ds.get_dataset(demo_store, "demo@9")
    with pytest.raises(InputError):
        ds.save_dataset(demo_store, "bad name/..", built, source="references", base_model="m", options={})


def test_empty_sources_are_clear_errors(store) -> None:
    with pytest.raises(InputError, match="status"):
        ds.collect_examples(store, "references")
    with pytest.raises(InputError, match="No usable example"):
        ds.collect_examples(store, "jsonl", jsonl_text='{"a": 1}\n')


def test_config_presets_files_and_validation(tmp_path) -> None:
    qwen = preset("qwen2.5-0.5b-unsloth")
    assert (qwen.epochs, qwen.batch_size, qwen.learning_rate, qwen.lora_r, qwen.lora_alpha, qwen.grad_accum,
            qwen.max_seq_length, qwen.optimizer) == (3, 4, 2e-4, 16, 16, 2, 1024, "adamw_8bit")
    llama = preset("llama3.2-3b-unsloth-4bit")
    assert llama.load_in_4bit and (llama.batch_size, llama.grad_accum, llama.epochs) == (2, 4, 1)
    mistral = preset("mistral-7b-nf4")
    assert (mistral.lora_r, mistral.lora_alpha, mistral.lora_dropout, mistral.eval_steps) == (32, 64, 0.05, 1)
    for name in PRESETS:
        for suffix in (".toml", ".json"):
            assert load_config(save_config(preset(name), tmp_path / f"{name}{suffix}")) == preset(name)
    (tmp_path / "partial.toml").write_text('preset = "tiny-cpu"\nbase_model = "/m"\nlora_r = 4\n')
    cfg = load_config(tmp_path / "partial.toml")
    assert cfg.lora_r == 4 and cfg.base_model == "/m" and cfg.modules_to_save == ["lm_head"]
    with pytest.raises(ConfigError, match="lora_rank"):
        FinetuneConfig.from_dict({"lora_rank": 8})
    with pytest.raises(ConfigError, match="batch_size"):
        FinetuneConfig.from_dict({"batch_size": 0})
    assert FinetuneConfig.from_dict({"target_modules": "q_proj, v_proj"}).target_modules == ["q_proj", "v_proj"]
    assert command_preview("my cfg.toml", "/ws") == "clinsum --workspace /ws finetune run 'my cfg.toml' --detach"
