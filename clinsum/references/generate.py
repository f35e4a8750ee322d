"""A few reference summaries at once through any backend (Ollama, OpenAI, local …).

Each record is prepared (de-identified by default, see :mod:`clinsum.references.outgoing`),
sent, and the answer stored as a new draft reference version with its provenance. A
failing record does not stop the others: its outcome carries the error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from clinsum.backends.base import GenerationOptions, get_backend
from clinsum.errors import ClinsumError, InputError
from clinsum.privacy.gate import sending
from clinsum.references import add_reference
from clinsum.references.outgoing import Outgoing, clear, prepare, restore
from clinsum.references.prompts import RefPrompt
from clinsum.store import Store


@dataclass
class Outcome:
    record_id: str
    reference_id: str | None = None
    text: str | None = None
    error: str | None = None
    hint: str | None = None
    residues: list[str] | None = None  # set when the privacy gate refused to send it


def generate_references(
    store: Store,
    record_ids: Iterable[str],
    backend: str,
    model: str,
    *,
    prompt: RefPrompt | str | None = None,
    deid: bool = True,
    keep: Iterable[str] = (),
    reidentify: bool = False,
    options: GenerationOptions | None = None,
    backend_config: dict[str, Any] | None = None,
    on_done: Callable[[Outcome], None] | None = None,
    mask: Iterable[str] | bool = (),
    safe: Iterable[str] = (),
    accept_residues: bool = False,
) -> list[Outcome]:
    """Generate and store one draft reference per record; return an outcome per record.

    For a server outside the hospital each record passes the privacy gate: residues must be
    masked (``mask``), marked safe (``safe``) or all accepted (``accept_residues``), else that
    record is not sent and its outcome says why.
    """
    ids = list(record_ids)
    if not ids:
        raise InputError("Choose at least one record.")
    options = options or GenerationOptions(temperature=0.2, max_new_tokens=700)
    engine = get_backend(backend, model, **(backend_config or {}))
    destination = destination_of(engine)
    outcomes = []
    for record_id in ids:
        outcome = Outcome(record_id)
        try:
            out = prepare(store, record_id, prompt, deid=deid, keep=keep, destination=destination,
                          mask=mask, safe=safe)
            accepted = [*out.safe, *(r.text for r in out.residues)] if out.gated else []
            if out.gated:
                clear(store, out, accept=accept_residues)
            with sending(store, records=[record_id], purpose="reference", mode=out.mode, accepted=accepted,
                         language=out.language):
                result = engine.generate(out.messages, options)
            text = restore(store, record_id, result.text) if (deid and reidentify) else result.text
            outcome.text = text
            outcome.reference_id = add_reference(
                store, record_id, text, author=f"{backend}:{model}", model=model,
                prompt=out.prompt.name, provenance=provenance(out, backend, model, reidentify) | {
                    "prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
                    "options": options.to_dict(), "raw_answer": result.text},
            )
        except ClinsumError as exc:
            outcome.error, outcome.hint = exc.message, exc.hint
            outcome.residues = getattr(exc, "residues", None)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes


def destination_of(engine: Any) -> str | None:
    """The URL a backend sends to (None: it runs on this machine)."""
    return getattr(engine, "base_url", None) or getattr(engine, "host", None)


def send_destination(backend: str, model: str, base_url: str | None = None) -> str:
    """Where records sent through ``backend`` go, for the privacy gate (loopback: a library,
    nothing leaves this machine)."""
    engine = get_backend(backend, model, **({"base_url": base_url} if base_url else {}))
    return destination_of(engine) or "http://127.0.0.1"


def provenance(out: Outgoing, backend: str, model: str, reidentified: bool) -> dict[str, Any]:
    """What a stored reference says about how it was made (never the PHI itself)."""
    sent = "\n".join(m["content"] for m in out.messages)
    return {
        "source": "generated", "backend": backend, "model": model, "prompt_name": out.prompt.name,
        "deidentified": out.deid, "phi_replaced": out.n_phi, "kept_types": out.kept,
        "reidentified": reidentified, "sent_sha1": hashlib.sha1(sent.encode()).hexdigest(),
        "privacy_mode": out.mode, "privacy_gate": out.gated, "residues_marked_safe": out.safe,
        "residues_accepted": [r.text for r in out.residues] if out.gated else [],
    }
