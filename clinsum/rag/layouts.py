"""How a row of a source file becomes a passage: one layout per known dataset shape.

A layout names the fields it reads (``question``, ``opa`` …); a column mapping renames them
when a file uses other column names (``{"question": "Pregunta"}``). A row that cannot become
a passage raises :class:`RowError` with a reason; the ingestion reports it with its line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clinsum.errors import InputError, reason
from clinsum.registry import Registry
from clinsum.text import detect_language, normalize


class RowError(ValueError):
    """A row that cannot become a passage (the message says why)."""


@dataclass
class Passage:
    """A unit of knowledge: the stored text plus metadata; its id is its content hash."""

    text: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Layout:
    name: str
    description: str
    required: tuple[str, ...]
    build: Callable[[Callable[[str], Any], dict[str, str]], Passage]  # (field getter, mapping)


LAYOUTS: Registry[Layout] = Registry("knowledge base layout")


def parse_mapping(spec: str | dict[str, str] | None) -> dict[str, str]:
    """``"question=Pregunta,exp=Explicacion"`` (or a dict) as {field: column}."""
    if isinstance(spec, dict):
        return {str(k): str(v) for k, v in spec.items() if v}
    mapping: dict[str, str] = {}
    for part in filter(None, (spec or "").split(",")):
        key, _, value = part.partition("=")
        if not key.strip() or not value.strip():
            raise InputError(f"Bad column mapping {part!r}.", hint="Use FIELD=COLUMN,FIELD=COLUMN.")
        mapping[key.strip()] = value.strip()
    return mapping


def to_passage(layout: Layout, row: dict[str, Any], mapping: dict[str, str]) -> Passage:
    """The passage of ``row`` (RowError when a required field is missing or empty)."""
    def get(name: str) -> Any:
        return row.get(mapping.get(name, name))

    for name in layout.required:
        value = get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise RowError(reason("missing_column", "missing {column!r}", column=mapping.get(name, name)))
    passage = layout.build(get, mapping)
    passage.text = normalize(passage.text)
    if not passage.text.strip():
        raise RowError(reason("empty_passage", "the passage is empty"))
    passage.meta["layout"] = layout.name
    return passage


def detect_layout(columns: list[str], mapping: dict[str, str] | None = None) -> Layout:
    """The first layout whose required fields are all columns (after ``mapping``)."""
    mapping = mapping or {}
    present = set(columns)
    for name in ("medmcqa", "headqa", "qa", "text"):
        layout = LAYOUTS.get(name)
        if all(mapping.get(f, f) in present for f in layout.required):
            return layout
    raise InputError(
        "Could not recognise the columns of this file: " + ", ".join(columns[:20]),
        hint="Map the text column, e.g. --map text=COLUMN (or choose a layout).",
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _labels(text: str) -> tuple[str, str]:
    return ("Respuesta", "Explicación") if detect_language(text) == "es" else ("Answer", "Explanation")


# -- layouts ---------------------------------------------------------------------------------
def _option_index(cop: Any, base: int) -> int:
    if isinstance(cop, str) and cop.strip().lower() in ("a", "b", "c", "d"):
        return "abcd".index(cop.strip().lower())
    try:
        return int(cop) - base
    except (TypeError, ValueError):
        raise RowError(reason("cop_not_index", "cop {cop!r} is not an option index", cop=cop)) from None


def _medmcqa(get: Callable[[str], Any], mapping: dict[str, str]) -> Passage:
    options = [_text(get(k)) for k in ("opa", "opb", "opc", "opd")]
    cop = get("cop")
    index = _option_index(cop, 1 if str(mapping.get("cop_base", "0")).strip() == "1" else 0)
    if not 0 <= index < 4 or not options[index]:
        raise RowError(reason("cop_empty_option", "cop {cop!r} does not point to a filled option", cop=cop))
    question, exp = _text(get("question")), _text(get("exp"))
    answer, explanation = _labels(question)
    text = f"{question}\n{answer}: {options[index]}" + (f"\n{explanation}: {exp}" if exp else "")
    return Passage(text, {"subject": _text(get("subject_name")), "topic": _text(get("topic_name")),
                          "source_id": _text(get("id"))})


def _headqa(get: Callable[[str], Any], _mapping: dict[str, str]) -> Passage:
    answers = get("answers")
    if isinstance(answers, str):
        try:
            answers = json.loads(answers)
        except ValueError:
            raise RowError(reason("answers_not_json", "answers is not a JSON list of objects with aid and atext")) from None
    if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
        raise RowError(reason("answers_not_list", "answers is not a list of objects with aid and atext"))
    right = str(get("ra")).strip()
    chosen = next((a for a in answers if str(a.get("aid")).strip() == right), None)
    if chosen is None or not _text(chosen.get("atext")):
        raise RowError(reason("ra_no_answer", "ra {ra!r} matches no answer", ra=right))
    question = _text(get("qtext"))
    answer, _ = _labels(question)
    text = f"{question}\n{answer}: {_text(chosen.get('atext'))}"
    return Passage(text, {"category": _text(get("category")), "year": _text(get("year")),
                          "exam": _text(get("name")), "source_id": _text(get("qid"))})


def _qa(get: Callable[[str], Any], _mapping: dict[str, str]) -> Passage:
    question, answer = _text(get("question")), _text(get("answer"))
    return Passage(f"{question}\n{answer}", {"topic": _text(get("topic")), "category": _text(get("category")),
                                             "language": _text(get("language")), "source_id": _text(get("id"))})


def _plain(get: Callable[[str], Any], _mapping: dict[str, str]) -> Passage:
    title = _text(get("title"))
    meta = {"title": title, "source_id": _text(get("id")), "language": _text(get("language"))}
    for key in ("record_id", "reference_id", "section"):
        meta[key] = _text(get(key))
    return Passage(_text(get("text")), meta)


LAYOUTS.register("medmcqa", Layout(
    "medmcqa", "MedMCQA: question, opa–opd, cop (correct option, 0-based; cop_base=1 for 1-based), "
    "exp, subject_name, topic_name", ("question", "opa", "opb", "opc", "opd", "cop"), _medmcqa))
LAYOUTS.register("headqa", Layout(
    "headqa", "HEAD-QA: qtext, answers [{aid, atext}], ra (right answer id), category, year, name",
    ("qtext", "answers", "ra"), _headqa))
LAYOUTS.register("qa", Layout(
    "qa", "Question and answer: question, answer (+ topic, category, language, id)",
    ("question", "answer"), _qa))
LAYOUTS.register("text", Layout(
    "text", "Free text: text (+ title, id, language)", ("text",), _plain))
