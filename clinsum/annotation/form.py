"""Form state of the annotation page, kept apart from Streamlit (``state`` is any mapping,
the page passes ``st.session_state``).

Rules:

* The open item is a plain state value (``annotate.item`` / ``annotate.pair``), never the
  select box's own value: Streamlit identifies a select box choice by its label, and labels
  change (a draft mark appears) or repeat (every comparison of a record has its title), which
  silently moved the doctor to another comparison between two clicks. The picker widget is
  re-synced from the open item on every run (:func:`picker_value`) and only a real choice
  (its ``on_change``) changes the open item.
* Each item's widgets are filled once per session: draft > submitted > empty.
* Every value read for an autosave or a submit is read under the keys of the item shown.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import MutableMapping
from typing import Any

from clinsum.annotation import drafts, reviews, rubric
from clinsum.references import get_reference
from clinsum.store import Store

PREFIX = "annotate."


def review_key(item_id: str, field: str) -> str:
    return f"{PREFIX}r.{item_id}.{field}"


def pair_key(pair_id: str, field: str) -> str:
    return f"{PREFIX}p.{pair_id}.{field}"


def picker_key(key: str) -> str:
    """The select box's own key for the open-item value ``key``."""
    return key + ".pick"


# -- a message for the next run ----------------------------------------------------------------
FLASH = PREFIX + "flash"


def flash(state: MutableMapping[str, Any], key: str, **params: Any) -> None:
    """Keep a message (a catalogue key and its parameters) for the next run: a submit reruns
    the page so the progress and the queue's labels drawn above it are not left stale."""
    state[FLASH] = (key, params)


def pop_flash(state: MutableMapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The message kept by :func:`flash`, once."""
    return state.pop(FLASH, None)


# -- which item is open -------------------------------------------------------------------------
def current_item(state: MutableMapping[str, Any], key: str, items: list[dict[str, Any]]) -> str:
    """The open item: kept across reruns while it is in the queue, else the first not done."""
    ids = [i["item_id"] for i in items]
    if state.get(key) not in ids:
        state[key] = next((i["item_id"] for i in items if i["state"] != "done"), ids[0])
    return state[key]


def picker_value(state: MutableMapping[str, Any], key: str) -> None:
    """Show the open item in the picker (call before drawing it, on every run)."""
    state[picker_key(key)] = state[key]


def picked(state: MutableMapping[str, Any], key: str) -> None:
    """The picker's ``on_change``: the doctor chose another item."""
    value = state.get(picker_key(key))
    if value is not None:
        state[key] = value


def next_item(state: MutableMapping[str, Any], key: str, items: list[dict[str, Any]]) -> None:
    """Open the next item not yet submitted (after the open one, wrapping around)."""
    ids = [i["item_id"] for i in items]
    by_id = {i["item_id"]: i for i in items}
    current = ids.index(state[key]) if state.get(key) in ids else -1
    rest = ids[current + 1:] + ids[:current + 1]
    state[key] = next((i for i in rest if by_id[i]["state"] != "done"), state.get(key) or ids[0])


def pair_code(pair_id: str) -> str:
    """A short code that tells comparisons apart on screen (says nothing about the order)."""
    digest = hashlib.sha256(pair_id.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii")[:4]


def positions(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per item: ``n`` (1-based), ``total``, ``record_id``, ``title``, ``code``, ``state``."""
    return {
        item["item_id"]: {"n": n, "total": len(items), "record_id": item["record_id"],
                          "title": item.get("title") or item["record_id"],
                          "code": pair_code(item["item_id"]), "state": item["state"]}
        for n, item in enumerate(items, start=1)
    }


# -- reference review ---------------------------------------------------------------------------
def load_review_state(state: MutableMapping[str, Any], store: Store, who: str, ref: dict[str, Any]) -> None:
    """Fill the widgets' state once per item: draft > submitted review > empty."""
    item_id = ref["id"]
    if review_key(item_id, "comment") in state:
        return
    draft = drafts.load_draft(store, who, "reference", item_id)
    data = draft
    if data is None:
        done = reviews.get_annotation(store, "reference", item_id, who)
        if done:
            edited = done["details"].get("edited_ref_id")
            data = {"scores": done["scores"], "verdict": done["verdict"], "comment": done["comment"],
                    "spans": done["spans"],
                    "edited_text": get_reference(store, edited)["text"] if edited else ref["text"]}
    data = data or {}
    for c in rubric.CRITERION_NAMES:
        state[review_key(item_id, c)] = (data.get("scores") or {}).get(c)
    state[review_key(item_id, "verdict")] = data.get("verdict")
    state[review_key(item_id, "comment")] = data.get("comment") or ""
    state[review_key(item_id, "edited")] = data.get("edited_text") or ref["text"]
    state[review_key(item_id, "spans")] = list(data.get("spans") or [])
    state[review_key(item_id, "restored")] = draft is not None


def review_values(state: MutableMapping[str, Any], item_id: str) -> dict[str, Any]:
    return {
        "scores": {c: state.get(review_key(item_id, c)) for c in rubric.CRITERION_NAMES},
        "verdict": state.get(review_key(item_id, "verdict")),
        "comment": state.get(review_key(item_id, "comment"), ""),
        "edited_text": state.get(review_key(item_id, "edited")),
        "spans": state.get(review_key(item_id, "spans"), []),
    }


# -- blinded pairwise ---------------------------------------------------------------------------
def load_pair_state(state: MutableMapping[str, Any], store: Store, who: str, pair: dict[str, Any]) -> None:
    """Fill one comparison's widgets once: draft > submitted judgement > empty. The order
    shown is kept with them, so a submit can check it is still the order on screen."""
    pair_id = pair["id"]
    if pair_key(pair_id, "comment") in state:
        return
    data = drafts.load_draft(store, who, "pairwise", pair_id)
    restored = data is not None
    if data is None:
        done = reviews.get_annotation(store, "pairwise", pair_id, who)
        data = {"scores": done["scores"], "comment": done["comment"]} if done else {}
    for c in rubric.PAIR_CRITERION_NAMES:
        state[pair_key(pair_id, c)] = (data.get("scores") or {}).get(c)
    state[pair_key(pair_id, "comment")] = data.get("comment") or ""
    state[pair_key(pair_id, "shown")] = [pair["left"]["id"], pair["right"]["id"]]
    state[pair_key(pair_id, "restored")] = restored


def pair_values(state: MutableMapping[str, Any], pair_id: str) -> dict[str, Any]:
    """What the doctor has given for THIS comparison (draft data and submit arguments)."""
    return {"scores": {c: state.get(pair_key(pair_id, c)) for c in rubric.PAIR_CRITERION_NAMES},
            "comment": state.get(pair_key(pair_id, "comment"), ""),
            "shown": list(state.get(pair_key(pair_id, "shown")) or [])}
