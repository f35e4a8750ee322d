"""What a user reads instead of identifiers: column headers, enumerated values, metric names.

``metric_label("rouge1_f") == "ROUGE-1 F1"``; ``column_label("n_chars", "es") == "Caracteres"``;
``display_table(df, lang)`` renames the columns and translates the values of a table;
``glossary(names, lang)``: what each metric measures, its range, and which way is better
(directions from the metric registry). A name with no string stays as it is, so a gap is
visible (and caught by ``tests/pages/test_pages_i18n.py``), never a crash.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from clinsum.ui.i18n import catalog, translate

_ROUGE = re.compile(r"^rouge(1|2|L|Lsum)_(p|r|f)$")
_PART = {"p": "P", "r": "R", "f": "F1"}
_UNIT_FAMILIES = ("rouge", "bleu", "meteor", "bertscore", "distinct", "repetition", "codes_precision",
                  "codes_recall")
_ENUM_COLUMNS = {"status": "status", "source": "source", "strategy": "strategy", "backend": "backend",
                 "decoding": "decoding", "item_kind": "item_kind", "criterion": "criterion",
                 "kind": "section", "stage": "stage", "measure": "measure", "job_kind": "job_kind",
                 "purpose": "purpose", "gate": "gate", "mode": "mode"}


def _known(key: str) -> bool:
    return key in catalog()


def metric_label(name: str, lang: str = "es") -> str:
    """A short readable name of a metric value (``bleu_p3`` → ``BLEU P3``)."""
    if _known(f"metric.label.{name}"):
        return translate(f"metric.label.{name}", lang)
    found = _ROUGE.match(name)
    if found:
        return f"ROUGE-{found.group(1)} {_PART[found.group(2)]}"
    if name in ("bleu", "meteor"):
        return name.upper()
    if name.startswith("bleu_p") and name[6:].isdigit():
        return f"BLEU P{name[6:]}"
    if name.startswith("bertscore_"):
        return f"BERTScore {_PART.get(name[10], name[10:]).replace('F1', 'F1')}"
    if name in ("meteor_p", "meteor_r"):
        return f"METEOR {_PART[name[-1]]}"
    pdsqi = _pdsqi_label(name, lang)
    return pdsqi or name


def criterion_label(name: str, lang: str = "es") -> str:
    """A physician criterion as the reader knows it: the rubric's label, else the metric's."""
    from clinsum.annotation.rubric import CRITERIA

    for criterion in CRITERIA:
        if criterion.name == name:
            return criterion.label[0 if lang == "es" else 1]
    return metric_label(name, lang)


def _pdsqi_label(name: str, lang: str) -> str | None:
    """``judge_pdsqi_<item>`` (the LLM judge) and ``pdsqi_<item>`` (physicians) on PDSQI-9."""
    from clinsum.annotation.rubric import PDSQI9

    judge = name.startswith("judge_pdsqi_")
    item = name[len("judge_pdsqi_"):] if judge else name[len("pdsqi_"):] if name.startswith("pdsqi_") else None
    if item is None:
        return None
    labels = {c.name: c.label[0 if lang == "es" else 1] for c in PDSQI9}
    label = translate("labels.pdsqi.mean", lang) if item == "mean" else labels.get(item)
    if label is None:
        return None
    return translate("labels.pdsqi.judge" if judge else "labels.pdsqi.physicians", lang, item=label)


def is_metric(name: str) -> bool:
    from clinsum.explorer.views import direction

    try:
        direction(name)
    except Exception:  # noqa: BLE001 - not a registered value name
        return False
    return name in _directions()


def _directions() -> dict[str, str]:
    import clinsum.metrics  # noqa: F401 - registers the families
    from clinsum.metrics.base import METRICS

    out: dict[str, str] = {}
    for _name, cls in METRICS.items():
        out.update(getattr(cls, "directions", {}))
    return out


def metric_what(name: str, lang: str = "es") -> str:
    """What a metric value measures, in one line."""
    found = _ROUGE.match(name)
    if found:
        what = translate(f"metric.rouge{found.group(1)}", lang)
        return translate("metric.prf", lang, what=what, part=translate(f"metric.part.{found.group(2)}", lang))
    if name.startswith("bleu_p") and name[6:].isdigit():
        return translate("metric.bleu_p", lang, n=name[6:])
    if name.startswith("bertscore_"):
        part = {"p": "p", "r": "r", "f1": "f"}.get(name[10:], "f")
        return translate("metric.prf", lang, what=translate("metric.bertscore", lang),
                         part=translate(f"metric.part.{part}", lang))
    if name.startswith("judge_") and not _known(f"metric.{name}"):
        return translate("metric.judge", lang, criterion=metric_label(name, lang).split(": ")[-1].lower())
    return translate(f"metric.{name}", lang) if _known(f"metric.{name}") else name


def metric_range(name: str, lang: str = "es") -> str:
    if name.startswith("judge_"):
        return translate("glossary.range.judge", lang)
    if name in ("bleu_len_ratio", "compression", "flags_per_100_words", "meteor_penalty"):
        return translate("glossary.range.ratio", lang)
    if name.startswith(_UNIT_FAMILIES) or name in ("bleu", "meteor"):
        return translate("glossary.range.unit", lang)
    return translate("glossary.range.count", lang)


def metric_help(name: str, lang: str = "es") -> str:
    """``what · range · better`` for a tooltip beside a metric name."""
    better = translate(f"metrics.direction.{_directions().get(name, 'neutral')}", lang)
    return f"{metric_what(name, lang)} · {metric_range(name, lang)} · {better}"


def glossary(names: list[str], lang: str = "es") -> pd.DataFrame:
    """One row per metric value: label, what it measures, range, which way is better."""
    directions = _directions()
    rows = [{translate("glossary.metric", lang): metric_label(n, lang),
             translate("glossary.what", lang): metric_what(n, lang),
             translate("glossary.range", lang): metric_range(n, lang),
             translate("glossary.direction", lang): translate(
                 f"metrics.direction.{directions.get(n, 'neutral')}", lang)}
            for n in dict.fromkeys(names)]
    return pd.DataFrame(rows)


def column_label(name: str, lang: str = "es") -> str:
    """A table header: ``col.<name>`` when there is one, else the metric's label."""
    name = str(name)
    if _known(f"col.{name}"):
        return translate(f"col.{name}", lang)
    return metric_label(name, lang)


def value_label(column: str, value: Any, lang: str = "es") -> Any:
    """A cell as a user reads it: booleans, missing values and enumerations translated."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return translate("value.none", lang)
    if isinstance(value, bool):
        return translate(f"value.{str(value).lower()}", lang)
    if not isinstance(value, str):
        return value
    if column in ("name", "metric", "criterion") and (value in _directions() or _known(f"metric.label.{value}")):
        return metric_label(value, lang)
    area = _ENUM_COLUMNS.get(column)
    if area and _known(f"value.{area}.{value}"):
        return translate(f"value.{area}.{value}", lang)
    if area == "section" and _known(f"section.{value}"):
        return translate(f"section.{value}", lang)
    if area == "criterion":
        from clinsum.annotation.rubric import PAIR_CRITERIA

        for criterion in PAIR_CRITERIA:
            if criterion.name == value:
                return criterion.label[0 if lang == "es" else 1]
    return value


def display_table(df: pd.DataFrame | list[dict], lang: str = "es") -> pd.DataFrame:
    """``df`` with readable headers and translated values (the data itself is not changed)."""
    frame = pd.DataFrame(df).copy()
    for column in frame.columns:
        series = frame[column]
        types = pd.api.types
        if types.is_object_dtype(series) or types.is_string_dtype(series) or types.is_bool_dtype(series):
            frame[column] = [value_label(str(column), v, lang) for v in series]
    labels: list[str] = []
    seen: dict[str, int] = {}
    for column in frame.columns:  # two names with one label (seconds, total_seconds) stay apart
        label = column_label(column, lang)
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    frame.columns = labels
    if frame.index.name:
        frame.index.name = column_label(frame.index.name, lang)
    return frame
