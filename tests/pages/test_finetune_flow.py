"""The issue's whole flow from the pages, with the tiny demonstration model built from the page:
tiny model -> dataset from demo references -> job (stopped and resumed from the page) -> falling
loss -> adapter listed -> a summary with the adapter on the live page."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from clinsum import jobs, ui
from clinsum.demo import load_demo
from clinsum.finetune.adapters import list_adapters
from clinsum.finetune.config import preset
from clinsum.finetune.logs import curves, job_summary
from clinsum.store import Store

STEPS = 80


@pytest.fixture
def workspace(demo_workspace, monkeypatch):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # this process (generation); the job processes get OMP_NUM_THREADS
    ws = demo_workspace
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    yield ws
    torch.set_num_threads(threads)


def no_errors(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def wait_for_step(store: Store, job_id: str, step: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not any(e.get("event") == "train" and e["step"] >= step for e in jobs.read_log(store, job_id)):
        assert time.monotonic() < deadline, jobs.read_log(store, job_id)[-3:]
        assert jobs.refresh(store, job_id)["status"] in jobs.ACTIVE, jobs.info(store, job_id)
        time.sleep(0.05)


def test_tiny_model_dataset_job_stop_resume_adapter_and_summary_from_the_pages(page_app, workspace) -> None:
    store = Store.open(workspace)
    tiny = workspace / "models" / "tiny-demo"
    at = page_app("80_finetune.py", workspace, timeout=120)
    no_errors(at)

    # 1. the tiny demonstration model, made from the page and chosen as base model
    at.button(key="finetune.tiny").click().run()
    no_errors(at)
    assert any("random weights" in s.value and str(tiny) in s.value for s in at.success)
    assert (tiny / "config.json").is_file() and json.loads((tiny / "clinsum_tiny.json").read_text())["random_weights"]
    assert at.text_input(key="finetune.base_model").value == str(tiny)
    picker = at.selectbox(key="finetune.local_model")
    assert picker.value == str(tiny) and "random weights" in picker.format_func(str(tiny))

    # 2. a dataset from the demo references
    at.button(key="finetune.preview_btn").click().run()
    no_errors(at)
    at.button(key="finetune.save_ds").click().run()
    no_errors(at)
    assert any(ui.plain("demo@1") in s.value and "Saved as" in s.value for s in at.success)

    # 3. the tiny-cpu preset points at the tiny model; a job launched from the page
    assert preset("tiny-cpu", workspace=workspace).base_model == str(tiny)
    assert at.text_input(key="finetune.cfg_base").value == str(tiny)
    at.number_input(key="finetune.tiny-cpu.max_steps").set_value(STEPS).run()
    at.number_input(key="finetune.tiny-cpu.eval_steps").set_value(20).run()
    at.button(key="finetune.launch").click().run()
    no_errors(at)
    job_id = at.session_state["finetune.job"]

    # 4. stop it from the page while it runs, then resume it from the page
    wait_for_step(store, job_id, 3)
    at.run()
    at.button(key=f"stop-{job_id}").click().run()
    no_errors(at)
    assert jobs.wait(store, job_id, timeout=60)["status"] == "stopped"
    stopped_at = job_summary(store, job_id)["last_checkpoint"]
    assert stopped_at is not None and 3 <= stopped_at < STEPS
    at.run()
    at.button(key=f"resume-{job_id}").click().run()
    no_errors(at)
    assert jobs.wait(store, job_id, timeout=120)["status"] == "done", jobs.read_log(store, job_id)[-3:]

    # 5. the loss log: every step once, resumed at the checkpoint, loss falling
    events = jobs.read_log(store, job_id)
    assert next(e for e in events if e["event"] == "resume")["step"] == stopped_at
    train = curves(events)["train"]
    assert [r["step"] for r in train] == list(range(1, STEPS + 1))
    losses = [r["loss"] for r in train]
    assert sum(losses[-10:]) / 10 < sum(losses[:5]) / 5 - 0.5, losses
    at.run()
    no_errors(at)
    assert any("Adapter ready" in s.value for s in at.success)

    # 6. the adapter is listed, and summarizes a record on the live page
    (adapter,) = list_adapters(store)
    assert adapter["job_id"] == job_id and adapter["base_model"] == str(tiny)
    assert adapter["results"]["steps"] == STEPS
    page = page_app("20_summarize.py", workspace, timeout=120)
    no_errors(page)
    page.selectbox(key="summarize.backend").set_value("transformers").run()
    model = page.selectbox(key="summarize.model.transformers")
    assert str(tiny) in model.options
    model.set_value(str(tiny))
    page.selectbox(key="summarize.adapter").set_value(adapter["adapter_path"])
    page.selectbox(key="summarize.strategy").set_value("template")
    page.selectbox(key="summarize.decoding").set_value("greedy")
    page.number_input(key="summarize.max_tokens").set_value(16)
    page.slider(key="summarize.penalty").set_value(1.3)  # a tiny model loops on newlines otherwise
    page.run()
    no_errors(page)
    page.button(key="summarize.run").click().run()
    no_errors(page)
    last = page.session_state["summarize.result"]
    assert last["adapter"] == adapter["adapter_path"]
    assert last["result"].backend == "transformers" and last["result"].text.strip()


def test_cli_tiny_model_is_built_where_asked_and_then_kept(tmp_path, capsys) -> None:
    from transformers import AutoTokenizer

    from clinsum.cli import main

    ws = tmp_path / "ws"
    load_demo(Store.open(ws))
    folder = tmp_path / "elsewhere"
    assert main(["-w", str(ws), "finetune", "tiny-model", str(folder)]) == 0
    assert "random weights" in capsys.readouterr().out
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    assert len(tokenizer) == 1000  # trained on the workspace's records and references
    rendered = tokenizer.apply_chat_template([{"role": "user", "content": "hola"}], tokenize=False,
                                             add_generation_prompt=True)
    assert rendered == "<|im_start|>user\nhola<|im_end|>\n<|im_start|>assistant\n"
    stamp = (folder / "config.json").stat().st_mtime_ns
    assert main(["-w", str(ws), "finetune", "tiny-model", str(folder)]) == 0
    assert (folder / "config.json").stat().st_mtime_ns == stamp
    assert preset("tiny-cpu", workspace=ws).base_model == ""  # not in <workspace>/models
