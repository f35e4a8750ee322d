"""The one gate for everything that leaves the machine.

:func:`protect` de-identifies a text (placeholders already in it are kept), then runs the
residual scan on what is left. :func:`guard` is what every HTTP backend calls before sending
(Ollama, OpenAI, OpenAI-compatible, so the LLM judge too) and the Batch API before uploading:
for a host that is not inside the hospital (workspace setting) it protects every message,
masks the residues (or lets through a payload a person cleared), records the send in the
local audit log, and returns the messages to send plus a function that maps the answer back.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from clinsum.config import workspace_path
from clinsum.deid.pipeline import find_phi
from clinsum.deid.placeholders import PLACEHOLDER_RE, Mapping, reidentify, replace
from clinsum.deid.types import LABEL_TO_TYPE
from clinsum.errors import InputError
from clinsum.privacy import audit
from clinsum.privacy.residues import Residue, scan
from clinsum.privacy.settings import (
    PrivacySettings,
    gate_applies,
    host_of,
    is_loopback,
    load_settings,
)
from clinsum.store import Store

RESIDUE_TYPE = "RESIDUO"  # placeholder label PHI: [PHI_1]


class PrivacyBlocked(InputError):
    """Residues remain that nobody masked or marked safe: nothing was sent."""

    key = "privacy.error.blocked"

    def __init__(self, residues: list[Residue] | list[str], hint: str | None = None) -> None:
        texts = sorted({r.text if isinstance(r, Residue) else str(r) for r in residues})
        shown = "; ".join(texts[:20]) + (" …" if len(texts) > 20 else "")
        super().__init__(
            f"Not sent: {len(texts)} possible identifier(s) remain after de-identification: {shown}",
            hint or "Mask each one or mark it safe (References page), or pass --accept-residues / "
                    "--mask-residues on the command line.",
            n=len(texts), residues=shown)
        self.residues = texts


@dataclass
class Protected:
    """A text as it would leave: placeholders in, residues listed (offsets into ``text``)."""

    original: str
    text: str
    mapping: Mapping
    placed: list[tuple[int, int, str]]
    residues: list[Residue]
    n_replaced: int
    kept: list[tuple[int, int, str]] = field(default_factory=list)

    def masked(self, which: Callable[[Residue], bool] = lambda _r: True) -> Protected:
        """A copy with the residues ``which`` selects replaced by ``[PHI_n]`` placeholders."""
        chosen = [r for r in self.residues if which(r)]
        if not chosen:
            return self
        out: list[str] = []
        points: list[tuple[int, int]] = []  # (end of a masked residue in the old text, shift after it)
        added: list[tuple[int, int, str]] = []
        pos = delta = 0
        for r in chosen:
            ph = self.mapping.placeholder_for(RESIDUE_TYPE, r.text)
            out += [self.text[pos:r.start], ph]
            added.append((r.start + delta, r.start + delta + len(ph), RESIDUE_TYPE))
            delta += len(ph) - (r.end - r.start)
            points.append((r.end, delta))
            pos = r.end

        def shift(offset: int) -> int:
            return offset + next((d for end, d in reversed(points) if offset >= end), 0)

        out.append(self.text[pos:])
        placed = sorted([(shift(a), shift(b), t) for a, b, t in self.placed] + added)
        kept = [(shift(a), shift(b), t) for a, b, t in self.kept]
        rest = [Residue(shift(r.start), shift(r.end), r.kind, r.text) for r in self.residues if not which(r)]
        return Protected(self.original, "".join(out), self.mapping, placed, rest, self.n_replaced + len(chosen), kept)


def existing_placeholders(text: str, mapping: Mapping) -> Mapping:
    """``mapping`` plus an entry for every placeholder already in ``text`` (so new ones do not clash)."""
    for m in PLACEHOLDER_RE.finditer(text):
        if m.group(0) not in mapping.entries:
            mapping.entries[m.group(0)] = (LABEL_TO_TYPE.get(m.group(1), RESIDUE_TYPE), m.group(0))
    return mapping


def protect(text: str, *, mapping: Mapping | None = None, keep: Iterable[str] = (), language: str | None = None,
            forbidden: Iterable[str] = (), safe: Iterable[str] = (), deidentify: bool = True,
            kept: list[tuple[int, int, str]] | None = None) -> Protected:
    """``text`` de-identified (unless ``deidentify`` is False: it already is) and scanned for residues."""
    mapping = existing_placeholders(text, mapping if mapping is not None else Mapping())
    keep = set(keep)
    if deidentify:
        taken = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
        spans = [s for s in find_phi(text, language=language)
                 if all(s.end <= a or s.start >= b for a, b in taken)]
        result = replace(text, spans, mapping, keep)
        out, placed, n, kept = result.text, result.placed, len(result.spans), result.kept_placed
    else:
        out, n, kept = text, 0, list(kept or [])
        placed = [(m.start(), m.end(), LABEL_TO_TYPE.get(m.group(1), RESIDUE_TYPE)) for m in PLACEHOLDER_RE.finditer(text)]
    residues = [r for r in scan(out, forbidden=tuple(forbidden), safe=frozenset(safe))
                if all(r.end <= a or r.start >= b for a, b, _t in kept)]
    return Protected(text, out, mapping, placed, residues, n, kept)


# -- the send context ------------------------------------------------------------------------
@dataclass
class SendContext:
    store: Store | None = None
    records: tuple[str, ...] = ()
    tokens: tuple[str, ...] = ()
    purpose: str = "generation"
    accepted: tuple[str, ...] = ()
    mode: str = "placeholders"
    settings: PrivacySettings | None = None  # the workspace's, read by the caller (a cluster worker)


_CONTEXT: contextvars.ContextVar[SendContext | None] = contextvars.ContextVar("clinsum_send", default=None)
_LANGUAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar("clinsum_send_language", default=None)


@contextmanager
def in_language(language: str | None) -> Iterator[None]:
    """Sends inside this block carry text in ``language`` (the record's): the gate de-identifies
    it as such instead of guessing from each message (a short Spanish note can read as English)."""
    if language not in ("es", "en"):
        yield
        return
    token = _LANGUAGE.set(language)
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def send_language(messages: Iterable[dict[str, Any]] = ()) -> str | None:
    """The language the gate de-identifies ``messages`` in: the one :func:`in_language` set,
    else the one detected on all their text together (a prompt is in its record's language)."""
    language = _LANGUAGE.get()
    if language:
        return language
    text = "\n".join(m["content"] for m in messages if isinstance(m.get("content"), str))
    if not text.strip():
        return None
    from clinsum.text import detect_language

    return detect_language(text)


@contextmanager
def sending(store: Store | None = None, *, records: Iterable[str] = (), tokens: Iterable[str] = (),
            purpose: str = "generation", accepted: Iterable[str] = (), mode: str = "placeholders",
            language: str | None = None, settings: PrivacySettings | None = None) -> Iterator[SendContext]:
    """Sends inside this block are logged against ``store`` with these records and purpose
    (``language``: the records' language, see :func:`in_language`; ``settings``: the store's
    privacy settings as the caller read them, instead of a read per send)."""
    ctx = SendContext(store, tuple(records), tuple(tokens), purpose, tuple(accepted), mode, settings)
    token = _CONTEXT.set(ctx)
    try:
        with in_language(language):
            yield ctx
    finally:
        _CONTEXT.reset(token)


@lru_cache(maxsize=8)
def _default_store(path: str) -> Store:
    return Store.open(path)


def current_store(create: bool = True) -> Store | None:
    """The store sends are logged in: the one of :func:`sending`, else this process's workspace
    (``$CLINSUM_WORKSPACE``); None when that does not exist yet and ``create`` is False."""
    ctx = _CONTEXT.get()
    if ctx and ctx.store is not None:
        return ctx.store
    path = workspace_path()
    if not create and not (path / "clinsum.duckdb").exists():
        return None
    return _default_store(str(path))


def settings_for(store: Store | None = None) -> PrivacySettings:
    store = store or current_store(create=False)
    return load_settings(store) if store is not None else PrivacySettings()


@dataclass
class Guarded:
    messages: list[dict[str, str]]
    restore: Callable[[str], str]
    gated: bool

    def restored(self, result: Any) -> Any:
        """A backend's GenerationResult with the answer mapped back (what the gate replaced)."""
        if self.restore is not _identity:
            result.text, result.raw = self.restore(result.text), self.restore(result.raw)
            result.meta["privacy_gate"] = "on"
        elif self.gated:
            result.meta["privacy_gate"] = "on"
        return result


def _identity(text: str) -> str:
    return text


def guard(url: str, messages: list[dict[str, str]], *, backend: str, model: str | None = None) -> Guarded:
    """What may leave for ``url``: the messages as sent and how to map the answer back.

    Loopback and other hosts inside the hospital pass unchanged when the gate is off for them
    (the default); elsewhere every message is de-identified and its residues masked, unless a
    person cleared exactly these messages. Every gated send is logged.
    """
    host = host_of(url)
    ctx = _CONTEXT.get() or SendContext()
    store = current_store(create=False)
    settings = ctx.settings or (load_settings(store) if store is not None else PrivacySettings())
    if not gate_applies(url, settings):
        if not is_loopback(host):
            _log(store or current_store(), ctx, backend, host, messages, "off-inside", 0, ())
        return Guarded(messages, _identity, False)
    store = store or current_store()
    accepted = audit.clearance(store, messages)
    if accepted is not None:
        _log(store, ctx, backend, host, messages, "on", 0, accepted)
        return Guarded(messages, _identity, True)
    mapping = Mapping()
    for m in messages:
        existing_placeholders(m.get("content") or "", mapping)
    known = set(mapping.entries)
    language = send_language(messages)
    sent, replaced = [], 0
    for m in messages:
        content = m.get("content")
        if not isinstance(content, str) or not content:
            sent.append(m)
            continue
        out = protect(content, mapping=mapping, forbidden=ctx.records, safe=settings.safe_words,
                      language=language).masked()
        replaced += out.n_replaced
        sent.append({**m, "content": out.text})
    _log(store, ctx, backend, host, sent, "on", replaced, ())
    own = Mapping({ph: v for ph, v in mapping.entries.items() if ph not in known})
    return Guarded(sent, (lambda text: reidentify(text, own)) if own.entries else _identity, True)


def guard_batch(url: str, lines: list[dict[str, Any]], *, store: Store, records: Iterable[str] = (),
                tokens: Iterable[str] = (), jsonl: bytes = b"", languages: Iterable[str | None] = ()) -> None:
    """Before a Batch API upload: each request must be cleared or unchanged by the gate, else block.

    ``languages``: per line, its record's language (missing: detected on the request's text)."""
    settings = load_settings(store)
    host = host_of(url)
    if not gate_applies(url, settings):
        if not is_loopback(host):
            _log_raw(store, "openai-batch", host, "batch", records, tokens, audit.payload_hash(jsonl), len(jsonl),
                     "off-inside", settings, 0, ())
        return
    accepted: set[str] = set()
    problems: list[Residue] = []
    languages = list(languages)
    for i, line in enumerate(lines):
        messages = line["body"]["messages"]
        cleared = audit.clearance(store, messages)
        if cleared is not None:
            accepted |= set(cleared)
            continue
        with in_language(languages[i] if i < len(languages) else None):
            language = send_language(messages)
        for m in messages:
            out = protect(m["content"], forbidden=records, safe=settings.safe_words, language=language)
            if out.n_replaced or out.residues:
                problems += out.residues or [Residue(0, 0, "name", f"{out.n_replaced} PHI span(s)")]
    if problems:
        raise PrivacyBlocked(problems)
    _log_raw(store, "openai-batch", host, "batch", records, tokens, audit.payload_hash(jsonl), len(jsonl), "on",
             settings, 0, accepted)


def _log(store: Store, ctx: SendContext, backend: str, host: str, messages: list[dict[str, str]], gate: str,
         replaced: int, accepted: Iterable[str]) -> None:
    n_chars = sum(len(m.get("content") or "") for m in messages)
    audit.record_send(store, backend=backend, host=host, purpose=ctx.purpose, payload_sha256=audit.payload_hash(messages),
                      n_chars=n_chars, gate=gate, mode=ctx.mode, records=ctx.records, tokens=ctx.tokens,
                      n_replaced=replaced, residues_accepted=[*accepted, *ctx.accepted])


def _log_raw(store: Store, backend: str, host: str, purpose: str, records: Iterable[str], tokens: Iterable[str],
             digest: str, n_chars: int, gate: str, settings: PrivacySettings, replaced: int,
             accepted: Iterable[str]) -> None:
    audit.record_send(store, backend=backend, host=host, purpose=purpose, payload_sha256=digest, n_chars=n_chars,
                      gate=gate, mode=settings.mode, records=records, tokens=tokens, n_replaced=replaced,
                      residues_accepted=accepted)
