"""PDSQI-9 ratings and their agreement, and judge calibration against physicians (statistics
checked by hand, end to end through the loopback LLM server and the CLI)."""

from __future__ import annotations

import json

import pytest

from clinsum.annotation import calibration as cal
from clinsum.annotation import pdsqi
from clinsum.annotation.report import agreement_report
from clinsum.annotation.rubric import PDSQI9, PDSQI9_NAMES
from clinsum.errors import InputError
from clinsum.store import Store
from tests.fakes.llm_server import LLMServer


def test_icc_kappa_spearman_by_hand():
    # Shrout & Fleiss style check: perfect agreement, a constant offset, and a worked example
    assert cal.icc_a1([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]) == pytest.approx(1.0)
    shifted = cal.icc_a1([1, 2, 3, 4, 5], [2, 3, 4, 5, 6])
    assert shifted == pytest.approx(5 / 6)  # MSR = 5, MSC = 2.5, MSE = 0: 5 / (5 + 2 · 2.5 / 5)
    # two raters, 4 items: a = 1 2 3 4, b = 2 2 4 4 → MSR = 17/6, MSC = 1/2, MSE = 1/6
    expected = (17 / 6 - 1 / 6) / (17 / 6 + 1 / 6 + 2 * (1 / 2 - 1 / 6) / 4)
    assert cal.icc_a1([1, 2, 3, 4], [2, 2, 4, 4]) == pytest.approx(expected) == pytest.approx(16 / 19)
    assert cal.spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(0.8207826816681233)
    assert cal.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert cal.weighted_kappa([1, 2, 3, 4, 5], [1.2, 2.4, 2.6, 4.4, 5]) == pytest.approx(1.0)
    assert cal.icc_a1([3, 3], [3, 3]) is None and cal.spearman([1, 1, 1], [1, 2, 3]) is None
    lo, hi = cal.bootstrap_ci(cal.spearman, [1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 2, 4, 6, 5, 8, 7], 500)
    assert lo <= cal.spearman([1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 2, 4, 6, 5, 8, 7]) <= hi <= 1.0


def _workspace(tmp_path, n: int = 6) -> Store:
    store = Store.open(tmp_path / "ws")
    for i in range(n):
        store.execute("INSERT INTO records (id, source, text, content_hash) VALUES (?, 't', ?, ?)",
                      [f"r{i}", f"Paciente {i} con neumonía derecha tratada con amoxicilina.", f"h{i}"])
        store.execute("INSERT INTO reference_summaries (id, record_id, version, text) VALUES (?, ?, 1, ?)",
                      [f"ref-{i}", f"r{i}", f"Neumonía derecha {i}."])
    return store


def scores(value: int) -> dict[str, int]:
    return {name: value for name in PDSQI9_NAMES}


def test_pdsqi_ratings_validated_stored_and_agreement_per_item(tmp_path):
    store = _workspace(tmp_path, 3)
    assert len(PDSQI9) == 9 and all(c.label[0] and c.label[1] and c.guideline[0] and c.guideline[1] for c in PDSQI9)
    with pytest.raises(InputError):
        pdsqi.submit_pdsqi(store, "ana", "reference", "ref-0", {**scores(3), "cited": None})
    with pytest.raises(InputError):
        pdsqi.submit_pdsqi(store, "ana", "reference", "ref-0", {**scores(3), "cited": 6})
    for i, (a, b) in enumerate([(2, 2), (4, 4), (5, 4)]):
        pdsqi.submit_pdsqi(store, "ana", "reference", f"ref-{i}", scores(a))
        pdsqi.submit_pdsqi(store, "luis", "reference", f"ref-{i}", scores(b))
    assert pdsqi.get_pdsqi(store, "ref-2", "ana") == scores(5)
    report = agreement_report(store, "pdsqi")
    assert report["overlapping_items"] == 3 and report["annotators"] == ["ana", "luis"]
    overall = {r["criterion"]: r for r in report["overall"]}
    assert set(overall) == set(PDSQI9_NAMES)
    assert overall["accurate"]["n_items"] == 3 and overall["accurate"]["percent"] == pytest.approx(2 / 3)
    pair = next(p for p in report["pairs"] if p["criterion"] == "succinct")
    assert pair["n"] == 3 and 0 < pair["kappa_quadratic"] < 1
    # PDSQI-9 ratings reach the explorer's ratings (for the rated reference)
    from clinsum.explorer.ratings import ratings

    rated = ratings(store)
    row = rated[(rated["item_id"] == "ref-2") & (rated["criterion"] == "pdsqi_cited")].iloc[0]
    assert row["item_kind"] == "reference" and row["rating"] == 4.5 and row["n_annotators"] == 2


def _judge_answer(values: dict[str, int]) -> str:
    return "```json\n" + json.dumps({k: {"score": v, "rationale": "ok"} for k, v in values.items()}) + "\n```"


def test_judge_with_pdsqi_rubric_and_calibration_status(tmp_path):
    from clinsum.metrics.scoring import score_workspace

    store = _workspace(tmp_path, 6)
    physician = [1, 2, 3, 4, 5, 3]
    for i, value in enumerate(physician):
        pdsqi.submit_pdsqi(store, "ana", "reference", f"ref-{i}", scores(value))
    by_summary = {f"Neumonía derecha {i}.": v for i, v in enumerate(physician)}

    def responder(messages, model):
        user = messages[-1]["content"]
        value = next(v for text, v in by_summary.items() if text in user)
        return _judge_answer({name: value for name in PDSQI9_NAMES})

    with LLMServer(responder=responder) as server:
        options = {"judge": {"backend": "ollama", "model": "llama3.2:1b", "rubric": "pdsqi9",
                             "backend_config": {"host": server.ollama_host}}}
        report = score_workspace(store, ["judge"], options, targets=["reference"])
    assert report.computed["judge"] == 6 and not report.errors
    assert "rubric=pdsqi9" in report.versions["judge"]
    stored = dict(store.execute("SELECT name, value FROM metrics WHERE target_id = 'ref-3'"))
    assert stored["judge_pdsqi_accurate"] == 4.0 and stored["judge_pdsqi_mean"] == 4.0
    assert "judge_correctness" not in stored
    rows = {r["judge"]: r for r in cal.judge_calibration(store, n_boot=200)}
    accurate = rows["judge_pdsqi_accurate"]
    assert accurate["criterion"] == "pdsqi_accurate" and accurate["n"] == 6
    assert accurate["icc"] == pytest.approx(1.0) and accurate["kappa"] == pytest.approx(1.0)
    assert accurate["spearman"] == pytest.approx(1.0)
    assert accurate["status"] == "too_few"  # 6 items < the default 20
    cal.set_settings(store, 0.8, 5)
    assert cal.judge_status(store)["judge_pdsqi_accurate"] == "calibrated"
    assert cal.judge_status(store)["judge_correctness"] == "too_few"  # no such scores yet
    cal.set_settings(store, 0.8, 5)
    store.execute("UPDATE metrics SET value = 6 - value WHERE name = 'judge_pdsqi_accurate'")
    assert cal.judge_status(store)["judge_pdsqi_accurate"] == "not_calibrated"
    with pytest.raises(InputError):
        cal.set_settings(store, 2.0, 5)


def test_cli_judge_calibration(tmp_path, capsys):
    from clinsum.cli import main

    store = _workspace(tmp_path, 4)
    for i, value in enumerate([1, 2, 4, 5]):
        pdsqi.submit_pdsqi(store, "ana", "reference", f"ref-{i}", scores(value))
        store.execute("INSERT INTO metrics (target_kind, target_id, metric, name, metric_version, value)"
                      " VALUES ('reference', ?, 'judge', 'judge_pdsqi_useful', 'x', ?)", [f"ref-{i}", value])
    ws = str(store.root)
    assert main(["-w", ws, "judge", "calibration", "--min-items", "3", "--save"]) == 0
    out = capsys.readouterr().out
    assert "judge_pdsqi_useful" in out and "pdsqi_useful" in out and "calibrated" in out
    assert "ICC >= 0.80 on at least 3 items" in out
    assert cal.get_settings(store) == {"threshold": 0.8, "min_items": 3}
    assert main(["-w", ws, "judge", "calibration", "--json", "--threshold", "0.99"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["judge"] == "judge_pdsqi_useful" and rows[0]["icc"] == pytest.approx(1.0)
