"""Preference tuning on CPU: the pairing rule, DPO with TRL on a tiny random-weight Llama, resume."""

from __future__ import annotations

import pytest

from clinsum.errors import ConfigError, InputError
from clinsum.finetune import preferences as pf
from clinsum.finetune.dpo import PreferenceTrainer, preference_preset
from clinsum.finetune.logs import curves
from clinsum.finetune.runner import Callbacks
from clinsum.jobs import JobStopped
from clinsum.store import Store
from tests.fakes.preference_set import ANSWERS, PHYSICIANS, build_preference_workspace
from tests.fakes.tiny_llama import build_tiny_llama


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """24 learnable judged records + 2 ties + 2 disagreements, a saved set, a tiny model."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("pref")
    store = Store.open(root / "ws")
    build_preference_workspace(store, 24, ties=2, split=2)
    dataset = pf.save(store, "prefs", pf.build(store, val_fraction=0.25))
    yield store, build_tiny_llama(root / "tiny", extra_text=ANSWERS), dataset
    torch.set_num_threads(threads)


def config(setup, **over):
    _, model, dataset = setup
    values = {"base_model": str(model), "dataset": dataset["id"], "max_steps": 40, "eval_steps": 20,
              "save_steps": 1000, "batch_size": 4, "seed": 7, **over}
    return preference_preset("tiny-cpu", **values)


def test_pool_rule_ties_and_agreement() -> None:
    rule = pf.PairRule(min_margin=0.5, min_agreement=0.75)
    assert pf.pool([2, 2], rule) == (2.0, 1.0, None)
    assert pf.pool([0, 0], rule)[2] == "tie"
    assert pf.pool([1, -1], rule)[2] == "tie"
    assert pf.pool([2, -1], rule) == (0.5, 0.5, "low_agreement")
    assert pf.pool([1, 0], rule) == (0.5, 1.0, None)        # a neutral vote does not disagree
    assert pf.pool([2, -1], pf.PairRule(min_agreement=0.5))[2] is None
    assert pf.pool([2], pf.PairRule(min_annotators=2))[2] == "few_annotators"
    with pytest.raises(InputError):
        pf.PairRule(criterion="nope").validated()


def test_preview_counts_excluded_and_split_by_record(setup) -> None:
    store = setup[0]
    built = pf.build(store, val_fraction=0.25)
    stats = built.stats
    assert stats["n_judgements"] == 28 * 2 and stats["n_items"] == 28
    assert stats["excluded"] == {"tie": 2, "low_agreement": 2}
    assert stats["n_train"] + stats["n_val"] == 24 and stats["n_val"] == 6
    train_records = {p.group for p in built.train}
    assert not train_records & {p.group for p in built.val}
    assert stats["val_records"] == sorted({p.group for p in built.val})
    for name in PHYSICIANS:
        row = stats["per_physician"][name]
        assert row["judgements"] == 28 and row["train"] == 18 and row["val"] == 6
        assert row["tie"] == 2 and row["low_agreement"] == 2
    assert stats["per_record"]["r024"] == {"tie": 1} and stats["per_record"]["r026"] == {"low_agreement": 1}
    pair = built.train[0]
    i = int(pair.group[1:])
    assert pair.chosen == ANSWERS[i % 2] and pair.rejected == ANSWERS[1 - i % 2]  # order shown undone
    assert pair.messages[-1]["content"].startswith(f"Paciente {i} ")
    looser = pf.build(store, pf.PairRule(min_agreement=0.5), val_fraction=0.25)
    assert looser.stats["excluded"] == {"tie": 2} and looser.stats["n_train"] + looser.stats["n_val"] == 26


def test_dpo_raises_held_out_preference_accuracy(setup, tmp_path) -> None:
    events: list[dict] = []
    result = PreferenceTrainer(config(setup), setup[2], tmp_path, Callbacks(log=lambda **e: events.append(e))).run()
    r = result.results
    print(f"held-out preference accuracy: before {r['preference_accuracy_before']}, "
          f"after {r['preference_accuracy_after']} ({r['n_val_pairs']} pairs)")
    assert r["n_val_pairs"] == 6 and r["steps"] == 40 and r["method"] == "dpo"
    assert r["preference_accuracy_before"] <= 0.67
    assert r["preference_accuracy_after"] >= 0.9
    assert r["reward_accuracy"] >= 0.9 and r["reward_margin"] > 0
    assert 0 < r["trainable_params"] < r["total_params"] and r["adapter_mb"] > 0 and r["peak_rss_mb"] > 0
    rows = curves(events)
    assert [e["step"] for e in rows["eval"]] == [0, 20, 40]
    assert rows["eval"][0]["preference_accuracy"] == r["preference_accuracy_before"]
    assert len(rows["train"]) == 40 and all(t["reward_margin"] is not None for t in rows["train"])
    assert all(t["tokens_per_s"] > 0 for t in rows["train"][1:])
    setup_event = next(e for e in events if e["event"] == "setup")
    assert setup_event["engine"] == "peft" and setup_event["n_train"] == 18 and setup_event["n_val"] == 6
    assert (result.adapter_path / "adapter_model.safetensors").is_file()
    assert not (result.adapter_path / "ref").exists()  # only the tuned adapter is kept


def test_stop_and_resume_give_the_same_adapter(setup, tmp_path) -> None:
    import torch
    from safetensors.torch import load_file

    cfg = config(setup, max_steps=8, eval_steps=4)
    straight = PreferenceTrainer(cfg, setup[2], tmp_path / "straight").run()
    steps: list[int] = []
    events: list[dict] = []
    stopping = Callbacks(log=lambda **e: events.append(e), progress=lambda s, *_: steps.append(s),
                         should_stop=lambda: len(steps) >= 3)
    with pytest.raises(JobStopped):
        PreferenceTrainer(cfg, setup[2], tmp_path / "stopped", stopping).run()
    assert [e["step"] for e in events if e["event"] == "checkpoint"] == [3]
    events.clear()
    resumed = PreferenceTrainer(cfg, setup[2], tmp_path / "stopped", Callbacks(log=lambda **e: events.append(e))).run()
    assert next(e for e in events if e["event"] == "resume")["step"] == 3
    assert [e["step"] for e in events if e["event"] == "train"] == list(range(4, 9))
    want = load_file(str(straight.adapter_path / "adapter_model.safetensors"))
    got = load_file(str(resumed.adapter_path / "adapter_model.safetensors"))
    assert got.keys() == want.keys()
    for key in want:
        assert torch.equal(got[key], want[key]), key
    assert resumed.results["preference_accuracy_before"] == straight.results["preference_accuracy_before"]


def test_starting_from_an_sft_adapter_uses_it_as_reference(setup, tmp_path) -> None:
    """The SFT adapter (far from the base) is the policy's start and the reference: the first
    step's implicit rewards are ~0, and the starting accuracy is the adapter's, not the base's."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(str(setup[1]))
    sft = get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False,
                                          lora_alpha=64))
    sft.save_pretrained(tmp_path / "sft")
    events: list[dict] = []
    cfg = config(setup, max_steps=2, eval_steps=2, start_adapter=str(tmp_path / "sft"), logging_steps=1)
    result = PreferenceTrainer(cfg, setup[2], tmp_path / "run", Callbacks(log=lambda **e: events.append(e))).run()
    first = next(e for e in events if e["event"] == "train")
    assert abs(first["reward_margin"]) < 1e-3
    assert result.results["start_adapter"] == str(tmp_path / "sft")
    from safetensors.torch import load_file

    keys = load_file(str(result.adapter_path / "adapter_model.safetensors")).keys()
    assert keys and all("q_proj" in k or "v_proj" in k for k in keys)  # the SFT adapter, trained on
    with pytest.raises(ConfigError, match="holds no adapter"):
        config(setup, start_adapter=str(tmp_path))
    from clinsum.finetune.adapters import register_adapter
    from clinsum.finetune.preference_job import resolve_start_adapter

    register_adapter(setup[0], name="sft-start", base_model=str(setup[1]), adapter_path=str(tmp_path / "sft"))
    assert resolve_start_adapter(setup[0], "sft-start") == str(tmp_path / "sft")  # by name, as in a TOML file


def test_wrong_method_and_supervised_dataset_are_clear_errors(setup) -> None:
    from clinsum.finetune.config import preset
    from clinsum.finetune.dpo import PreferenceConfig
    from clinsum.finetune.job import submit_run

    with pytest.raises(ConfigError, match="method"):
        PreferenceConfig.from_dict({"method": "rlhf"})
    store, model, dataset = setup
    with pytest.raises(ConfigError, match="preference dataset"):
        submit_run(store, preset("tiny-cpu", base_model=str(model), dataset=dataset["id"]), spawn=False)


def test_cli_builds_a_preference_set_trains_and_reports(setup, tmp_path, capsys) -> None:
    from clinsum.backends.base import GenerationOptions, get_backend
    from clinsum.cli import main
    from clinsum.finetune.adapters import get_adapter
    from clinsum.generation import list_adapters

    store, model, _ = setup
    ws = ["-w", str(store.root)]
    assert main([*ws, "finetune", "prefs", "--name", "cli", "--min-agreement", "0.5", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "left out: {'tie': 2}" in out and "preference set" not in out
    assert main([*ws, "finetune", "prefs", "--name", "cli"]) == 0
    assert "preference set cli@1" in capsys.readouterr().out
    cfg = tmp_path / "dpo.toml"
    cfg.write_text(f'preset = "tiny-cpu"\nbase_model = "{model}"\ndataset = "cli"\nmax_steps = 3\n'
                   'eval_steps = 3\nname = "cli-dpo"\nmethod = "ipo"\nbeta = 0.2\n', encoding="utf-8")
    assert main([*ws, "finetune", "dpo", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "done  step 3/3" in out and "held-out preference accuracy" in out
    adapter = get_adapter(store, "cli-dpo")
    assert adapter["config"]["method"] == "ipo" and adapter["config"]["kind"] == "preference"
    assert adapter["config"]["val_records"] and adapter["results"]["steps"] == 3
    assert any(a["id"] == adapter["id"] for a in list_adapters(store))  # offered on Summarize at once
    backend = get_backend("transformers", str(model), adapter=adapter["adapter_path"], device="cpu")
    reply = backend.generate([{"role": "user", "content": "Paciente 40 con tos y fiebre."}],
                             GenerationOptions(temperature=0, max_new_tokens=4))
    assert reply.raw is not None
    assert main([*ws, "finetune", "dpo", str(tmp_path / "missing.toml")]) == 2


@pytest.mark.slow
def test_a_preference_job_is_an_mlflow_run_with_its_accuracy(setup, tmp_path, monkeypatch) -> None:
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    from clinsum import jobs, tracking
    from clinsum.finetune.preference_job import submit_preference

    monkeypatch.setenv("CLINSUM_TRACKING", "on")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    store = setup[0]
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    tracking.write_config(store, uri=uri, experiment="preference")
    job_id = submit_preference(store, config(setup, max_steps=4, eval_steps=2), spawn=False)
    try:
        assert jobs.run_job(store, job_id) == "done"
    finally:
        tracking.write_config(store, uri=None, experiment=None)
    run = MlflowClient(tracking_uri=uri).get_run(tracking.run_for(store, job_id)["run_id"])
    assert run.info.status == "FINISHED" and run.data.params["method"] == "dpo"
    accuracy = MlflowClient(tracking_uri=uri).get_metric_history(run.info.run_id, "preference_accuracy")
    assert [m.step for m in accuracy] == [0, 2, 4]
    assert {"loss", "reward_margin", "eval_reward_margin"} <= set(run.data.metrics)
