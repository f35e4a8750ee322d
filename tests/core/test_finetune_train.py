"""Fine-tuning runs for real on CPU: a tiny random-weight Llama, PEFT LoRA, jobs in subprocesses."""

from __future__ import annotations

import importlib.util
import json
import time

import pytest

from clinsum import jobs
from clinsum.errors import ConfigError
from clinsum.finetune import datasets as ds
from clinsum.finetune.adapters import get_adapter, list_adapters
from clinsum.finetune.config import preset
from clinsum.finetune.job import submit_run
from clinsum.finetune.logs import curves, job_summary
from clinsum.finetune.runner import Callbacks, Trainer, TrainingOutOfMemory, oom_advice
from clinsum.store import Store
from tests.fakes.tiny_llama import build_tiny_llama

ANSWERS = ["Diagnóstico: neumonía. Tratamiento: amoxicilina.", "Diagnóstico: insuficiencia cardiaca. Tratamiento: furosemida."]


def toy_jsonl(n: int = 16) -> str:
    """A learnable toy set: the answer depends only on one word of the input."""
    rows = []
    for i in range(n):
        cough = i % 2 == 0
        rows.append({"id": f"t{i}", "record_id": f"r{i}", "instruction": "Resume el informe.",
                     "input": f"Paciente {i} con {'tos y fiebre' if cough else 'disnea y edemas'}.",
                     "output": ANSWERS[0 if cough else 1]})
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A workspace with a toy dataset built for a tiny model (shared by the tests here)."""
    import torch

    from clinsum.finetune.models import load_tokenizer

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the in-process runs match the single-threaded job processes

    root = tmp_path_factory.mktemp("ft")
    model = build_tiny_llama(root / "tiny", extra_text=ANSWERS)
    store = Store.open(root / "ws")
    examples, _ = ds.examples_from_jsonl(toy_jsonl())
    built = ds.build(examples, load_tokenizer(str(model)), val_fraction=0.25)
    dataset = ds.save_dataset(store, "toy", built, source="jsonl", base_model=str(model), options={})
    yield store, model, dataset
    torch.set_num_threads(threads)


def config(setup, **over):
    _, model, dataset = setup
    values = {"base_model": str(model), "dataset": dataset["id"], "max_steps": 30, "eval_steps": 10,
              "save_steps": 1000, "seed": 7, **over}
    return preset("tiny-cpu", **values)


@pytest.fixture(scope="module")
def trained(setup, tmp_path_factory):
    events: list[dict] = []
    out = tmp_path_factory.mktemp("run")
    result = Trainer(config(setup), setup[2], out, Callbacks(log=lambda **e: events.append(e))).run()
    return result, events


def test_loss_falls_on_a_learnable_toy_set(trained) -> None:
    result, events = trained
    losses = [row["loss"] for row in curves(events)["train"]]
    assert len(losses) == 30
    assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:3]) / 3
    evals = curves(events)["eval"]
    assert [e["step"] for e in evals] == [10, 20, 30] and evals[-1]["eval_loss"] < evals[0]["eval_loss"]
    r = result.results
    assert r["steps"] == 30 and 0 < r["trainable_params"] < r["total_params"]
    assert r["adapter_mb"] > 0 and r["base_mb"] > 0 and r["peak_rss_mb"] > 0 and r["train_seconds"] > 0
    assert r["perplexity"] == pytest.approx(2.718281828 ** r["final_eval_loss"], rel=1e-3)


def test_log_format(trained) -> None:
    _, events = trained
    kinds = [e["event"] for e in events]
    assert kinds[0] == "notice" or kinds[0] == "setup"
    assert kinds[-1] == "result" and "checkpoint" in kinds
    train = next(e for e in events if e["event"] == "train")
    assert set(train) >= {"step", "total_steps", "loss", "lr", "tokens_per_s", "elapsed_s", "eta_s",
                          "rss_mb", "vram_mb", "epoch"}
    assert train["step"] == 1 and train["total_steps"] == 30 and train["tokens_per_s"] > 0
    setup_event = next(e for e in events if e["event"] == "setup")
    assert setup_event["engine"] == "peft" and setup_event["device"] == "cpu" and setup_event["n_val"] == 4


def test_reloaded_adapter_gives_the_same_outputs(trained, setup) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    result, _ = trained
    _, model_dir, _ = setup
    probe = result.tokenizer("Paciente 3 con tos y fiebre.", return_tensors="pt")
    result.model.eval()
    with torch.no_grad():
        trained_logits = result.model(**probe).logits
        base = AutoModelForCausalLM.from_pretrained(str(model_dir))
        base_logits = base(**probe).logits
        reloaded = PeftModel.from_pretrained(base, str(result.adapter_path)).eval()
        reloaded_logits = reloaded(**probe).logits
    assert not torch.allclose(trained_logits, base_logits, atol=1e-3)
    assert torch.allclose(trained_logits, reloaded_logits, atol=1e-5)


def test_transformers_backend_summarizes_with_the_adapter(trained, setup) -> None:
    from clinsum.backends.base import GenerationOptions, get_backend

    result, _ = trained
    backend = get_backend("transformers", str(setup[1]), adapter=str(result.adapter_path), device="cpu")
    messages = [{"role": "system", "content": "Resume el informe."},
                {"role": "user", "content": "Paciente 40 con tos y fiebre."}]
    out = backend.generate(messages, GenerationOptions(temperature=0, max_new_tokens=16))
    assert "Diagnóstico" in out.raw


def test_job_stops_and_resumes_in_a_subprocess_to_the_same_adapter(setup, monkeypatch, tmp_path) -> None:
    """Stopped mid-way and resumed, the job ends with the adapter an uninterrupted run gives."""
    import torch
    from safetensors.torch import load_file

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    store = setup[0]
    cfg = config(setup, max_steps=60, name="toy-adapter")
    reference = Trainer(cfg, setup[2], tmp_path / "ref").run()
    job_id = submit_run(store, cfg)
    deadline = time.monotonic() + 120
    while not any(e.get("event") == "train" and e["step"] >= 3 for e in jobs.read_log(store, job_id)):
        assert time.monotonic() < deadline and jobs.refresh(store, job_id)["status"] in jobs.ACTIVE
        time.sleep(0.05)
    jobs.request_stop(store, job_id)
    assert jobs.wait(store, job_id, timeout=60)["status"] == "stopped"
    summary = job_summary(store, job_id)
    stopped_at = summary["last_checkpoint"]
    assert stopped_at is not None and 3 <= stopped_at < 60 and summary["result"] is None
    assert jobs.info(store, job_id)["progress"]["done"] == stopped_at
    jobs.resume(store, job_id)
    assert jobs.wait(store, job_id, timeout=120)["status"] == "done"
    events = jobs.read_log(store, job_id)
    assert next(e for e in events if e["event"] == "resume")["step"] == stopped_at
    assert [r["step"] for r in curves(events)["train"]] == list(range(1, 61))
    adapter = next(a for a in list_adapters(store) if a["job_id"] == job_id)
    assert adapter["name"] == "toy-adapter" and adapter["results"]["steps"] == 60
    assert adapter["config"]["dataset_ref"] == "toy@1" and adapter["dataset_id"] == setup[2]["id"]
    got = load_file(f"{adapter['adapter_path']}/adapter_model.safetensors")
    want = load_file(f"{reference.adapter_path}/adapter_model.safetensors")
    assert got.keys() == want.keys()
    for key in want:
        assert torch.allclose(got[key], want[key], atol=1e-5), key
    assert get_adapter(store, "toy-adapter")["id"] == adapter["id"]


def test_a_failing_job_is_recorded_with_its_log(setup, tmp_path) -> None:
    store = setup[0]
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    job_id = submit_run(store, config(setup, base_model=str(empty)), spawn=False)
    assert jobs.run_job(store, job_id) == "failed"
    info = jobs.info(store, job_id)
    assert "usable model" in info["error"]
    assert jobs.read_log(store, job_id)[-1]["event"] == "error"
    with pytest.raises(ConfigError):
        submit_run(store, config(setup, base_model=""))


def test_out_of_memory_says_what_to_change(setup, monkeypatch, tmp_path) -> None:
    cfg = config(setup, batch_size=8, max_seq_length=2048)
    trainer = Trainer(cfg, setup[2], tmp_path)

    def boom():
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(trainer, "_run", boom)
    with pytest.raises(TrainingOutOfMemory) as err:
        trainer.run()
    assert "batch_size 8 -> 4" in err.value.hint and "max_seq_length 2048 -> 1024" in err.value.hint
    assert "gradient checkpointing" in oom_advice(cfg)


def test_unsloth_engine_where_cuda_and_unsloth_exist(setup, tmp_path) -> None:
    from clinsum.finetune.models import cuda_available

    if not cuda_available():
        with pytest.raises(ConfigError, match="Unsloth"):
            Trainer(config(setup, engine="unsloth"), setup[2], tmp_path).run()
        pytest.skip("the Unsloth path needs CUDA (this machine has none)")
    if importlib.util.find_spec("unsloth") is None:
        pytest.skip("the Unsloth path needs the unsloth package (pip install clinsum[gpu])")
    result = Trainer(config(setup, engine="unsloth", max_steps=10), setup[2], tmp_path).run()
    assert result.results["engine"] == "unsloth" and result.results["steps"] == 10


def test_cli_builds_runs_and_reports(setup, tmp_path, capsys) -> None:
    from clinsum.cli import main

    store, model, _ = setup
    ws = ["-w", str(store.root)]
    (tmp_path / "toy.jsonl").write_text(toy_jsonl(8), encoding="utf-8")
    assert main([*ws, "finetune", "dataset", "build", "--name", "cli", "--base-model", str(model),
                 "--jsonl", str(tmp_path / "toy.jsonl"), "--val", "0.25"]) == 0
    assert "dataset cli@1" in capsys.readouterr().out
    assert main([*ws, "finetune", "dataset", "show", "cli@1"]) == 0
    assert "<|im_start|>assistant" in capsys.readouterr().out
    cfg = tmp_path / "cfg.toml"
    assert main(["finetune", "presets", "--write", "tiny-cpu", str(cfg)]) == 0
    cfg.write_text(cfg.read_text() + f'\n[finetune]\npreset = "tiny-cpu"\nbase_model = "{model}"\n'
                   'dataset = "cli"\nmax_steps = 4\nname = "cli-adapter"\n', encoding="utf-8")
    assert main([*ws, "finetune", "run", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "done  step 4/4" in out and "train loss" in out
    job_id = out.split("job ", 1)[1].split(":", 1)[0]
    assert main([*ws, "finetune", "status", job_id, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["status"] == "done" and len(status["curves"]["train"]) == 4
    assert main([*ws, "finetune", "adapters"]) == 0
    assert "cli-adapter" in capsys.readouterr().out
    assert main([*ws, "finetune", "export", "cli-adapter", "--gguf"]) == 5
    assert "convert_hf_to_gguf.py" in capsys.readouterr().err
    assert main([*ws, "finetune", "status", "finetune-nope"]) == 4
