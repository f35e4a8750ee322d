"""Foreign evaluation data: records with references, candidates made elsewhere, aliases for
records with the same text, the report of what could not be scored, all from files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from clinsum.errors import InputError
from clinsum.generation import save_generation
from clinsum.metrics.report import unscored_generations
from clinsum.metrics.scoring import score_workspace
from clinsum.records.candidates import CandidateMapping, import_generations
from clinsum.records.ingest import ColumnMapping, import_paths
from clinsum.references import list_references

SAME_TEXT = "Paciente de 70 años con disnea y edemas. Se pauta furosemida y control en una semana."


def records_csv(tmp_path: Path) -> Path:
    path = tmp_path / "records.csv"
    pd.DataFrame({
        "note": ["a", "b", "c"],
        "body": [SAME_TEXT, SAME_TEXT, "Niño con fiebre y otalgia derecha. Otitis media aguda, amoxicilina."],
        "gold": ["disnea y edemas, furosemida", "control en una semana", "otitis media aguda con amoxicilina"],
        "who": ["dr. a", "dr. b", "dr. c"],
        "state": ["validated", "draft", "validated"],
    }).to_csv(path, index=False)
    return path


MAP = ColumnMapping.parse("text=body,id=note,reference=gold,reference_author=who,reference_status=state")


def test_reference_column_becomes_reference_versions_not_metadata(store, tmp_path: Path) -> None:
    plan = import_paths(store, [records_csv(tmp_path)], MAP)
    assert plan.references == 3
    refs = {r["record_id"]: r for r in list_references(store)}
    assert refs["a"]["text"] == "disnea y edemas, furosemida"
    assert (refs["a"]["author"], refs["a"]["status"], refs["a"]["version"]) == ("dr. a", "validated", 1)
    assert refs["b"]["status"] == "draft"
    meta = json.loads(store.scalar("SELECT meta FROM records WHERE id = 'c'"))
    assert not {"gold", "who", "state"} & set(meta)
    again = import_paths(store, [records_csv(tmp_path)], MAP)  # idempotent: no second version
    assert again.n_written == 0 and again.references == 0 and len(again.duplicates) == 3
    assert store.scalar("SELECT count(*) FROM reference_summaries") == 3


def test_a_changed_reference_is_a_new_version(store, tmp_path: Path) -> None:
    path = records_csv(tmp_path)
    import_paths(store, [path], MAP)
    frame = pd.read_csv(path)
    frame.loc[2, "gold"] = "otitis media aguda derecha"
    frame.to_csv(path, index=False)
    plan = import_paths(store, [path], MAP)
    assert plan.references == 1
    assert [r["version"] for r in list_references(store, "c")] == [1, 2]


def test_bad_reference_values_are_skipped_with_their_line(store, tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    rows = [{"id": "x", "text": "Texto uno del paciente.", "ref": ["not", "text"]},
            {"id": "y", "text": "Texto dos del paciente.", "ref": "bien", "st": "approved"},
            {"id": "z", "text": "Texto tres del paciente.", "ref": "resumen", "st": "validated"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    plan = import_paths(store, [path], ColumnMapping.parse("reference=ref,reference_status=st"))
    assert [d.id for d in plan.new] == ["z"]
    assert [(p.line, p.reason) for p in plan.problems] == [
        (1, "the reference is a list, not a string"),
        (2, "unknown reference status 'approved' (use draft, validated, edited, rejected)")]


def test_missing_reference_column_names_the_columns(store, tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        import_paths(store, [records_csv(tmp_path)], ColumnMapping.parse("text=body,id=note,reference=summary"))
    assert "'summary'" in info.value.message and "note, body, gold, who, state" in info.value.hint


def test_same_text_keeps_both_ids_and_each_scores_against_its_own_reference(store, tmp_path: Path) -> None:
    plan = import_paths(store, [records_csv(tmp_path)], MAP)
    assert [d.id for d in plan.new] == ["a", "c"] and [(d.id, s) for d, s in plan.aliases] == [("b", "a")]
    assert store.fetch_dicts("SELECT record_id, same_as FROM record_aliases") == [{"record_id": "b", "same_as": "a"}]
    candidates = tmp_path / "cand.csv"
    pd.DataFrame({"record": ["a", "b"], "summary": ["disnea y edemas, furosemida"] * 2,
                  "system": ["sys-x"] * 2}).to_csv(candidates, index=False)
    report = import_generations(store, candidates, CandidateMapping.parse("text=summary,model=system"))
    assert len(report.imported) == 2
    score_workspace(store, ["rouge"], targets=["generation"])
    values = dict(store.execute(
        "SELECT g.record_id, m.value FROM metrics m JOIN generations g ON g.id = m.target_id"
        " WHERE m.name = 'rouge1_f' ORDER BY 1"))
    assert values["a"] == pytest.approx(1.0)
    assert values["b"] < 0.3  # against b's own reference ("control en una semana"), not a's


def test_candidates_with_unknown_records_import_nothing(store, tmp_path: Path) -> None:
    import_paths(store, [records_csv(tmp_path)], MAP)
    path = tmp_path / "cand.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"record": "a", "text": "uno"}, {"record": "zz", "text": "dos"}, {"record": "c", "text": 3}]),
        encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_generations(store, path)
    assert "unknown record 'zz'" in info.value.message and ":3: the summary is int" in info.value.message
    assert info.value.params["unknown"] == ["zz"]
    assert "unchanged" in info.value.hint
    assert store.scalar("SELECT count(*) FROM generations") == 0


def test_candidates_keep_their_labels_and_are_imported_once(store, tmp_path: Path) -> None:
    import_paths(store, [records_csv(tmp_path)], MAP)
    path = tmp_path / "cand.parquet"
    pd.DataFrame({"record": ["a", "c", "c"], "text": ["s1", "s2", "s3"], "model": ["m1", "m1", "m2"],
                  "prompt": ["zero", "zero", "few"]}).to_parquet(path)
    mapping = CandidateMapping.parse("model=model,strategy=prompt")
    first = import_generations(store, path, mapping)
    assert len(first.imported) == 3
    rows = store.fetch_dicts("SELECT record_id, backend, model, strategy, text, language FROM generations ORDER BY text")
    assert rows[0] == {"record_id": "a", "backend": "imported", "model": "m1", "strategy": "zero",
                       "text": "s1", "language": "es"}
    again = import_generations(store, path, mapping, backend="paper-2024")
    assert len(again.imported) == 3 and again.already == 0  # another label: other candidates
    third = import_generations(store, path, mapping)
    assert third.imported == [] and third.already == 3


def test_save_generation_without_text_is_refused(store, tmp_path: Path) -> None:
    import_paths(store, [records_csv(tmp_path)], MAP)
    with pytest.raises(InputError):
        save_generation(store, "a", None, backend="x", model="m", strategy="template")
    assert store.scalar("SELECT count(*) FROM generations") == 0
    save_generation(store, "a", None, backend="x", model="m", strategy="template", error="timeout")
    assert store.scalar("SELECT count(*) FROM generations WHERE error = 'timeout'") == 1


def test_report_lists_every_candidate_that_could_not_be_scored(store, tmp_path: Path) -> None:
    import_paths(store, [records_csv(tmp_path)], MAP)
    import_paths(store, [_txt(tmp_path, "sinref", "Mujer con cefalea tensional. Analgesia.")])
    store.execute("UPDATE reference_summaries SET status = 'rejected' WHERE record_id = 'c'")
    path = tmp_path / "cand.csv"
    pd.DataFrame({"record": ["a", "c", "sinref"], "text": ["disnea", "otitis", "cefalea"]}).to_csv(path, index=False)
    import_generations(store, path)
    save_generation(store, "a", None, backend="x", strategy="template", error="model timed out")
    report = score_workspace(store, ["rouge", "lexical"], targets=["generation"])
    unscored = unscored_generations(store, report.versions, report.errors)
    reasons = {(u.record_id, u.reason): u.metrics for u in unscored}
    assert reasons == {
        ("a", "the generation failed: model timed out"): ("rouge", "lexical"),
        ("c", "its record has only rejected reference summaries"): ("rouge",),
        ("sinref", "its record has no reference summary"): ("rouge",),
    }


def _txt(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def clinsum(ws: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clinsum", "-w", str(ws), *args],
                          capture_output=True, text=True, timeout=300)


def test_a_folder_of_foreign_data_imports_and_scores_from_the_cli_alone(tmp_path: Path) -> None:
    folder = tmp_path / "foreign"
    folder.mkdir()
    records_csv(folder)
    (folder / "candidates.jsonl").write_text("\n".join(json.dumps(r) for r in [
        {"note": "a", "summary": "disnea y edemas, furosemida", "system": "ext-llm"},
        {"note": "b", "summary": "disnea y edemas, furosemida", "system": "ext-llm"},
        {"note": "c", "summary": "otitis media aguda", "system": "ext-llm"},
        {"note": "c", "summary": "otitis, amoxicilina", "system": "baseline"},
    ]) + "\n", encoding="utf-8")
    ws = tmp_path / "ws"
    done = clinsum(ws, "import", str(folder / "records.csv"), "--map",
                   "text=body,id=note,reference=gold,reference_author=who,reference_status=state")
    assert done.returncode == 0, done.stderr
    assert "imported 3 record(s) (1 alias(es)" in done.stdout and "3 reference(s)" in done.stdout
    listed = [json.loads(line) for line in clinsum(ws, "records", "list", "--json").stdout.splitlines()]
    assert {r["id"]: r["same_text_as"] for r in listed} == {"a": None, "b": "a", "c": None}
    done = clinsum(ws, "import-generations", str(folder / "candidates.jsonl"), "--map",
                   "text=summary,record=note,model=system", "--strategy", "paper")
    assert done.returncode == 0, done.stderr
    assert "imported 4 generation(s)" in done.stdout and "backend=imported model=ext-llm strategy=paper" in done.stdout
    (folder / "stray.csv").write_text("note,summary\nc,otra\nzz,sin registro\n", encoding="utf-8")
    refused = clinsum(ws, "import-generations", str(folder / "stray.csv"), "--map", "text=summary,record=note")
    assert refused.returncode == 3 and "unknown record 'zz'" in refused.stderr and "(zz)" in refused.stderr
    (folder / "d.txt").write_text("Mujer de 40 años con cefalea tensional. Analgesia y control.", encoding="utf-8")
    assert clinsum(ws, "import", str(folder / "d.txt")).returncode == 0
    (folder / "late.csv").write_text("note,summary\nd,cefalea tensional\n", encoding="utf-8")
    assert clinsum(ws, "import-generations", str(folder / "late.csv"), "--map", "text=summary,record=note",
                   "--model", "ext-llm").returncode == 0
    done = clinsum(ws, "score", "--metrics", "rouge,bleu,lexical")
    assert done.returncode == 0, done.stderr
    assert "1 candidate(s) could not be scored" in done.stdout
    assert "(record d, imported / ext-llm / imported): its record has no reference summary [rouge, bleu]" in done.stdout
    done = clinsum(ws, "explore", "summary", "--by", "model", "--metric", "rouge1_f", "--format", "csv")
    assert done.returncode == 0, done.stderr
    from io import StringIO

    table = pd.read_csv(StringIO(done.stdout))
    assert set(table["model"]) == {"ext-llm", "baseline"}
    done = clinsum(ws, "sql", "SELECT g.record_id, m.value FROM metrics m JOIN generations g ON g.id = m.target_id"
                   " WHERE m.name = 'rouge1_f' AND g.model = 'ext-llm' ORDER BY 1", "--format", "csv")
    values = pd.read_csv(StringIO(done.stdout)).set_index("record_id")["value"]
    assert values["a"] == pytest.approx(1.0) and values["b"] < 0.3


def test_a_repeated_row_under_a_taken_id_adds_its_reference_to_the_right_record(store, tmp_path: Path) -> None:
    first = tmp_path / "old.csv"
    first.write_text("id,text\na,Otro texto clínico distinto.\n", encoding="utf-8")
    import_paths(store, [first])
    path = tmp_path / "new.csv"
    path.write_text("id,text,gold\na,Texto repetido del paciente.,uno\na,Texto repetido del paciente.,dos\n",
                    encoding="utf-8")
    plan = import_paths(store, [path], ColumnMapping.parse("reference=gold"))
    assert [d.record_id for d in plan.new] == ["a-2"] and plan.references == 2
    assert [r["text"] for r in list_references(store, "a-2")] == ["uno", "dos"]
    assert list_references(store, "a") == []
