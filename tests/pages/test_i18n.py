"""Every UI string used in the code exists in Spanish and English; every page has a title."""

from __future__ import annotations

import re
from pathlib import Path

from clinsum.ui.i18n import catalog, translate

ROOT = Path(__file__).resolve().parents[2]
LITERAL = re.compile(r"""\bt\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']""")


def used_keys() -> dict[str, str]:
    found = {}
    for path in [*ROOT.glob("clinsum/**/*.py"), ROOT / "Home.py"]:
        for key in LITERAL.findall(path.read_text(encoding="utf-8")):
            found[key] = path.name
    return found


def test_every_literal_key_is_translated() -> None:
    strings = catalog()
    missing = {k: f for k, f in used_keys().items() if k not in strings}
    assert missing == {}


def test_every_string_has_both_languages() -> None:
    empty = [k for k, (es, en) in catalog().items() if not es.strip() or not en.strip()]
    assert empty == []


def test_every_page_has_a_title_and_a_home_line() -> None:
    for path in ROOT.glob("clinsum/ui/pages/[0-9]*_*.py"):
        name = path.stem.split("_", 1)[1]
        assert f"nav.{name}" in catalog(), path.name
        if name != "home":
            assert f"home.page.{name}" in catalog(), path.name


def test_missing_key_shows_itself_and_params_format() -> None:
    assert translate("no.such.key", "en") == "no.such.key"
    assert translate("records.found", "en", n=3) == "3 records"
    assert translate("records.found", "es", n=3) == "3 registros"


def test_every_builtin_strategy_is_described_in_both_languages() -> None:
    import clinsum.plugins  # noqa: F401 - registers every strategy
    from clinsum.strategies.base import STRATEGIES

    names = STRATEGIES.names()
    assert {"template", "by_parts", "rag_multi"} <= set(names)
    assert [n for n in names if f"strategy.{n}.description" not in catalog()] == []


def test_batch_statuses_read_in_the_users_language() -> None:
    from clinsum.references import batch
    from clinsum.ui.labels import value_label

    assert value_label("status", "in_progress", "es") == "en curso"
    assert value_label("status", "in_progress", "en") == "in progress"
    assert value_label("status", None, "es") == "—"
    statuses = set(re.findall(r"status=\"(\w+)\"|status = '(\w+)'", Path(batch.__file__).read_text()))
    for status in {s for pair in statuses for s in pair if s} - {"pending", "done", "retried"}:
        assert value_label("status", status, "es") != status, status


def test_tables_keep_columns_apart_that_share_a_label() -> None:
    from clinsum.ui.labels import display_table

    shown = display_table([{"seconds": 1.0, "total_seconds": 2.0, "status": "done", "train_seconds": 3.0}], "es")
    assert list(shown.columns) == ["Segundos", "Segundos (2)", "Estado", "Entrenamiento (s)"]
    assert shown.iloc[0].tolist() == [1.0, 2.0, "terminado", 3.0]


def test_every_skip_reason_reads_in_both_languages_and_its_english_is_the_librarys(tmp_path) -> None:
    """Each ``reason(...)`` call in the library has its ``problem.<name>`` string, whose English
    equals the library's text; real import problems come out in Spanish on a Spanish page."""
    import pickle

    from clinsum.errors import Reason, reason
    from clinsum.records.ingest import read_sources, text_problem
    from clinsum.ui.frame import _formats

    strings = catalog()
    calls = re.compile(r"""\breason\(\s*f?["']([a-z_{}]+)["']\s*,\s*["']([^"']+)["']""")
    found = [m for path in ROOT.glob("clinsum/**/*.py") for m in calls.findall(path.read_text(encoding="utf-8"))]
    assert len(found) >= 15
    for name, english in found:
        names = [name.replace("{what}", w) for w in ("text", "reference", "summary")] if "{what}" in name else [name]
        for key in (f"problem.{n}" for n in names):
            assert key in strings, key
            if "{what}" not in english:
                assert strings[key][1] == english, key
    for value in (None, float("nan"), {"a": 1}):
        said = text_problem(value, "reference")
        assert translate(said.key, "en", **said.params) == said, said
        assert _formats(strings[said.key], said.params)
    kept = pickle.loads(pickle.dumps(reason("no_field", "no field {field!r}", field="nota")))
    assert isinstance(kept, Reason) and (kept, kept.key, kept.params) == ("no field 'nota'", "problem.no_field", {"field": "nota"})

    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"text": ""}\n[1, 2]\n{"text": null}\n{"note": "x"}\n', encoding="utf-8")
    _, problems = read_sources([rows])
    spanish = [translate(p.reason.key, "es", **p.reason.params) for p in problems]
    assert len(spanish) == 4 and all(p.reason.key for p in problems), [str(p) for p in problems]
    assert "una línea JSON debe ser un objeto" in spanish and "el registro está vacío" in spanish, spanish


def test_every_knowledge_base_layout_is_described_in_both_languages() -> None:
    from clinsum.rag.layouts import LAYOUTS

    for name in LAYOUTS.names():
        assert translate(f"kb.layout.{name}", "en") == LAYOUTS.get(name).description, name
        assert translate(f"kb.layout.{name}", "es") != LAYOUTS.get(name).description, name


def test_every_judge_value_and_physician_criterion_of_the_calibration_has_a_name() -> None:
    from clinsum.annotation.calibration import PAIRS
    from clinsum.ui.labels import criterion_label, metric_label

    for lang in ("es", "en"):
        names = [metric_label(judge, lang) for judge in PAIRS] + [criterion_label(c, lang) for c in PAIRS.values()]
        assert not [n for n in names if "_" in n or n in PAIRS or n in PAIRS.values()], (lang, names)
    assert criterion_label("accuracy", "es") == "Exactitud"
    assert metric_label("judge_pdsqi_succinct", "es") == "Juez PDSQI-9: Conciso"
    assert metric_label("pdsqi_mean", "en") == "PDSQI-9 (physicians): mean"
