"""Summarize one record with a backend, a model and a strategy; save the result.

``summarize`` (and ``summarize_stream`` for the live page) works on a workspace record, a
record id, or any text (``record_from_text``, used by the /predict API). ``save_generation``
writes one row of ``generations`` with everything needed to reproduce it: options, prompts
stage by stage, timings, token counts, retrieval and the raw output.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from clinsum.backends.base import Backend, GenerationOptions, get_backend
from clinsum.errors import InputError
from clinsum.records import Record, get_record, split_sections
from clinsum.store import Store, new_id, to_json
from clinsum.strategies.base import (
    Stage,
    StrategyContext,
    SummaryResult,
    SummaryStream,
    get_strategy,
)
from clinsum.text import detect_language, normalize

MAX_TEXT_CHARS = 2_000_000

RecordLike = Record | str


def record_from_text(text: str, language: str | None = None, title: str | None = None) -> Record:
    """A record that is not (yet) in the workspace, with its sections split."""
    text = normalize(text or "")
    if not text.strip():
        raise InputError("The record is empty: there is nothing to summarize.",
                         hint="Paste or upload a clinical record with text.", key="error.record_empty")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"The record has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}.",
                         hint="Split it into several records.")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Record(id=f"text-{digest[:12]}", source="text", language=language or detect_language(text),
                  title=title or text.strip().split("\n", 1)[0][:80], text=text,
                  sections=split_sections(text), content_hash=digest, meta={})


def resolve_record(store: Store | None, record: RecordLike) -> Record:
    if isinstance(record, Record):
        return record
    if store is None:
        raise InputError("A record id needs a workspace.", hint="Pass the record's text instead.")
    return get_record(store, record)


def stored_record_id(store: Store, record: Record) -> str | None:
    """The workspace id of a record with ``record``'s text, or None when it is not imported."""
    row = store.fetch_one("SELECT id FROM records WHERE content_hash = ?", [record.content_hash])
    return row["id"] if row else None


def ensure_record(store: Store, record: Record) -> str:
    """The workspace id of ``record``, importing it first when it came from pasted text."""
    known = stored_record_id(store, record)
    if known:
        return known
    from clinsum.records.ingest import Draft, apply_import, plan_import

    draft = Draft(text=record.text, source=record.source, id=record.id, title=record.title,
                  language=record.language)
    ids = apply_import(store, plan_import(store, [draft]))
    return ids[0] if ids else store.fetch_one(
        "SELECT id FROM records WHERE content_hash = ?", [record.content_hash])["id"]


def make_backend(backend: str | Backend, model: str | None, adapter: str | None = None,
                 config: dict[str, Any] | None = None) -> Backend:
    if isinstance(backend, Backend):
        return backend
    config = dict(config or {})
    if adapter:
        config["adapter"] = adapter
    return get_backend(backend, model or "", **config)


def make_context(
    store: Store | None,
    record: RecordLike,
    backend: str | Backend,
    model: str | None = None,
    strategy: str = "template",
    options: GenerationOptions | None = None,
    *,
    language: str | None = None,
    params: dict[str, Any] | None = None,
    adapter: str | None = None,
    backend_config: dict[str, Any] | None = None,
    on_stage: Callable[[Stage], None] | None = None,
):
    """(strategy, context) ready to run."""
    rec = resolve_record(store, record)
    if not rec.text.strip():
        raise InputError("The record is empty: there is nothing to summarize.",
                         hint="Pick or paste a record with text.", key="error.record_empty")
    chosen = get_strategy(strategy, store)
    ctx = StrategyContext(
        record=rec, backend=make_backend(backend, model, adapter, backend_config),
        options=options or GenerationOptions(), language=language or rec.language or "es",
        store=store, on_stage=on_stage, params=dict(params or {}),
    )
    return chosen, ctx


def summarize(store: Store | None, record: RecordLike, backend: str | Backend,
              model: str | None = None, strategy: str = "template",
              options: GenerationOptions | None = None, **kwargs: Any) -> SummaryResult:
    """Run ``strategy`` on ``record`` and return the finished summary (nothing is saved)."""
    chosen, ctx = make_context(store, record, backend, model, strategy, options, **kwargs)
    result = chosen.run(ctx)
    result.meta.update(_meta(ctx, kwargs))
    return result


def summarize_stream(store: Store | None, record: RecordLike, backend: str | Backend,
                     model: str | None = None, strategy: str = "template",
                     options: GenerationOptions | None = None, **kwargs: Any) -> SummaryStream:
    """Like :func:`summarize`, streaming the final stage; ``.result`` is set at the end."""
    chosen, ctx = make_context(store, record, backend, model, strategy, options, **kwargs)
    inner = chosen.stream(ctx)

    def pieces():
        yield from inner
        inner.result.meta.update(_meta(ctx, kwargs))
        outer.result = inner.result

    outer = SummaryStream(pieces())
    return outer


def _meta(ctx: StrategyContext, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"record_id": ctx.record.id, "adapter": kwargs.get("adapter"),
            "options": ctx.options.to_dict(), "decoding": ctx.options.decoding,
            "params": ctx.params}


_COLUMNS = ("id, record_id, backend, model, adapter, strategy, prompt_version, language, temperature,"
            " decoding, params, text, raw_output, prompts, timings, total_seconds, prompt_tokens,"
            " completion_tokens, retrieval, error, grid_id, cell_key, slot_wait_seconds")
INSERT_SQL = f"INSERT INTO generations ({_COLUMNS}) VALUES ({', '.join('?' * 23)})"


def generation_row(
    record_id: str,
    result: SummaryResult | None = None,
    *,
    backend: str | None = None,
    model: str | None = None,
    strategy: str | None = None,
    options: GenerationOptions | None = None,
    adapter: str | None = None,
    params: dict[str, Any] | None = None,
    error: str | None = None,
    grid_id: str | None = None,
    cell_key: str | None = None,
    language: str | None = None,
) -> list[Any]:
    """The values of one ``generations`` row (a result, or an ``error`` for a failed cell)."""
    meta = result.meta if result else {}
    opts = options.to_dict() if options else dict(meta.get("options") or {})
    decoding = options.decoding if options else meta.get("decoding")
    all_params = {"options": opts, **(params or meta.get("params") or {})}
    if _extractive(result, backend):  # stored with what it used: no prompt, no temperature
        strategy, decoding = "extractive", None
        opts = {k: v for k, v in opts.items() if k == "max_new_tokens"}
        all_params = {"options": opts, **{k: v for k, v in (params or meta.get("params") or {}).items()
                                          if k in EXTRACTIVE_PARAMS}}
        if result is not None:
            result.strategy = "extractive"
    if result is not None:
        all_params["notes"] = result.notes
    return [
        new_id("gen"), record_id, (result.backend if result else backend) or "",
        result.model if result else model, adapter or meta.get("adapter"),
        (result.strategy if result else strategy) or "",
        result.prompt_version if result else None,
        result.language if result else language, opts.get("temperature"), decoding,
        to_json(all_params), result.text if result else None,
        result.raw if result else None, to_json(result.prompts) if result else None,
        to_json(result.timings) if result else None,
        result.total_seconds if result else None,
        result.prompt_tokens if result else None, result.completion_tokens if result else None,
        to_json(result.retrieval) if result and result.retrieval else None,
        error, grid_id, cell_key, result.slot_wait_seconds if result else None,
    ]


#: the parameters an extractive row keeps (the backend's own, and the demo flag)
EXTRACTIVE_PARAMS = ("max_words", "ratio", "dedup", "dedup_threshold", "demo")


def _extractive(result: SummaryResult | None, backend: str | None) -> bool:
    """Whether a row is an extractive summary (its sentences chosen, no prompt, no sampling)."""
    if result is not None:
        return bool(result.extractive)
    from clinsum.backends import BACKENDS

    return bool(backend) and backend in BACKENDS and not BACKENDS.get(backend).generative


def save_generation(store: Store, record_id: str, result: SummaryResult | None = None,
                    **fields: Any) -> str:
    """Write one ``generations`` row (see :func:`generation_row` for the fields); its id.

    A row is a summary (``result`` with its text) or a failure (``error``): a result without
    text and no error raises :class:`InputError`, since a NULL text is never scored or shown."""
    if not fields.get("error") and (result is None or result.text is None):
        raise InputError(
            "A generation needs its summary text (a result with text) or an error saying why it failed.",
            hint="Pass the SummaryResult, or error='...' for a failed generation.")
    row = generation_row(record_id, result, **fields)
    store.execute(INSERT_SQL, row)
    return row[0]


DECODINGS = ("greedy", "beam", "top_k", "top_p", "sample")


def decoding_options(
    decoding: str = "greedy",
    temperature: float = 0.2,
    *,
    top_k: int = 50,
    top_p: float = 0.9,
    num_beams: int = 4,
    repetition_penalty: float | None = None,
    max_new_tokens: int = 1024,
    seed: int | None = None,
    timeout: float = 600.0,
) -> GenerationOptions:
    """GenerationOptions for a decoding named as in the UI, the CLI and GRID.toml."""
    if decoding not in DECODINGS:
        raise InputError(f"Unknown decoding {decoding!r}.", hint=f"Use one of: {', '.join(DECODINGS)}.")
    opts = GenerationOptions(temperature=float(temperature), max_new_tokens=int(max_new_tokens),
                             seed=seed, repetition_penalty=repetition_penalty, timeout=timeout)
    if decoding == "greedy":
        opts.do_sample = False
    elif decoding == "beam":
        opts.num_beams, opts.do_sample = max(2, int(num_beams)), False
    else:
        opts.do_sample = True
        if decoding == "top_k":
            opts.top_k = int(top_k)
        elif decoding == "top_p":
            opts.top_p = float(top_p)
    return opts


def list_models(backend: str, store: Store | None = None, **config: Any) -> list[str]:
    """Models a backend offers now, plus (for transformers) the workspace's adapters' bases
    and the model folders under ``<workspace>/models``."""
    from clinsum.backends import BACKENDS

    if backend != "transformers" or store is None:
        return BACKENDS.get(backend).list_models(**config)
    config.setdefault("models_dir", str(store.root / "models"))
    found = set(BACKENDS.get(backend).list_models(**config))
    found |= {a["base_model"] for a in list_adapters(store) if a.get("base_model")}
    return sorted(found)


def list_adapters(store: Store) -> list[dict[str, Any]]:
    """LoRA adapters registered by fine-tuning (empty when that area is not installed)."""
    try:
        from clinsum.finetune import list_adapters as finetune_adapters
    except ImportError:
        return []
    try:
        return list(finetune_adapters(store))
    except Exception:  # noqa: BLE001 - a missing table or folder means no adapters yet
        return []
