"""Exactly what leaves the machine for one record and prompt: through the privacy gate.

:func:`prepare` de-identifies the record's text (the placeholder mapping is saved in the
workspace only), runs the gate's residual scan, masks the residues a person chose to mask,
and (surrogate mode) puts realistic surrogates in place of placeholders. It remembers where
placeholders and residues are so a preview can highlight them. The same :class:`Outgoing`
is what gets sent; :func:`clear` records a person's approval of exactly those messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from clinsum.deid.mapping_store import deidentify_record, load_mapping, save_mapping
from clinsum.deid.placeholders import Mapping, reidentify
from clinsum.errors import InputError
from clinsum.privacy import audit, surrogates
from clinsum.privacy.gate import protect
from clinsum.privacy.residues import Residue
from clinsum.privacy.settings import PrivacySettings, gate_applies, load_settings
from clinsum.records import get_record
from clinsum.references.prompts import RefPrompt, resolve_prompt
from clinsum.store import Store
from clinsum.text import whole_word_starts


@dataclass
class Outgoing:
    record_id: str
    prompt: RefPrompt
    messages: list[dict[str, str]]
    sent_text: str                                   # the record as sent
    deid: bool
    phi: list[tuple[int, int, str]] = field(default_factory=list)  # placeholders in sent_text
    kept: list[str] = field(default_factory=list)    # PHI types left in on purpose
    n_phi: int = 0
    kept_phi: list[tuple[int, int, str]] = field(default_factory=list)  # PHI of kept types in sent_text
    residues: list[Residue] = field(default_factory=list)  # still to mask or mark safe (in sent_text)
    safe: list[str] = field(default_factory=list)    # residues marked safe for this send
    gated: bool = True                               # the destination is outside: the gate applies
    mode: str = "placeholders"
    language: str | None = None                      # the record's (the gate reads the text as such)

    def user_spans(self) -> list[tuple[int, int, str]]:
        """(start, end, label) inside the last (user) message as sent: each placeholder, and
        each piece of PHI left in because its type was kept (label ``kept: TYPE``)."""
        offset = self.prompt.user.find("{record}")
        if offset < 0:
            return []
        spans = [(a + offset, b + offset, kind) for a, b, kind in self.phi]
        spans += [(a + offset, b + offset, f"kept: {kind}") for a, b, kind in self.kept_phi]
        return sorted(spans)

    def residue_spans(self) -> list[tuple[int, int, str]]:
        """(start, end, label) of each unresolved residue inside the last (user) message."""
        offset = self.prompt.user.find("{record}")
        if offset < 0:
            return []
        return [(r.start + offset, r.end + offset, f"residue: {r.kind}") for r in self.residues]

    @property
    def blocked(self) -> bool:
        """True while the gate applies and a residue is neither masked nor marked safe."""
        return self.gated and bool(self.residues)


def destination_gated(store: Store, url: str | None) -> bool:
    """Whether sending to ``url`` (None: a library on this machine) goes through the gate."""
    return url is not None and gate_applies(url, load_settings(store))


def prepare(store: Store, record_id: str, prompt: RefPrompt | str | None = None, *,
            deid: bool = True, keep: Iterable[str] = (), destination: str | None = None,
            mask: Iterable[str] | bool = (), safe: Iterable[str] = ()) -> Outgoing:
    """The messages for ``record_id``; with ``deid`` the record's PHI is replaced first."""
    return prepare_many(store, record_id, [prompt], deid=deid, keep=keep, destination=destination,
                        mask=mask, safe=safe)[0]


def prepare_many(store: Store, record_id: str, prompts: Iterable[RefPrompt | str | None], *,
                 deid: bool = True, keep: Iterable[str] = (), destination: str | None = None,
                 mask: Iterable[str] | bool = (), safe: Iterable[str] = (),
                 settings: PrivacySettings | None = None) -> list[Outgoing]:
    """One :class:`Outgoing` per prompt for ``record_id``, de-identifying the record once.

    ``destination`` is the server's URL (None: nothing leaves); ``mask`` the residue texts to
    replace by ``[PHI_n]`` (True: all of them); ``safe`` those a person marked safe;
    ``settings``: the workspace's privacy settings when the caller has read them already.
    """
    record = get_record(store, record_id)
    keep = list(keep)
    settings = settings or load_settings(store)
    gated = destination is not None and gate_applies(destination, settings)
    if gated and not deid:
        raise InputError(
            "De-identification cannot be switched off for a server outside the hospital.",
            hint="Keep de-identification on, or add the server to the hosts inside the hospital "
                 "(`clinsum refs privacy --inside HOST`).")
    safe_set = set(safe) | set(settings.safe_words)
    mode = settings.mode if deid else "placeholders"
    if deid:
        text, phi, n, kept_phi, residues, safe_found = _protected(store, record_id, record.text, keep, mask,
                                                                   safe_set, settings, record.language)
    else:
        text, phi, n, kept_phi, residues, safe_found = record.text, [], 0, [], [], []
    out = []
    for prompt in prompts:
        if not isinstance(prompt, RefPrompt):
            prompt = resolve_prompt(prompt, record.language)
        out.append(Outgoing(record_id, prompt, prompt.messages(text), text, deid, phi, keep, n, kept_phi,
                            residues, safe_found, gated, mode, record.language))
    return out


def _protected(store: Store, record_id: str, text: str, keep: list[str], mask: Iterable[str] | bool,
               safe: set[str], settings: PrivacySettings, language: str | None):
    result = deidentify_record(store, record_id, keep=keep, text=text, language=language, save=False)
    protected = protect(result.text, mapping=result.mapping, deidentify=False, forbidden=[record_id],
                        kept=result.kept_placed)
    safe_found = sorted({r.text for r in protected.residues if r.text in safe})
    protected.residues = [r for r in protected.residues if r.text not in safe]
    chosen = mask if isinstance(mask, bool) else set(mask)
    protected = protected.masked(lambda r: chosen is True or (chosen is not False and r.text in chosen))
    save_mapping(store, record_id, protected.mapping)  # one write: placeholders and masked residues
    sent, placed = protected.text, protected.placed
    if settings.mode == "surrogates":
        sent, table = surrogates.apply(protected.text, protected.mapping, surrogates.record_key(store, record_id))
        surrogates.save_table(store, record_id, table)
        placed = sorted((m.start(), m.end(), "surrogate") for fake in set(table.values())
                        for m in re.finditer(re.escape(fake), sent))
        protected.residues = sorted({Residue(at, at + len(r.text), r.kind, r.text) for r in protected.residues
                                     for at in whole_word_starts(sent, r.text)}, key=lambda r: r.start)
    return sent, placed, len(result.spans) + protected.n_replaced, protected.kept, protected.residues, safe_found


def clear(store: Store, out: Outgoing, accept: bool = False) -> str:
    """Record that a person approved ``out.messages`` (the residues left are accepted only with
    ``accept``); the backend's gate then lets exactly these messages through."""
    if out.blocked and not accept:
        from clinsum.privacy.gate import PrivacyBlocked

        raise PrivacyBlocked(out.residues)
    return audit.clear(store, out.messages, [*out.safe, *(r.text for r in out.residues)])


def restore(store: Store, record_id: str, answer: str) -> str:
    """``answer`` with the record's placeholders (and surrogates) replaced by the original words (local only)."""
    mapping: Mapping = load_mapping(store, record_id)
    return reidentify(surrogates.to_placeholders(answer, surrogates.load_table(store, record_id)), mapping)
