"""The Transformers backend on a tiny random-weight Llama, with and without a LoRA adapter."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinsum.backends import GenerationOptions, get_backend
from clinsum.backends.transformers_local import plain_prompt
from clinsum.errors import BackendUnavailable
from tests.fakes.tiny_llama import build_tiny_llama

MESSAGES = [{"role": "system", "content": "Resume el informe."},
            {"role": "user", "content": "Paciente varón de 68 años con insuficiencia cardiaca."}]
GREEDY = GenerationOptions(temperature=0, max_new_tokens=12)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> dict[str, Path]:
    """A tiny model folder and an untrained (randomly initialised) LoRA adapter for it."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    root = tmp_path_factory.mktemp("tiny")
    model_dir = build_tiny_llama(root / "model")
    torch.manual_seed(1)
    base = AutoModelForCausalLM.from_pretrained(model_dir)
    config = LoraConfig(r=4, lora_alpha=32, target_modules=["q_proj", "v_proj", "o_proj"],
                        init_lora_weights=False, task_type="CAUSAL_LM")
    get_peft_model(base, config).save_pretrained(root / "adapter")
    return {"model": model_dir, "adapter": root / "adapter"}


def test_greedy_is_deterministic_with_counts_and_template(tiny):
    backend = get_backend("transformers", str(tiny["model"]), device="cpu")
    first, second = backend.generate(MESSAGES, GREEDY), backend.generate(MESSAGES, GREEDY)
    assert first.raw == second.raw
    assert first.completion_tokens and 0 < first.completion_tokens <= 12
    assert first.prompt_tokens > 10
    assert first.meta["chat_template"] is True and first.meta["device"] == "cpu"
    assert first.meta["decoding"] == "greedy"
    assert "load" not in second.timings  # loaded once, cached


def test_adapter_changes_the_output_and_stays_deterministic(tiny):
    base = get_backend("transformers", str(tiny["model"]), device="cpu")
    tuned = get_backend("transformers", str(tiny["model"]), adapter=str(tiny["adapter"]),
                        device="cpu")
    options = GenerationOptions(temperature=0, max_new_tokens=20)
    a, b = tuned.generate(MESSAGES, options), tuned.generate(MESSAGES, options)
    plain = base.generate(MESSAGES, options)
    assert a.raw == b.raw
    assert a.raw != plain.raw
    assert a.meta["adapter"] == str(tiny["adapter"])
    # the base entry in the cache is not modified by loading the adapter
    assert base.generate(MESSAGES, options).raw == plain.raw


def test_stream_matches_generate_and_counts_tokens(tiny):
    backend = get_backend("transformers", str(tiny["model"]), device="cpu")
    whole = backend.generate(MESSAGES, GREEDY)
    stream = backend.stream(MESSAGES, GREEDY)
    pieces = list(stream)
    assert "".join(pieces) == whole.raw == stream.result.raw
    assert stream.result.completion_tokens == whole.completion_tokens
    assert stream.result.prompt_tokens == whole.prompt_tokens


def test_steps_say_model_load_then_generation_and_load_only_once(tiny):
    from clinsum.backends.transformers_local import clear_cache

    clear_cache()
    steps: list[tuple[str, dict]] = []
    backend = get_backend("transformers", str(tiny["model"]), device="cpu",
                          progress=lambda step, **info: steps.append((step, info)))
    list(backend.stream(MESSAGES, GREEDY))
    assert [s for s, _ in steps] == ["load_model", "generate"]
    assert steps[0][1] == {"model": "model", "device": "cpu"}
    assert steps[1][1]["tokens"] == 12 and steps[1][1]["prompt"] > 5
    steps.clear()
    backend.generate(MESSAGES, GREEDY)  # loaded: the second call only generates
    assert [s for s, _ in steps] == ["generate"]


def test_stop_strings_cut_generate_and_stream(tiny):
    backend = get_backend("transformers", str(tiny["model"]), device="cpu")
    full = backend.generate(MESSAGES, GenerationOptions(temperature=0, max_new_tokens=20)).raw
    marker = full.strip()[len(full.strip()) // 2:][:3]
    assert marker.strip()
    options = GenerationOptions(temperature=0, max_new_tokens=20, stop=[marker])
    cut = backend.generate(MESSAGES, options)
    assert marker not in cut.raw and full.startswith(cut.raw) and len(cut.raw) < len(full)
    stream = backend.stream(MESSAGES, options)
    assert "".join(stream) == cut.raw == stream.result.raw


def test_decoding_strategies(tiny):
    backend = get_backend("transformers", str(tiny["model"]), device="cpu")
    sampled = [backend.generate(MESSAGES, GenerationOptions(temperature=1.2, top_k=50, seed=s,
                                                           max_new_tokens=12)).raw
               for s in (1, 1, 2)]
    assert sampled[0] == sampled[1]  # same seed, same text
    assert sampled[0] != sampled[2]
    top_p = backend.generate(MESSAGES, GenerationOptions(temperature=0.9, top_p=0.9, seed=5,
                                                         max_new_tokens=12))
    assert top_p.meta["decoding"] == "top_p" and top_p.completion_tokens
    beam = GenerationOptions(temperature=0, num_beams=4, max_new_tokens=12,
                             repetition_penalty=1.3)
    result = backend.generate(MESSAGES, beam)
    assert result.meta["decoding"] == "beam" and result.completion_tokens
    stream = backend.stream(MESSAGES, beam)
    assert "".join(stream) == stream.result.text == result.text


def test_plain_prompt_without_chat_template(tiny, tmp_path):
    import shutil

    folder = tmp_path / "no-template"
    shutil.copytree(tiny["model"], folder)
    for name in ("chat_template.jinja", "tokenizer_config.json"):
        path = folder / name
        if name == "chat_template.jinja" and path.exists():
            path.unlink()
        elif path.exists():
            import json

            config = json.loads(path.read_text())
            config.pop("chat_template", None)
            path.write_text(json.dumps(config))
    result = get_backend("transformers", str(folder), device="cpu").generate(MESSAGES, GREEDY)
    assert result.meta["chat_template"] is False
    assert plain_prompt(MESSAGES).endswith("Asistente:")
    assert result.prompt_tokens > 10


def test_missing_model_and_adapter_are_clear(tiny, tmp_path):
    with pytest.raises(BackendUnavailable, match="does not exist"):
        get_backend("transformers", str(tmp_path / "nope")).generate(MESSAGES, GREEDY)
    with pytest.raises(BackendUnavailable, match="No PEFT adapter"):
        get_backend("transformers", str(tiny["model"]), adapter=str(tmp_path),
                    device="cpu").generate(MESSAGES, GREEDY)
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(BackendUnavailable, match="CUDA"):
            get_backend("transformers", str(tiny["model"]), device="cuda").generate(MESSAGES, GREEDY)
    with pytest.raises(BackendUnavailable, match="not on this machine"):
        get_backend("transformers", "someone/not-downloaded-model", device="cpu").generate(
            MESSAGES, GREEDY)
    (tmp_path / "empty").mkdir()
    with pytest.raises(BackendUnavailable, match="has no config.json"):
        get_backend("transformers", str(tmp_path / "empty"), device="cpu").generate(MESSAGES, GREEDY)


@pytest.fixture
def no_network(monkeypatch):
    """Record (and refuse) every attempt to resolve a name or open a connection, with the
    process NOT in Hugging Face offline mode (as on a user's machine)."""
    import socket

    import huggingface_hub.constants as hub_constants

    attempts: list[str] = []

    def refuse(what):
        def blocked(*args, **kwargs):
            attempts.append(f"{what} {args[1:2] or args[:1]}")
            raise OSError(f"network blocked by the test ({what})")
        return blocked

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    return attempts


def test_hub_names_fail_at_once_without_any_network_attempt(no_network, tmp_path, monkeypatch):
    from clinsum.backends.transformers_local import clear_cache

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache
    clear_cache()
    for name in ("Qwen/Qwen2.5-0.5B-Instruct", "gpt2"):
        with pytest.raises(BackendUnavailable) as caught:
            get_backend("transformers", name, device="cpu").generate(MESSAGES, GREEDY)
        assert name in caught.value.message and "never downloaded" in caught.value.message
        assert "hf download" in caught.value.hint
    assert no_network == []


def test_a_local_model_and_adapter_load_with_the_network_blocked(tiny, no_network):
    from clinsum.backends.transformers_local import clear_cache

    clear_cache()
    tuned = get_backend("transformers", str(tiny["model"]), adapter=str(tiny["adapter"]), device="cpu")
    assert tuned.generate(MESSAGES, GREEDY).completion_tokens
    assert no_network == []


def test_list_models_finds_model_folders(tiny):
    from clinsum.backends import BACKENDS

    listed = BACKENDS.get("transformers").list_models(models_dir=str(tiny["model"].parent))
    assert str(tiny["model"]) in listed
    assert str(tiny["adapter"]) not in listed  # an adapter folder has no config.json


def test_closing_a_stream_stops_the_local_generation(tiny):
    from clinsum.backends.transformers_local import load_model

    backend = get_backend("transformers", str(tiny["model"]), device="cpu")
    loaded = load_model(str(tiny["model"]), None, "cpu")
    produced: list[int] = []
    original = loaded.model.generate

    def recording(**kwargs):
        output = original(**kwargs)
        produced.append(int(output.shape[1] - kwargs["input_ids"].shape[1]))
        return output

    loaded.model.generate = recording
    try:
        stream = backend.stream(MESSAGES, GenerationOptions(temperature=0, max_new_tokens=400))
        reader = iter(stream)
        next(reader)
        reader.close()  # the page went away
        with loaded.lock:  # generation has ended and released the model
            pass
        assert produced and produced[0] < 400
        assert stream.result is None
    finally:
        del loaded.model.generate
