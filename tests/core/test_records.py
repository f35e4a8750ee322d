"""Record ingestion (every format, every bad file) and section splitting."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from clinsum.config import DEMO_DIR
from clinsum.errors import InputError
from clinsum.records import get_record, list_records, search_records
from clinsum.records.ingest import ColumnMapping, import_paths, read_bytes
from clinsum.records.sections import split_sections

CASE = (
    "Motivo de ingreso: disnea de esfuerzo.\n"
    "Antecedentes personales:\nHTA, DM2.\n"
    "Exploración física:\nCrepitantes bibasales. Sin edemas.\n"
    "Juicio clínico: insuficiencia cardiaca.\n"
    "Tratamiento:\nFurosemida 40 mg/12 h.\n"
)


def snapshot(store):
    return store.fetch_dicts("SELECT id, content_hash FROM records ORDER BY id")


def test_txt_folder_is_imported_once(store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(CASE, encoding="utf-8")
    (folder / "b.txt").write_text(CASE.replace("disnea", "dolor torácico"), encoding="utf-8")
    (folder / "copy.txt").write_text(CASE, encoding="utf-8")
    plan = import_paths(store, [folder])
    assert len(plan.new) == 2 and [(d.id, same) for d, same in plan.aliases] == [("copy", "a")]
    assert plan.duplicates == []  # the copy keeps its own source id (an alias of a)
    again = import_paths(store, [folder])
    assert again.n_written == 0 and len(again.duplicates) == 3
    record = get_record(store, "a")
    assert record.language == "es"
    assert [s.kind for s in record.sections] == ["reason", "history", "exam", "assessment", "treatment"]


def test_csv_with_column_mapping_and_bad_rows(store, tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text('nhc;informe\n1;"Paciente con fiebre; tos."\n2;""\n3;"Dolor abdominal"\n',
                    encoding="utf-8")
    plan = import_paths(store, [path], ColumnMapping(text="informe", id="nhc"))
    assert sorted(d.id for d in plan.new) == ["1", "3"]
    assert [(p.line, "empty" in p.reason) for p in plan.problems] == [(3, True)]
    assert get_record(store, "1").text == "Paciente con fiebre; tos."


def test_csv_without_the_text_column_says_which_columns_exist(store, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_paths(store, [path])
    assert "a, b" in str(info.value.message + " " + info.value.hint)
    assert snapshot(store) == []


def test_jsonl_reports_malformed_lines_and_imports_the_rest(store, tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text(json.dumps({"id": "n1", "text": "Nota uno."}) + "\n{broken\n"
                    + json.dumps({"id": "n2", "text": "Nota dos."}) + "\n[1]\n", encoding="utf-8")
    plan = import_paths(store, [path])
    assert [d.id for d in plan.new] == ["n1", "n2"]
    assert [p.line for p in plan.problems] == [2, 4]


def test_parquet(store, tmp_path: Path) -> None:
    path = tmp_path / "notes.parquet"
    pd.DataFrame({"doc": ["d1", "d2"], "body": ["Texto uno.", "Text two was written."]}).to_parquet(path)
    plan = import_paths(store, [path], ColumnMapping(text="body", id="doc"))
    assert [d.id for d in plan.new] == ["d1", "d2"]
    assert get_record(store, "d2").language == "en"



def test_one_parquet_reader_for_record_import_and_knowledge_bases(tmp_path: Path) -> None:
    from clinsum.rag.readers import count_units, iter_rows
    from clinsum.records.ingest import read_table
    from clinsum.records.tables import ParquetRows

    path = tmp_path / "rows.parquet"
    frame = pd.DataFrame({"doc": [f"d{i}" for i in range(5)], "n": list(range(5))})
    frame.to_parquet(path, index=False)
    expected = [(i + 1, {"doc": f"d{i}", "n": i}) for i in range(5)]
    assert list(ParquetRows(path, path.name, batch_size=2)) == expected  # across batches
    assert list(ParquetRows(path.read_bytes(), path.name)) == expected  # a path or its bytes
    assert list(iter_rows(path)) == expected and count_units(path) == 5
    rows, problems = read_table(path.name, path.read_bytes())
    assert problems == [] and rows == [(0, {"doc": None, "n": None}), *expected]
    empty = tmp_path / "empty.parquet"
    frame.iloc[:0].to_parquet(empty, index=False)
    assert read_table(empty.name, empty.read_bytes())[0] == [(0, {"doc": None, "n": None})]
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(InputError, match="bad.parquet: not a readable Parquet file"):
        list(iter_rows(bad))

def test_legacy_encodings_are_detected_and_text_is_nfc(tmp_path: Path) -> None:
    text = "Exploración física: niño con otitis. Diagnóstico: otitis media aguda derecha."
    drafts, problems = read_bytes("a.txt", text.encode("cp1252"))
    assert problems == [] and drafts[0].text == text
    drafts, _ = read_bytes("b.txt", text.encode("utf-16"))
    assert drafts[0].text == text
    decomposed = unicodedata.normalize("NFD", text)
    drafts, _ = read_bytes("c.txt", decomposed.encode("utf-8"))
    assert drafts[0].text == text and unicodedata.is_normalized("NFC", drafts[0].text)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("scan.pdf.txt", b"%PDF-1.4\x00\x01\x02binary", "binary"),
        ("empty.txt", b"   \n\n  ", "empty"),
        ("huge.txt", b"a" * 2000, "limit"),
        ("table.xlsx", b"PK\x03\x04", "unsupported"),
        ("bad.parquet", b"not parquet at all", "Parquet"),
        ("bad.json", b"{not json", "JSON"),
    ],
)
def test_bad_files_are_refused_with_a_reason_and_nothing_changes(store, tmp_path, name, data, reason) -> None:
    import_paths(store, [DEMO_DIR / "records" / "es12_pediatria_bronquiolitis.txt"])
    before = snapshot(store)
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        import_paths(store, [path], max_bytes=1000)
    assert reason in info.value.message
    assert "unchanged" in (info.value.hint or "")
    assert snapshot(store) == before


def test_strict_import_writes_nothing_when_one_file_is_bad(store, tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(CASE, encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02")
    with pytest.raises(InputError):
        import_paths(store, [tmp_path], strict=True)
    assert snapshot(store) == []
    plan = import_paths(store, [tmp_path])
    assert len(plan.new) == 1 and "binary" in plan.problems[0].reason


def test_search_ignores_case_and_accents(demo_store) -> None:
    hits = {r["id"] for r in search_records(demo_store, "BRONQUIOLITIS")}
    assert "es12_pediatria_bronquiolitis" in hits
    assert {r["id"] for r in search_records(demo_store, "neumonia")} >= {"es07_medicina_interna_neumonia"}


def test_demo_records_split_into_clinical_sections(demo_store) -> None:
    rows = list_records(demo_store)
    assert len(rows) >= 20 and all(r["n_references"] == 1 for r in rows)
    languages = {r["language"] for r in rows}
    assert languages == {"es", "en"}
    for row in rows:
        record = get_record(demo_store, row["id"])
        kinds = {s.kind for s in record.sections}
        assert len(record.sections) >= 3, row["id"]
        assert kinds & {"assessment", "course", "treatment", "plan", "current_illness"}, (row["id"], kinds)
        covered = "".join(record.text[s.start : s.end] for s in record.sections)
        assert len(covered) >= 0.9 * len(record.text.strip())


def test_meddocan_cases_split_into_header_report_and_signature(meddocan_dir: Path) -> None:
    files = sorted((meddocan_dir / "dev").glob("*.txt"))[:40]
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        kinds = [s.kind for s in split_sections(text)]
        assert "admin" in kinds, path.name
        assert any(k in kinds for k in ("report", "current_illness", "history", "exam")), (path.name, kinds)


def test_text_without_headers_falls_back_to_paragraph_blocks() -> None:
    text = "\n\n".join(f"Párrafo {i}. " + "palabra " * 120 for i in range(5))
    sections = split_sections(text, min_blocks_chars=1500)
    assert all(s.kind == "block" for s in sections)
    assert 2 <= len(sections) <= 5
    assert sections[0].start == 0 and sections[-1].end == len(text)


def test_english_headers() -> None:
    text = ("Chief complaint: chest pain.\nHPI:\n58-year-old man.\nPhysical exam:\nNormal.\n"
            "Assessment and plan:\nNSTEMI, start aspirin.\n")
    assert [s.kind for s in split_sections(text)] == ["reason", "current_illness", "exam", "assessment"]
