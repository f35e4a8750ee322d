"""The waits a user sees, each on first use in a fresh process, and how soon the page has news.

Measured through the library calls and callbacks the pages use (the page draws a line or a
label for each callback), each in its own process on its own copy of a demo workspace, so
"first" means what a user meets first (models and bases not loaded yet):

- ``rag_first``: the first multi-question RAG summary (``rag_multi`` over the seed base, which
  is built on first use, as the Summarize page does it through ``rag_view.build_seed_first``),
  against a loopback Ollama answering after ``LATENCY`` s per call;
- ``deid_preview_first``: the first de-identified reference preview (``plan_batch`` on three
  demo records: the first one loads the de-identification models);
- ``extractive_17k``: an extractive summary (``minilm-mmr``) of the 17.7k-character demo record,
  embedding model not loaded yet;
- ``before_after_grid``: a before/after grid of a tiny random-weight model and a LoRA adapter
  (``before_after_grid`` + ``submit_grid``): the click, then the job's first cell stored.

For each: the total wait, the first news (the first message the page can draw) and the longest
silence (the longest time between two messages, or until the end). BENCH lines: the total
against the figure the issue measured before (58 s, 33 s, 9 s idle / 22–26 s busy; the grid
has none: the goal is its click under 2 s), and the first news against 2 s.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LATENCY = 0.3  # seconds per loopback LLM call
BEFORE = {"rag_first": 58.0, "deid_preview_first": 33.0, "extractive_17k": 9.0}
WAITS = ("rag_first", "deid_preview_first", "extractive_17k", "before_after_grid")
NEWS_GOAL = 2.0


class Clock:
    """Timestamps of the messages a page would draw, from the start of the wait."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.messages: list[tuple[float, str]] = []

    def note(self, what: str) -> None:
        self.messages.append((round(time.perf_counter() - self.t0, 3), what))

    def report(self, **extra) -> dict:
        total = time.perf_counter() - self.t0
        times = [0.0] + [t for t, _ in self.messages] + [total]
        return {"total": round(total, 3), "first_news": self.messages[0][0] if self.messages else round(total, 3),
                "longest_silence": round(max(b - a for a, b in zip(times, times[1:], strict=False)), 3),
                "messages": self.messages, **extra}


class Status:
    """Stands where ``st.status`` stands for ``rag_view.build_seed_first``: each call is news."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def update(self, label: str = "", **_: object) -> None:
        self.clock.note(label)

    def write(self, text: str) -> None:
        self.clock.note(text)


def rag_first(store) -> dict:
    from clinsum.generation import summarize
    from clinsum.ui import rag_view
    from tests.fakes.llm_server import LLMServer, rag_responder

    params = {"kb": "seed", "top_k": 3}
    with LLMServer(latency=LATENCY) as server:
        server.responder = rag_responder
        clock = Clock()
        rag_view.build_seed_first(store, params, Status(clock))
        seed = time.perf_counter() - clock.t0
        summarize(store, "es05_oncologia_colon", "ollama", "llama3.2:1b", "rag_multi", params=params,
                  backend_config={"host": server.ollama_host, "progress": lambda step, **i: clock.note(step)},
                  on_stage=lambda stage: clock.note(f"stage {stage.name}"))
        return clock.report(seed_build=round(seed, 3), llm_calls=len(server.calls))


def deid_preview_first(store) -> dict:
    from clinsum.references.batch import plan_batch

    records = ["es05_oncologia_colon", "es01_cardiologia_icc", "en01_cardiology_afib_rvr"]
    clock = Clock()
    plan_batch(store, records, deid=True, progress=lambda i, n: clock.note(f"record {i + 1}/{n}"))
    return clock.report()


def extractive_17k(store) -> dict:
    from clinsum.backends import GenerationOptions, get_backend

    text = store.scalar("SELECT text FROM records WHERE id = 'es05_oncologia_colon'")
    clock = Clock()
    backend = get_backend("extractive", "minilm-mmr", progress=lambda step, **info: clock.note(step))
    backend.generate([{"role": "user", "content": text}], GenerationOptions())
    return clock.report(chars=len(text))


def before_after_grid(store) -> dict:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from clinsum import jobs
    from clinsum.experiments import submit_grid
    from clinsum.finetune.adapters import register_adapter
    from clinsum.finetune.before_after import before_after_grid as grid_of
    from tests.fakes.tiny_llama import build_tiny_llama

    model = build_tiny_llama(store.root / "models" / "tiny")
    torch.manual_seed(1)
    lora = LoraConfig(r=4, lora_alpha=32, target_modules=["q_proj", "v_proj"], init_lora_weights=False,
                      task_type="CAUSAL_LM")
    get_peft_model(AutoModelForCausalLM.from_pretrained(model), lora).save_pretrained(store.root / "adapter")
    adapter = register_adapter(store, name="bench", base_model=str(model), adapter_path=str(store.root / "adapter"),
                               config={"kind": "preference", "val_records": ["es05_oncologia_colon", "es01_cardiologia_icc"]})
    clock = Clock()
    grid_id = submit_grid(store, grid_of(store, adapter, max_new_tokens=16))
    click = time.perf_counter() - clock.t0
    clock.note("submitted")
    seen, first_cell = None, None
    while True:
        info = jobs.info(store, grid_id)
        progress = info.get("progress") or {}
        shown = (progress.get("done"), progress.get("message"))
        if shown != seen and progress:
            seen = shown
            clock.note(f"{progress.get('done')}/{progress.get('total')} {progress.get('message') or ''}".strip())
            if first_cell is None and (progress.get("done") or 0) >= 1:
                first_cell = time.perf_counter() - clock.t0
        if info["status"] not in jobs.ACTIVE:
            break
        time.sleep(0.1)
    return clock.report(click=round(click, 3), first_cell=round(first_cell or -1, 3), status=info["status"])


def child(name: str, template: str) -> None:
    from clinsum.store import Store

    workspace = Path(tempfile.mkdtemp(prefix=f"wait-{name}-")) / "ws"
    shutil.copytree(template, workspace)
    try:
        result = globals()[name](Store.open(workspace))
    finally:
        shutil.rmtree(workspace.parent, ignore_errors=True)
    print("RESULT " + json.dumps(result), flush=True)


def _line(name: str, value: float, goal: float) -> None:
    print(f"BENCH {name} {value:.2f} {goal} {'PASS' if value <= goal else 'MISS'}", flush=True)


def main() -> None:
    from clinsum.demo import load_demo
    from clinsum.store import Store

    print(f"load: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores", flush=True)
    template = Path(tempfile.mkdtemp(prefix="waits-")) / "ws"
    load_demo(Store.open(template))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CLINSUM_TRACKING": "off", "HF_HUB_OFFLINE": "1"}
    for name in sys.argv[1:] or WAITS:
        log = template.parent / f"{name}.log"
        with log.open("w") as out:  # never a pipe nobody reads
            subprocess.run([sys.executable, __file__, "--child", name, str(template)], env=env,
                           stdout=out, stderr=subprocess.STDOUT, check=False, cwd=ROOT)
        found = [line for line in log.read_text().splitlines() if line.startswith("RESULT ")]
        if not found:
            print(f"BENCH wait_{name}_s error - MISS  # {log.read_text()[-400:]!r}")
            continue
        result = json.loads(found[-1][7:])
        messages = " | ".join(f"{t:.1f}s {m[:50]}" for t, m in result.pop("messages"))
        print(f"{name}: {json.dumps(result)}\n  news: {messages}", flush=True)
        goal = BEFORE.get(name, NEWS_GOAL)
        _line(f"wait_{name}_s", result["click"] if name == "before_after_grid" else result["total"], goal)
        _line(f"wait_{name}_first_news_s", result["first_news"], NEWS_GOAL)
    print(f"load after: {os.getloadavg()[0]:.1f}", flush=True)
    shutil.rmtree(template.parent, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
