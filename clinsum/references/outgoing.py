"""Exactly what leaves the machine for one record and prompt: de-identified by default.

:func:`prepare` builds the messages from the record's text after de-identification (the
placeholder mapping is saved in the workspace only), and remembers where the placeholders
are so a preview can highlight them. The same :class:`Outgoing` is what gets sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from clinsum.deid.mapping_store import deidentify_record, load_mapping
from clinsum.deid.placeholders import Mapping, reidentify
from clinsum.records import get_record
from clinsum.references.prompts import RefPrompt, resolve_prompt
from clinsum.store import Store


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

    def user_spans(self) -> list[tuple[int, int, str]]:
        """(start, end, label) inside the last (user) message as sent: each placeholder, and
        each piece of PHI left in because its type was kept (label ``kept: TYPE``)."""
        offset = self.prompt.user.find("{record}")
        if offset < 0:
            return []
        spans = [(a + offset, b + offset, kind) for a, b, kind in self.phi]
        spans += [(a + offset, b + offset, f"kept: {kind}") for a, b, kind in self.kept_phi]
        return sorted(spans)


def prepare(store: Store, record_id: str, prompt: RefPrompt | str | None = None, *,
            deid: bool = True, keep: Iterable[str] = ()) -> Outgoing:
    """The messages for ``record_id``; with ``deid`` the record's PHI is replaced first."""
    return prepare_many(store, record_id, [prompt], deid=deid, keep=keep)[0]


def prepare_many(store: Store, record_id: str, prompts: Iterable[RefPrompt | str | None], *,
                 deid: bool = True, keep: Iterable[str] = ()) -> list[Outgoing]:
    """One :class:`Outgoing` per prompt for ``record_id``, de-identifying the record once."""
    record = get_record(store, record_id)
    keep = list(keep)
    if deid:
        result = deidentify_record(store, record_id, keep=keep, text=record.text)
        text, phi, n, kept_phi = result.text, result.placed, len(result.spans), result.kept_placed
    else:
        text, phi, n, kept_phi = record.text, [], 0, []
    out = []
    for prompt in prompts:
        if not isinstance(prompt, RefPrompt):
            prompt = resolve_prompt(prompt, record.language)
        out.append(Outgoing(record_id, prompt, prompt.messages(text), text, deid, phi, keep, n, kept_phi))
    return out


def restore(store: Store, record_id: str, answer: str) -> str:
    """``answer`` with the record's placeholders replaced by the original words (local only)."""
    mapping: Mapping = load_mapping(store, record_id)
    return reidentify(answer, mapping)
