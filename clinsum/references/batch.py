"""Many reference summaries through the OpenAI Batch API, resumable across restarts.

Steps, each recorded in the workspace before the next one starts (tables ``ref_batches``
and ``ref_batch_items``), so any later process continues where the last one stopped:

1. :func:`plan_batch` — de-identify (default) and build one JSONL request per record ×
   prompt (``custom_id``), with a token/cost estimate; nothing is sent. The plan is what a
   person previews.
2. :func:`create_batch` — store the plan, then :func:`submit`: upload the JSONL (Files API)
   and create the batch. A restart between the two re-uses what was stored; a batch created
   remotely but not recorded is found again by its ``metadata.clinsum_batch``.
3. :func:`refresh` — poll; once finished, :func:`fetch` downloads the output and error files,
   links each answer to its record (re-identified locally if chosen) as a new draft
   reference, and marks failures. :func:`retry_failed` sends the failed requests again.

The API key comes from :func:`clinsum.secrets.get_secret` and is never stored.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from clinsum.errors import BackendUnavailable, InputError, NotFound
from clinsum.privacy.gate import PrivacyBlocked, guard_batch
from clinsum.privacy.settings import load_settings
from clinsum.references import add_reference
from clinsum.references.estimate import Estimate, estimate_cost
from clinsum.references.outgoing import Outgoing, clear, prepare_many, restore
from clinsum.references.prompts import RefPrompt, resolve_prompt
from clinsum.secrets import get_secret
from clinsum.store import Store, from_json, new_id, to_json

ENDPOINT = "/v1/chat/completions"
FINISHED = ("completed", "failed", "expired", "cancelled")
DEFAULT_MODEL = "gpt-4o-mini"


# -- the client ------------------------------------------------------------------------------
def openai_client(api_key: str | None = None, base_url: str | None = None, timeout: float = 60.0):
    """An ``openai.OpenAI`` client; BackendUnavailable (what to set) when there is no key."""
    import openai

    key = api_key or get_secret("OPENAI_API_KEY")
    if not key:
        raise BackendUnavailable(
            "No OpenAI API key is set, so nothing can be sent to the Batch API.",
            hint="Set OPENAI_API_KEY in the environment, or OPENAI_API_KEY = \"sk-…\" in "
                 ".streamlit/secrets.toml, then try again.",
        )
    url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    return openai.OpenAI(api_key=key, base_url=url, timeout=timeout, max_retries=2)


def _call(what: str, fn, *args, **kwargs):
    """Run a client call; library errors become BackendUnavailable with a person's message."""
    import openai

    try:
        return fn(*args, **kwargs)
    except openai.AuthenticationError:
        raise BackendUnavailable("OpenAI rejected the API key.",
                                 hint="Check OPENAI_API_KEY (environment or .streamlit/secrets.toml).") from None
    except openai.APIConnectionError:
        raise BackendUnavailable(f"Could not reach the OpenAI service to {what}.",
                                 hint="Check the network connection and try again; nothing is lost.") from None
    except openai.APIStatusError as exc:
        raise BackendUnavailable(f"OpenAI answered {exc.status_code} when trying to {what}: {_message(exc)}",
                                 hint="Try again later; the batch state is kept in the workspace.") from None


def _message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        return str((body.get("error") or body).get("message") or body)[:300]
    return str(exc)[:300]


# -- planning --------------------------------------------------------------------------------
@dataclass
class BatchPlan:
    model: str
    items: list[tuple[str, Outgoing, dict[str, Any]]]  # (opaque custom_id, outgoing, JSONL line)
    estimate: Estimate
    deid: bool
    reidentify: bool
    options: dict[str, Any] = field(default_factory=dict)
    destination: str | None = None

    @property
    def gated(self) -> bool:
        return any(o.gated for _, o, _ in self.items)

    def residues(self) -> list[str]:
        """The distinct residue texts no one has masked or marked safe yet (gated items only)."""
        return sorted({r.text for _, o, _ in self.items if o.gated for r in o.residues})

    @property
    def blocked(self) -> bool:
        return bool(self.residues())

    def jsonl(self) -> bytes:
        """The exact file that will be uploaded."""
        return "".join(json.dumps(line, ensure_ascii=False) + "\n" for _, _, line in self.items).encode("utf-8")


def plan_batch(store: Store, record_ids: Iterable[str], prompts: Iterable[RefPrompt | str | None] = (None,), *,
               model: str = DEFAULT_MODEL, deid: bool = True, keep: Iterable[str] = (),
               reidentify: bool = True, max_tokens: int = 700, temperature: float = 0.2,
               destination: str | None = None, mask: Iterable[str] | bool = (),
               safe: Iterable[str] = (),
               progress: Callable[[int, int], None] | None = None) -> BatchPlan:
    """Everything that would be sent, without sending: requests, preview material, estimate.

    ``progress(i, n)`` is called before record ``i`` (0-based) of ``n`` is prepared
    (de-identification loads its model on first use: the first record is the slow one).

    ``destination``: the server's URL (default: the OpenAI Batch API as configured); ``mask`` /
    ``safe``: residue texts to mask or that a person marked safe (see the privacy gate).
    Each request's ``custom_id`` is a random token: record ids never leave the machine.
    """
    ids = list(dict.fromkeys(record_ids))
    prompts = list(prompts) or [None]
    if not ids:
        raise InputError("Choose at least one record.")
    keep = list(keep)
    destination = destination or batch_url()
    mask = mask if isinstance(mask, bool) else list(mask)
    safe = list(safe)
    items = []
    settings = load_settings(store)
    for i, record_id in enumerate(ids):
        if progress:
            progress(i, len(ids))
        for out in prepare_many(store, record_id, prompts, deid=deid, keep=keep, destination=destination,
                                mask=mask, safe=safe, settings=settings):
            custom_id = f"req-{len(items) + 1:05d}-{secrets.token_hex(5)}"  # opaque, sorts in plan order
            line = {"custom_id": custom_id, "method": "POST", "url": ENDPOINT,
                    "body": {"model": model, "messages": out.messages, "temperature": temperature,
                             "max_tokens": max_tokens}}
            items.append((custom_id, out, line))
    if len({(o.record_id, o.prompt.name) for _, o, _ in items}) != len(items):
        raise InputError("The same prompt was chosen twice.", hint="Each record × prompt is sent once.")
    estimate = estimate_cost(model, [o.messages for _, o, _ in items], max_tokens, batch=True,
                             workspace=store.root)
    options = {"keep": keep, "max_tokens": max_tokens, "temperature": temperature,
               "prompts": sorted({o.prompt.name for _, o, _ in items})}
    return BatchPlan(model, items, estimate, deid, reidentify and deid, options, destination)


def batch_url(base_url: str | None = None) -> str:
    """Where a batch goes: ``base_url``, else ``$OPENAI_BASE_URL``, else the OpenAI API."""
    from clinsum.backends.openai_compat import OPENAI_URL

    return base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_URL


# -- creating and submitting -----------------------------------------------------------------
def create_batch(store: Store, plan: BatchPlan, client=None, *, base_url: str | None = None,
                 submit_now: bool = True, retry_of: str | None = None, accept_residues: bool = False) -> str:
    """Record ``plan`` in the workspace, then (by default) upload and create it remotely.

    Refused (:class:`~clinsum.privacy.PrivacyBlocked`) while residues remain, unless
    ``accept_residues``; each request a person approved is cleared for the gate.
    """
    if plan.blocked and not accept_residues:
        raise PrivacyBlocked(plan.residues())
    for _, out, _ in plan.items:
        if out.gated:
            clear(store, out, accept=True)
    batch_id = new_id("refb")
    with store.transaction() as con:
        con.execute(
            "INSERT INTO ref_batches (id, status, model, base_url, deid, reidentify, options, estimate, retry_of)"
            " VALUES (?, 'prepared', ?, ?, ?, ?, ?, ?, ?)",
            [batch_id, plan.model, base_url, plan.deid, plan.reidentify, to_json(plan.options),
             to_json(plan.estimate.to_dict()), retry_of],
        )
        for custom_id, out, line in plan.items:
            con.execute(
                "INSERT INTO ref_batch_items (batch_id, custom_id, record_id, prompt_name, request, status)"
                " VALUES (?, ?, ?, ?, ?, 'pending')",
                [batch_id, custom_id, out.record_id, out.prompt.name, to_json(line)],
            )
    if submit_now:
        submit(store, batch_id, client or openai_client(base_url=base_url))
    return batch_id


def batch_jsonl(store: Store, batch_id: str) -> bytes:
    rows = store.execute("SELECT request FROM ref_batch_items WHERE batch_id = ? ORDER BY custom_id", [batch_id])
    return "".join(json.dumps(from_json(r[0]), ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def submit(store: Store, batch_id: str, client) -> dict[str, Any]:
    """Upload and create whatever of ``batch_id`` is not done yet (safe to call again)."""
    batch = get_batch(store, batch_id)
    if batch["remote_id"] or batch["status"] == "cancelled":
        return batch
    if not batch["input_file_id"]:
        items = batch_items(store, batch_id)
        data = batch_jsonl(store, batch_id)
        guard_batch(str(getattr(client, "base_url", "") or batch_url(batch["base_url"])),
                    [i["request"] for i in items], store=store, records=[i["record_id"] for i in items],
                    tokens=[i["custom_id"] for i in items], jsonl=data,
                    languages=_record_languages(store, [i["record_id"] for i in items]))
        uploaded = _call("upload the requests", client.files.create,
                         file=(f"{batch_id}.jsonl", data), purpose="batch")
        _update(store, batch_id, input_file_id=uploaded.id, status="uploaded")
        batch["input_file_id"] = uploaded.id
    remote = _find_remote(client, batch_id)
    if remote is None:
        remote = _call("create the batch", client.batches.create, input_file_id=batch["input_file_id"],
                       endpoint=ENDPOINT, completion_window="24h", metadata={"clinsum_batch": batch_id})
    _update(store, batch_id, remote_id=remote.id, status="submitted", remote_status=remote.status)
    return get_batch(store, batch_id)


def _record_languages(store: Store, record_ids: list[str]) -> list[str | None]:
    """The language of each record (None for one no longer in the workspace)."""
    rows = dict(store.execute("SELECT id, language FROM records WHERE id IN (SELECT unnest(?))",
                              [sorted(set(record_ids))]))
    return [rows.get(r) for r in record_ids]


def _find_remote(client, batch_id: str):
    """A remote batch already created for ``batch_id`` (a restart right after creating it)."""
    page = _call("list batches", client.batches.list, limit=100)
    for remote in page.data:
        if (remote.metadata or {}).get("clinsum_batch") == batch_id:
            return remote
    return None


# -- polling and fetching --------------------------------------------------------------------
def refresh(store: Store, batch_id: str, client) -> dict[str, Any]:
    """Submit if needed, poll the remote batch, and fetch results once it has finished."""
    batch = submit(store, batch_id, client)
    if batch["status"] == "fetched" or not batch["remote_id"]:
        return batch
    remote = _call("check the batch", client.batches.retrieve, batch["remote_id"])
    counts = remote.request_counts.model_dump() if remote.request_counts else None
    errors = None
    if remote.errors and remote.errors.data:
        errors = "; ".join(f"line {e.line}: {e.message}" if e.line else str(e.message) for e in remote.errors.data)
    _update(store, batch_id, remote_status=remote.status, status=remote.status, request_counts=to_json(counts),
            output_file_id=remote.output_file_id, error_file_id=remote.error_file_id, error=errors)
    if remote.status in FINISHED:
        fetch(store, batch_id, client)
    return get_batch(store, batch_id)


def fetch(store: Store, batch_id: str, client) -> dict[str, int]:
    """Download output and error files; store answers as references, mark failures. Idempotent."""
    batch = get_batch(store, batch_id)
    results: dict[str, dict[str, Any]] = {}
    for file_id in (batch["error_file_id"], batch["output_file_id"]):
        if file_id:
            content = _call("download the results", client.files.content, file_id)
            for raw in content.text.splitlines():
                if raw.strip():
                    line = json.loads(raw)
                    results[line.get("custom_id")] = line
    done = failed = 0
    with store.transaction():  # everything downloaded: store it all at once (or nothing)
        for item in batch_items(store, batch_id):
            if item["status"] in ("done", "retried"):
                done += item["status"] == "done"
                continue
            answer, error, usage = _parse_line(results.get(item["custom_id"]), batch["remote_status"])
            if answer is None:
                _set_item(store, batch_id, item["custom_id"], status="failed", error=error)
                failed += 1
                continue
            text = restore(store, item["record_id"], answer) if batch["reidentify"] else answer
            ref_id = add_reference(
                store, item["record_id"], text, author=f"openai-batch:{batch['model']}", model=batch["model"],
                prompt=item["prompt_name"],
                provenance={"source": "openai-batch", "batch": batch_id, "remote_batch": batch["remote_id"],
                            "custom_id": item["custom_id"], "deidentified": bool(batch["deid"]),
                            "reidentified": bool(batch["reidentify"]), "usage": usage},
            )
            _set_item(store, batch_id, item["custom_id"], status="done", reference_id=ref_id,
                      response_text=answer, usage=to_json(usage), error=None)
            done += 1
        _update(store, batch_id, status="fetched")
    return {"done": done, "failed": failed}


def _parse_line(line: dict[str, Any] | None, remote_status: str | None) -> tuple[str | None, str | None, Any]:
    """(answer, error, usage) of one output/error file line."""
    if line is None:
        return None, f"no answer in the results (batch {remote_status or 'unknown'})", None
    if line.get("error"):
        err = line["error"]
        return None, f"{err.get('code') or 'error'}: {err.get('message') or err}", None
    response = line.get("response") or {}
    body = response.get("body") or {}
    if response.get("status_code") != 200:
        message = (body.get("error") or {}).get("message") if isinstance(body, dict) else None
        return None, f"HTTP {response.get('status_code')}: {message or body}", None
    try:
        answer = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return None, "the answer has no message content", None
    if not (answer or "").strip():
        return None, "the answer is empty", body.get("usage")
    return answer, None, body.get("usage")


def retry_failed(store: Store, batch_id: str, client=None, *, submit_now: bool = True) -> str:
    """A new batch with the failed requests of ``batch_id`` (same lines); those are marked retried."""
    batch = get_batch(store, batch_id)
    failed = [i for i in batch_items(store, batch_id) if i["status"] == "failed"]
    if not failed:
        raise InputError("This batch has no failed requests to retry.")
    new = new_id("refb")
    with store.transaction() as con:
        con.execute(
            "INSERT INTO ref_batches (id, status, model, base_url, deid, reidentify, options, estimate, retry_of)"
            " SELECT ?, 'prepared', model, base_url, deid, reidentify, options, NULL, id FROM ref_batches WHERE id = ?",
            [new, batch_id],
        )
        for item in failed:
            con.execute(
                "INSERT INTO ref_batch_items (batch_id, custom_id, record_id, prompt_name, request, status)"
                " VALUES (?, ?, ?, ?, ?, 'pending')",
                [new, item["custom_id"], item["record_id"], item["prompt_name"], to_json(item["request"])],
            )
            con.execute("UPDATE ref_batch_items SET status = 'retried', updated_at = current_timestamp"
                        " WHERE batch_id = ? AND custom_id = ?", [batch_id, item["custom_id"]])
    if submit_now:
        submit(store, new, client or openai_client(base_url=batch["base_url"]))
    return new


def cancel(store: Store, batch_id: str, client) -> dict[str, Any]:
    batch = get_batch(store, batch_id)
    if not batch["remote_id"]:  # never sent: nothing to ask the service
        with store.transaction():
            _update(store, batch_id, status="cancelled")
            store.execute("UPDATE ref_batch_items SET status = 'failed', error = 'cancelled before sending',"
                          " updated_at = current_timestamp WHERE batch_id = ? AND status = 'pending'", [batch_id])
        return get_batch(store, batch_id)
    remote = _call("cancel the batch", client.batches.cancel, batch["remote_id"])
    _update(store, batch_id, remote_status=remote.status, status=remote.status)
    return get_batch(store, batch_id)


# -- queries ---------------------------------------------------------------------------------
def get_batch(store: Store, batch_id: str) -> dict[str, Any]:
    row = store.fetch_one("SELECT * FROM ref_batches WHERE id = ?", [batch_id])
    if row is None:
        raise NotFound(f"No batch {batch_id!r} in this workspace.", hint="`clinsum refs batch status` lists them.")
    for key in ("options", "estimate", "request_counts"):
        row[key] = from_json(row[key])
    return row


def list_batches(store: Store) -> list[dict[str, Any]]:
    return store.fetch_dicts(
        "SELECT b.id, b.status, b.model, b.remote_id, b.deid, b.created_at, b.retry_of,"
        " count(i.custom_id) AS n_items,"
        " count(i.custom_id) FILTER (WHERE i.status = 'done') AS n_done,"
        " count(i.custom_id) FILTER (WHERE i.status = 'failed') AS n_failed"
        " FROM ref_batches b LEFT JOIN ref_batch_items i ON i.batch_id = b.id"
        " GROUP BY ALL ORDER BY b.created_at DESC")


def batch_items(store: Store, batch_id: str) -> list[dict[str, Any]]:
    rows = store.fetch_dicts("SELECT * FROM ref_batch_items WHERE batch_id = ? ORDER BY custom_id", [batch_id])
    for row in rows:
        row["request"] = from_json(row["request"])
        row["usage"] = from_json(row["usage"])
    return rows


def result_texts(store: Store, batch_id: str) -> dict[str, str]:
    """The reference texts a batch produced, by reference id."""
    return {r["id"]: r["text"] for r in store.fetch_dicts(
        "SELECT id, text FROM reference_summaries WHERE id IN (SELECT reference_id FROM ref_batch_items"
        " WHERE batch_id = ?)", [batch_id])}


def _update(store: Store, batch_id: str, **values: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in values)
    store.execute(f"UPDATE ref_batches SET {sets}, updated_at = current_timestamp WHERE id = ?",
                  [*values.values(), batch_id])


def _set_item(store: Store, batch_id: str, custom_id: str, **values: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in values)
    store.execute(f"UPDATE ref_batch_items SET {sets}, updated_at = current_timestamp"
                  " WHERE batch_id = ? AND custom_id = ?", [*values.values(), batch_id, custom_id])


__all__ = ["BatchPlan", "cancel", "create_batch", "fetch", "get_batch", "list_batches", "openai_client",
           "plan_batch", "refresh", "resolve_prompt", "result_texts", "retry_failed", "submit"]
