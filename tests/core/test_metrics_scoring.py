"""Scoring a workspace: incremental, versioned, per reference version, as a job and from the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clinsum import jobs
from clinsum.cli import main as cli_main
from clinsum.metrics.scoring import details_of, load_targets, score_workspace
from clinsum.references import add_reference, latest_reference
from clinsum.store import Store, new_id
from tests.fakes.llm_server import LLMServer

RECORDS = ("es07_medicina_interna_neumonia", "es08_traumatologia_cadera", "en06_neurology_seizure")
CHEAP = ["rouge", "bleu", "lexical", "faithfulness"]


def _generation(store: Store, record_id: str, text: str | None, error: str | None = None) -> str:
    gen_id = new_id("gen")
    store.execute(
        "INSERT INTO generations (id, record_id, backend, model, strategy, text, error) "
        "VALUES (?, ?, 'extractive', 'm', 'zero_shot', ?, ?)",
        [gen_id, record_id, text, error],
    )
    return gen_id


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The demo workspace plus six generations (and one failed), built once per module."""
    from clinsum.demo import load_demo

    store = Store.open(tmp_path_factory.mktemp("template") / "ws")
    load_demo(store)
    for record_id in RECORDS:
        reference = latest_reference(store, record_id)["text"]
        _generation(store, record_id, reference[: len(reference) // 2])
        _generation(store, record_id, "Paciente de 99 años con fractura de cadera izquierda.")
    _generation(store, RECORDS[0], None, error="server down")
    return store.root


@pytest.fixture
def scored_store(template: Path, tmp_path: Path) -> Store:
    shutil.copytree(template, tmp_path / "ws")
    return Store.open(tmp_path / "ws")


@pytest.fixture
def demo_copy(template: Path, tmp_path: Path) -> Store:
    store = Store.open(shutil.copytree(template, tmp_path / "ws"))
    store.execute("DELETE FROM generations")
    return store


def _rows(store: Store, metric: str | None = None) -> int:
    sql = "SELECT count(*) FROM metrics" + (" WHERE metric = ?" if metric else "")
    return store.scalar(sql, [metric] if metric else [])


def test_second_run_computes_nothing_and_new_version_only_that(scored_store):
    first = score_workspace(scored_store, CHEAP, targets=["generation"])
    assert first.computed == {"rouge": 6, "bleu": 6, "lexical": 6, "faithfulness": 6}
    rows = _rows(scored_store)
    assert rows == 6 * (12 + 7 + 6 + 7)
    again = score_workspace(scored_store, CHEAP, targets=["generation"])
    assert again.total_computed == 0 and again.already["rouge"] == 6 and _rows(scored_store) == rows
    stemmed = score_workspace(scored_store, CHEAP, {"rouge": {"stem": "auto"}}, targets=["generation"])
    assert stemmed.computed == {"rouge": 6, "bleu": 0, "lexical": 0, "faithfulness": 0}
    versions = {r[0] for r in scored_store.execute("SELECT DISTINCT metric_version FROM metrics WHERE metric = 'rouge'")}
    assert versions == {"1", "1+stem=auto"}


def test_reference_id_is_latest_version_and_new_version_rescored(scored_store):
    score_workspace(scored_store, ["rouge", "lexical"])
    record = RECORDS[1]
    old_ref = latest_reference(scored_store, record)["id"]
    stored = {
        metric: {r[0] for r in scored_store.execute(
        "SELECT DISTINCT m.reference_id FROM metrics m JOIN generations g ON g.id = m.target_id "
        "WHERE m.target_kind = 'generation' AND m.metric = ? AND g.record_id = ?", [metric, record])}
        for metric in ("rouge", "lexical")
    }
    assert stored == {"rouge": {old_ref}, "lexical": {""}}  # lexical does not use the reference
    refs_scored = scored_store.scalar(
        "SELECT count(DISTINCT target_id) FROM metrics WHERE target_kind = 'reference' AND metric = 'lexical'")
    assert refs_scored == 24
    assert scored_store.scalar("SELECT count(*) FROM metrics WHERE target_kind = 'reference' AND metric = 'rouge'") == 0
    new_ref = add_reference(scored_store, record, "Fractura pertrocantérea de cadera izquierda; osteosíntesis.",
                            author="dr", status="edited")
    report = score_workspace(scored_store, ["rouge", "lexical"])
    assert report.computed == {"rouge": 2, "lexical": 1}  # that record's two generations; the new reference
    assert {t.reference_id for t in load_targets(scored_store, ["generation"]) if t.record_id == record} == {new_ref}


def test_generation_without_reference_gets_source_metrics_only(demo_copy):
    demo_store = demo_copy
    record = RECORDS[2]
    for row in demo_store.fetch_dicts("SELECT id FROM reference_summaries WHERE record_id = ?", [record]):
        demo_store.execute("UPDATE reference_summaries SET status = 'rejected' WHERE id = ?", [row["id"]])
    gen = _generation(demo_store, record, "Seizure, left arm weakness since 2019.")
    report = score_workspace(demo_store, ["rouge", "faithfulness"], targets=["generation"])
    assert report.not_applicable["rouge"] == 1 and report.computed == {"rouge": 0, "faithfulness": 1}
    spans = details_of(demo_store, "generation", gen, "faithfulness")["spans"]
    assert spans and all(set(s) == {"start", "end", "kind", "text", "reason"} for s in spans)


def test_all_local_metrics_end_to_end(scored_store):
    report = score_workspace(scored_store, targets=["generation"])
    assert set(report.computed) == {"rouge", "bleu", "meteor", "bertscore", "lexical", "codes", "faithfulness",
                                     "evidence"}
    assert all(n == 6 for n in report.computed.values())
    best = scored_store.fetch_dicts(
        "SELECT g.text, m.value FROM metrics m JOIN generations g ON g.id = m.target_id "
        "WHERE m.name = 'bertscore_f1' ORDER BY m.value DESC")
    assert best[0]["text"] != "Paciente de 99 años con fractura de cadera izquierda."


def test_score_job_runs_and_resumes_idempotently(scored_store):
    job = jobs.submit(scored_store, "score", {"metrics": ["bleu", "lexical"], "targets": ["generation"]},
                      spawn=False)
    assert jobs.run_job(scored_store, job) == "done"
    progress = jobs.read_progress(scored_store, job)
    assert progress["total"] == 12 and progress["done"] == 12
    rows = _rows(scored_store)
    jobs.resume(scored_store, job, spawn=False)
    assert jobs.run_job(scored_store, job) == "done" and _rows(scored_store) == rows
    report = [e for e in jobs.read_log(scored_store, job) if e.get("event") == "report"][-1]
    assert report["computed"] == {"bleu": 0, "lexical": 0}


def test_cli_score_and_errors(scored_store, capsys):
    ws = str(scored_store.root)
    assert cli_main(["-w", ws, "score", "--metrics", "bleu,codes", "--targets", "generations"]) == 0
    out = capsys.readouterr().out
    assert "12 computed" in out and "bleu" in out
    assert cli_main(["-w", ws, "score", "--metrics", "bleu,codes", "--targets", "generations"]) == 0
    assert "0 computed" in capsys.readouterr().out
    assert cli_main(["-w", ws, "score", "--metrics", "rouge,nonsense"]) == 3
    assert "Unknown metric" in capsys.readouterr().err
    assert cli_main(["-w", ws, "score", "--metrics", "judge"]) == 3
    assert cli_main(["-w", ws, "score", "--list"]) == 0
    assert "meteor synonyms" in capsys.readouterr().out


def test_judge_failures_are_not_stored_and_retried(scored_store):
    state = {"ok": False}

    def responder(messages, model):
        if not state["ok"]:
            return "no sé"
        return json.dumps({"completeness": 3, "correctness": 4, "conciseness": 5})

    with LLMServer(responder=responder) as server:
        options = {"judge": {"backend": "ollama", "model": "qwen3:0.6b",
                             "backend_config": {"host": server.ollama_host}, "concurrency": 2}}
        failed = score_workspace(scored_store, ["judge"], options, targets=["generation"])
        assert failed.failed["judge"] == 6 and failed.computed["judge"] == 0
        assert _rows(scored_store, "judge") == 0 and "no score" in failed.errors[0]
        state["ok"] = True
        done = score_workspace(scored_store, ["judge"], options, targets=["generation"])
    assert done.computed["judge"] == 6 and _rows(scored_store, "judge") == 6 * 4
    rationale = details_of(scored_store, "generation",
                           scored_store.scalar("SELECT target_id FROM metrics WHERE metric = 'judge' LIMIT 1"),
                           "judge")
    assert rationale["model"] == "qwen3:0.6b" and set(rationale["rationales"]) == {
        "completeness", "correctness", "conciseness"}
