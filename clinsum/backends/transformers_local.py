"""A local Hugging Face Transformers model (a folder, or a hub id already in the local cache),
optionally with a PEFT LoRA adapter. Loading is offline only: nothing is ever downloaded.

Config: ``adapter`` (folder of a PEFT adapter), ``device`` (``auto`` | ``cpu`` | ``cuda`` |
``cuda:N``; auto picks CUDA when present), ``dtype`` (``auto``: bfloat16/float16 on GPU,
float32 on CPU). The prompt comes from the tokenizer's chat template, or a plain
``Role: text`` prompt when it has none. Decoding: greedy, beam (``num_beams``), top-k,
top-p, temperature, repetition penalty, seed, stop strings. Models load once per
(model, adapter, device) and are shared by every backend instance in the process.
Steps (``config["progress"]``, see :meth:`Backend.step`): ``load_model`` before a model is
loaded, ``generate`` when its prompt is ready.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinsum.backends.base import (
    BACKENDS,
    Backend,
    GenerationOptions,
    GenerationResult,
    Message,
    Stream,
    timed_result,
)
from clinsum.errors import BackendUnavailable

_cache: dict[tuple[str, str, str], LoadedModel] = {}
_cache_lock = threading.Lock()


@dataclass
class LoadedModel:
    tokenizer: Any
    model: Any
    device: str
    load_seconds: float
    lock: threading.Lock = field(default_factory=threading.Lock)  # one generation at a time


def pick_device(requested: str | None) -> str:
    """``auto`` → ``cuda`` when a GPU is visible, else ``cpu``; a missing GPU is an error."""
    import torch

    requested = (requested or "auto").lower()
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise BackendUnavailable("A CUDA GPU was requested but none is available here.",
                                 hint="Use device=cpu (slower) or run on a machine with a GPU.")
    return requested


def _dtype(device: str, requested: str | None):
    import torch

    if requested and requested != "auto":
        return getattr(torch, requested)
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def load_model(model: str, adapter: str | None = None, device: str | None = "auto",
               dtype: str | None = "auto") -> LoadedModel:
    """The (cached) tokenizer and model, with the adapter applied, on ``device``."""
    device = pick_device(device)
    key = (model, adapter or "", device)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        started = time.perf_counter()
        tokenizer, loaded = _load(model, adapter, device, dtype)
        _cache[key] = LoadedModel(tokenizer, loaded, device, time.perf_counter() - started)
        return _cache[key]


def resolve_model(model: str) -> Path:
    """The local folder of ``model``: a folder (with config.json), or a hub name already in
    this machine's Hugging Face cache. Nothing is looked up or downloaded: anything else is
    a BackendUnavailable naming what is missing, at once."""
    if not (model or "").strip():
        raise BackendUnavailable("No model given for the local Transformers backend.",
                                 hint="Give the folder that holds config.json and the weights.")
    local = Path(model).expanduser()
    if local.is_dir():
        if not (local / "config.json").is_file():
            raise BackendUnavailable(f"The model folder {model} has no config.json.",
                                     hint="Give the folder that holds config.json and the weights.")
        return local
    cached = _cached_snapshot(model)
    if cached is not None:
        return cached
    if local.is_absolute() or model.startswith((".", "~")) or local.exists():
        raise BackendUnavailable(f"The model folder {model} does not exist.",
                                 hint="Give the folder that holds config.json and the weights.")
    raise BackendUnavailable(
        f"The model {model!r} is not on this machine: no such folder, and not in the local "
        "Hugging Face cache. Models are never downloaded at run time.",
        hint=f"On a machine with internet: `hf download {model} --local-dir FOLDER`, copy the "
             "folder here and give its path.",
    )


def _cached_snapshot(repo_id: str) -> Path | None:
    """The cached snapshot folder of hub model ``repo_id`` (local files only), if any."""
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(repo_id, "config.json")
    except Exception:  # noqa: BLE001 - not a valid hub name, or no cache: not cached
        return None
    return Path(found).parent if isinstance(found, str) else None


def _load(model: str, adapter: str | None, device: str, dtype: str | None) -> tuple[Any, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: never reach the hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    source = resolve_model(model)
    if adapter and not (Path(adapter).expanduser() / "adapter_config.json").is_file():
        raise BackendUnavailable(f"No PEFT adapter at {adapter} (adapter_config.json missing).",
                                 hint="Give the folder a fine-tuning run saved its adapter to.")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=True)
        loaded = AutoModelForCausalLM.from_pretrained(str(source), dtype=_dtype(device, dtype),
                                                      local_files_only=True)
    except (OSError, ValueError) as exc:
        raise BackendUnavailable(
            f"Could not load the model {model!r} from {source}: {str(exc).splitlines()[0][:200]}",
            hint="The folder must hold config.json, the tokenizer files and the weights "
                 "(as saved by `hf download NAME --local-dir FOLDER`).",
        ) from None
    if adapter:
        from peft import PeftModel

        loaded = PeftModel.from_pretrained(loaded, str(Path(adapter).expanduser()), local_files_only=True)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    loaded.to(device)
    loaded.eval()
    return tokenizer, loaded


def clear_cache() -> None:
    """Forget loaded models (frees their memory once nothing else holds them)."""
    with _cache_lock:
        _cache.clear()


def plain_prompt(messages: list[Message]) -> str:
    """The prompt for tokenizers without a chat template."""
    labels = {"system": "Instrucciones", "user": "Usuario", "assistant": "Asistente"}
    parts = [f"{labels.get(m['role'], m['role'])}: {m['content']}" for m in messages]
    return "\n\n".join(parts) + "\n\nAsistente:"


def generation_kwargs(options: GenerationOptions, tokenizer: Any) -> dict[str, Any]:
    """``model.generate`` keyword arguments for ``options``."""
    kwargs: dict[str, Any] = {"max_new_tokens": options.max_new_tokens,
                              "pad_token_id": tokenizer.pad_token_id}
    decoding = options.decoding
    if decoding == "beam":
        kwargs.update(num_beams=options.num_beams, do_sample=False, early_stopping=True)
    elif decoding == "greedy":
        kwargs["do_sample"] = False
    else:
        kwargs.update(do_sample=True, temperature=max(options.temperature, 1e-5))
        if options.top_k:
            kwargs["top_k"] = options.top_k
        if options.top_p is not None:
            kwargs["top_p"] = options.top_p
    if decoding in ("greedy", "beam"):  # override sampling defaults from generation_config
        kwargs.update(temperature=None, top_p=None, top_k=None)
    if options.repetition_penalty is not None:
        kwargs["repetition_penalty"] = options.repetition_penalty
    if options.stop:
        kwargs.update(stop_strings=list(options.stop), tokenizer=tokenizer)
    return kwargs


def cut_at_stop(text: str, stop: list[str] | None) -> str:
    """``text`` up to the first stop string (the model may have produced it)."""
    for marker in stop or []:
        if marker and marker in text:
            text = text[: text.index(marker)]
    return text


class _WhenSet:
    """A stopping criterion: stop generating once ``event`` is set."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool,
                          device=input_ids.device)


def _guard_stall(streamer: Any, timeout: float) -> Iterator[str]:
    """The streamer's pieces; a stall longer than ``timeout`` becomes BackendUnavailable."""
    import queue

    try:
        yield from streamer
    except queue.Empty:
        raise BackendUnavailable(
            f"The local model produced nothing for {timeout:g} s.",
            hint="The machine may be overloaded; try a smaller model or fewer max new tokens.",
        ) from None


@BACKENDS.register("transformers")
class TransformersBackend(Backend):
    name = "transformers"
    default_concurrency = 1
    concurrency_tunable = False  # one model in this process: calls queue on it
    local_model = True
    label = "Local Transformers model (CPU or GPU)"
    needs = ("A model folder on this machine (config.json + weights; e.g. downloaded with "
             "`hf download`), optionally a LoRA adapter folder; a CUDA GPU makes it fast.")

    def _loaded(self) -> tuple[LoadedModel, bool]:
        key_known = (self.model, self.config.get("adapter") or "",
                     pick_device(self.config.get("device")))
        cached = key_known in _cache
        if not cached:
            self.step("load_model", model=Path(self.model).name or self.model, device=key_known[2])
        return load_model(self.model, self.config.get("adapter"), self.config.get("device"),
                          self.config.get("dtype")), not cached

    def _inputs(self, loaded: LoadedModel, messages: list[Message]) -> tuple[dict[str, Any], bool]:
        tokenizer = loaded.tokenizer
        if getattr(tokenizer, "chat_template", None):
            encoded = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                                    return_tensors="pt", return_dict=True)
            templated = True
        else:
            encoded = tokenizer(plain_prompt(messages), return_tensors="pt")
            templated = False
        return {k: v.to(loaded.device) for k, v in encoded.items()}, templated

    def _result(self, loaded: LoadedModel, raw: str, started: float, first: float | None,
                prompt_tokens: int, completion_tokens: int | None, templated: bool,
                fresh: bool, options: GenerationOptions) -> GenerationResult:
        result = timed_result(self, raw, started, first, prompt_tokens=prompt_tokens,
                              completion_tokens=completion_tokens)
        if fresh:
            result.timings["load"] = round(loaded.load_seconds, 4)
        result.meta.update(device=loaded.device, adapter=self.config.get("adapter"),
                           decoding=options.decoding, chat_template=templated)
        return result

    def generate(self, messages: list[Message], options: GenerationOptions) -> GenerationResult:
        import torch
        from transformers import set_seed

        started = time.perf_counter()
        loaded, fresh = self._loaded()
        inputs, templated = self._inputs(loaded, messages)
        n_prompt = int(inputs["input_ids"].shape[1])
        self.step("generate", prompt=n_prompt, tokens=options.max_new_tokens, device=loaded.device)
        with loaded.lock, torch.inference_mode():
            if options.seed is not None:
                set_seed(options.seed)
            output = loaded.model.generate(**inputs, **generation_kwargs(options, loaded.tokenizer))
        new_tokens = output[0][n_prompt:]
        raw = cut_at_stop(loaded.tokenizer.decode(new_tokens, skip_special_tokens=True), options.stop)
        return self._result(loaded, raw, started, None, n_prompt, int(new_tokens.shape[0]),
                            templated, fresh, options)

    def stream(self, messages: list[Message], options: GenerationOptions) -> Stream:
        if options.decoding == "beam":  # beam search cannot stream: one piece at the end
            return super().stream(messages, options)
        started = time.perf_counter()
        state: dict[str, Any] = {"first": None, "completion": None, "error": None}
        holder: dict[str, Any] = {}

        def pieces() -> Iterator[str]:
            import torch
            from transformers import StoppingCriteriaList, TextIteratorStreamer, set_seed

            loaded, fresh = self._loaded()
            inputs, templated = self._inputs(loaded, messages)
            n_prompt = int(inputs["input_ids"].shape[1])
            self.step("generate", prompt=n_prompt, tokens=options.max_new_tokens, device=loaded.device)
            holder.update(loaded=loaded, fresh=fresh, templated=templated, n_prompt=n_prompt)
            streamer = TextIteratorStreamer(loaded.tokenizer, skip_prompt=True,
                                            skip_special_tokens=True, timeout=options.timeout)

            abandoned = threading.Event()  # set when the reader stops early (page closed, stop)

            def work() -> None:
                try:
                    with loaded.lock, torch.inference_mode():
                        if options.seed is not None:
                            set_seed(options.seed)
                        output = loaded.model.generate(
                            **inputs, streamer=streamer,
                            stopping_criteria=StoppingCriteriaList([_WhenSet(abandoned)]),
                            **generation_kwargs(options, loaded.tokenizer))
                    state["completion"] = int(output.shape[1]) - n_prompt
                except Exception as exc:  # noqa: BLE001 - re-raised in the consumer
                    state["error"] = exc
                    streamer.end()

            thread = threading.Thread(target=work, daemon=True, name="clinsum-generate")
            thread.start()
            try:
                emitted, stopped = "", False
                for piece in _guard_stall(streamer, options.timeout):
                    if stopped or not piece:
                        continue
                    if options.stop:  # stop strings: emit up to the first one, then nothing
                        kept = cut_at_stop(emitted + piece, options.stop)
                        stopped = len(kept) < len(emitted) + len(piece)
                        piece = kept[len(emitted):]
                        if not piece:
                            continue
                    if state["first"] is None:
                        state["first"] = time.perf_counter()
                    emitted += piece
                    yield piece
            finally:
                abandoned.set()  # a no-op after a full answer; ends generation when abandoned
            thread.join()
            if state["error"] is not None:
                raise BackendUnavailable(
                    f"The local model failed while generating: {state['error']}",
                    hint="Try fewer max new tokens, another decoding, or device=cpu.",
                ) from state["error"]

        def finish(text: str) -> GenerationResult:
            return self._result(holder["loaded"], cut_at_stop(text, options.stop), started,
                                state["first"], holder["n_prompt"], state["completion"],
                                holder["templated"], holder["fresh"], options)

        return Stream(pieces(), finish)

    @classmethod
    def list_models(cls, **config: Any) -> list[str]:
        """Model folders under ``config["models_dir"]`` (each with a config.json), and loaded ones."""
        found = {key[0] for key in _cache}
        folder = config.get("models_dir")
        if folder and Path(folder).is_dir():
            found |= {str(p.parent) for p in Path(folder).glob("*/config.json")}
        return sorted(found)

    @classmethod
    def status(cls, **config: Any) -> tuple[bool, str]:
        import importlib.util

        if importlib.util.find_spec("torch") is None or importlib.util.find_spec("transformers") is None:
            return False, "PyTorch and Transformers are not installed"
        return True, "needs a local model folder (CUDA when present, else CPU)"

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.model, "adapter": self.config.get("adapter"),
                "device": self.config.get("device", "auto")}
