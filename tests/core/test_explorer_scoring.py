"""End to end with the real metrics engine: demo records, generations, scoring, then the
explorer and the comparison read what the scorer stored (and follow a new reference version)."""

from __future__ import annotations

import pytest

from clinsum import compare as cmp
from clinsum import explorer as ex
from clinsum.demo import load_demo
from clinsum.references import add_reference, latest_reference
from clinsum.store import Store, new_id

scoring = pytest.importorskip("clinsum.metrics.scoring")

MODELS = {"m-copy": 0, "m-short": 1}


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Store:
    store = Store.open(tmp_path_factory.mktemp("scored") / "ws")
    load_demo(store)
    rows = store.fetch_dicts("SELECT r.id, s.text FROM records r JOIN reference_summaries s"
                             " ON s.record_id = r.id ORDER BY r.id LIMIT 4")
    with store.transaction() as con:
        for row in rows:
            for model, cut in MODELS.items():
                words = row["text"].split()
                text = " ".join(words if not cut else words[: len(words) // 3]) + " Dosis 999 mg."
                con.execute(
                    "INSERT INTO generations (id, record_id, backend, model, strategy, temperature,"
                    " text, total_seconds) VALUES (?, ?, 'extractive', ?, 'direct', 0.0, ?, ?)",
                    [new_id("gen"), row["id"], model, text, 1.0 + cut],
                )
    scoring.score_workspace(store, ["rouge", "faithfulness"], targets=["generation"])
    return store


def test_explorer_reads_the_scorer_output(scored):
    by_model = ex.summary(scored, "model", ["rouge1_f"]).set_index("model")
    assert by_model.loc["m-copy", "n"] == 4
    assert by_model.loc["m-copy", "mean"] > 0.9 > by_model.loc["m-short", "mean"]
    direct = scored.scalar("SELECT avg(value) FROM metrics m JOIN generations g ON g.id = m.target_id"
                           " WHERE g.model = 'm-short' AND m.name = 'rouge1_f'")
    assert by_model.loc["m-short", "mean"] == pytest.approx(direct)
    assert ex.direction("flags_total") == -1
    front = ex.pareto(scored, "rouge1_f", by=["model"]).set_index("model")["on_front"].to_dict()
    assert front == {"m-copy": True, "m-short": False}  # faster and better


def test_compare_shows_scorer_flags_and_values(scored):
    pick = cmp.jump(scored, "rouge1_f", "worst")
    comparison = cmp.compare(scored, pick.record_id, [pick.generation_id])
    candidate = comparison.candidates[0]
    assert candidate.metrics["rouge1_f"] == pytest.approx(pick.value)
    assert "999 mg" in [f["text"] for f in candidate.flags]
    assert candidate.metrics["flags_total"] >= 1


def test_new_reference_version_makes_new_values_current(scored):
    record_id = scored.fetch_one("SELECT record_id FROM generations WHERE model = 'm-copy' LIMIT 1")["record_id"]
    gen_id = scored.fetch_one("SELECT id FROM generations WHERE model = 'm-copy' AND record_id = ?",
                              [record_id])["id"]
    before = cmp.pair_metrics(scored, [gen_id])[gen_id]["rouge1_f"]
    add_reference(scored, record_id, "Texto de referencia completamente distinto sin relación.")
    scoring.score_workspace(scored, ["rouge"], targets=["generation"])
    after = cmp.pair_metrics(scored, [gen_id])[gen_id]["rouge1_f"]
    assert after < before
    assert ex.long_view(scored, ex.Filters(record_ids=[record_id], models=["m-copy"]),
                        ["rouge1_f"])["value"].tolist() == [pytest.approx(after)]
    assert latest_reference(scored, record_id)["version"] == 2
