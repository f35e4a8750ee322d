"""Explorer views on a hand-built workspace: values checked by hand (see test_explorer_data)."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from clinsum import explorer as ex
from clinsum.errors import InputError
from clinsum.store import Store
from tests.fakes.explorer_data import build


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Store:
    return build(Store.open(tmp_path_factory.mktemp("explorer") / "ws"))


def _by(df: pd.DataFrame, key: str) -> dict:
    return {row[key]: row for row in df.to_dict("records")}


def test_summary_by_model_uses_current_version_and_skips_failures(ws):
    rows = _by(ex.summary(ws, "model", ["rouge1_f"]), "model")
    assert set(rows) == {"A", "B", "C"}
    assert rows["A"]["n"] == 3 and rows["A"]["mean"] == pytest.approx(0.3)  # not 0.9 (old version)
    assert rows["A"]["sd"] == pytest.approx(0.1)
    assert rows["B"]["mean"] == pytest.approx(0.7) and rows["B"]["sd"] == pytest.approx(math.sqrt(0.02))
    assert rows["C"]["n"] == 1 and rows["C"]["mean"] == pytest.approx(0.5)  # g7 failed: left out
    assert rows["A"]["median"] == pytest.approx(0.3) and rows["A"]["max"] == pytest.approx(0.4)


def test_summary_by_strategy_all_metrics(ws):
    df = ex.summary(ws, "strategy")
    s1 = df[(df.strategy == "s1") & (df.name == "bleu")].iloc[0]
    assert s1["n"] == 4 and s1["mean"] == pytest.approx((0.1 + 0.5 + 0.2 + 0.1) / 4)
    assert set(df.name) == {"rouge1_f", "bleu", "faithfulness_unsupported"}


def test_filters(ws):
    only_demo = ex.summary(ws, "model", ["rouge1_f"], ex.Filters(sources=["demo"]))
    assert _by(only_demo, "model")["A"]["mean"] == pytest.approx(0.3)  # g1, g2
    assert _by(only_demo, "model")["A"]["n"] == 2
    day2 = ex.long_view(ws, ex.Filters(since=date(2026, 1, 11)), ["rouge1_f"])
    assert list(day2.generation_id) == ["g6"]
    day1 = ex.long_view(ws, ex.Filters(until=date(2026, 1, 10)), ["rouge1_f"])
    assert sorted(day1.generation_id) == ["g1", "g2", "g3", "g4", "g5"]
    hot = ex.long_view(ws, ex.Filters(temperatures=[0.7], backends=["openai"]), ["bleu"])
    assert list(hot.generation_id) == ["g4"]
    mixed = ex.long_view(ws, ex.Filters(models=["A", "C"], strategies=["s1"], decodings=["greedy"],
                                        record_ids=["r1", "r3"]), ["bleu"])
    assert sorted(mixed.generation_id) == ["g1", "g5"]


def test_wide_view_and_long_view(ws):
    wide = ex.wide_view(ws, names=["rouge1_f", "bleu"]).set_index("generation_id")
    assert list(wide.index) == ["g1", "g2", "g3", "g4", "g5", "g6"]
    assert wide.loc["g1", "rouge1_f"] == pytest.approx(0.2) and wide.loc["g4", "bleu"] == pytest.approx(0.9)
    long = ex.long_view(ws)
    assert len(long) == 6 * 2 + 1  # + g1's faithfulness value
    assert len(ex.long_view(ws, limit=3)) == 3


def test_temperature_table_and_matrix(ws):
    table = ex.temperature_table(ws, ["rouge1_f", "bleu"]).set_index("temperature")
    assert table.loc[0.0, "rouge1_f"] == pytest.approx((0.2 + 0.6 + 0.5 + 0.3) / 4)
    assert table.loc[0.7, "bleu"] == pytest.approx((0.3 + 0.9) / 2)
    m = ex.matrix(ws, "rouge1_f")
    assert m.loc["A", "s1"] == pytest.approx(0.25) and m.loc["B", "s2"] == pytest.approx(0.8)
    assert math.isnan(m.loc["C", "s2"])  # only the failed g7 there


def test_time_by_model(ws):
    rows = _by(ex.time_by(ws, "model"), "model")
    assert rows["A"]["mean_s"] == pytest.approx(5 / 3) and rows["A"]["sd_s"] == pytest.approx(math.sqrt(4 / 3))
    assert rows["B"]["mean_s"] == pytest.approx(3.0) and rows["B"]["sd_s"] == pytest.approx(math.sqrt(2))
    assert rows["C"]["n"] == 1 and rows["C"]["mean_s"] == pytest.approx(5.0)


def test_pareto_front(ws):
    rows = _by(ex.pareto(ws, "rouge1_f", by=["model"]), "model")
    assert rows["A"]["on_front"] and rows["B"]["on_front"]
    assert not rows["C"]["on_front"]  # slower and worse than B
    worse_is_better = _by(ex.pareto(ws, "rouge1_f", by=["model"], higher_is_better=False), "model")
    assert [m for m, r in worse_is_better.items() if r["on_front"]] == ["A"]
    assert ex.pareto_front([1, 2, 3, 2], [1, 3, 2, 3]) == [True, True, False, True]


def test_histogram(ws):
    h = ex.histogram(ws, "rouge1_f", bins=5)  # edges 0.2 0.32 0.44 0.56 0.68 0.8
    assert list(h["bin"]) == [0, 1, 2, 3, 4]
    assert list(h["count"]) == [2, 1, 1, 1, 1]  # the maximum falls in the last bin
    assert h["bin_start"].iloc[0] == pytest.approx(0.2) and h["bin_end"].iloc[-1] == pytest.approx(0.8)
    by = ex.histogram(ws, "rouge1_f", bins=2, by="model")
    assert by.groupby("model")["count"].sum().to_dict() == {"A": 3, "B": 2, "C": 1}
    with pytest.raises(InputError):
        ex.histogram(ws, "rouge1_f", bins=0)


def test_metric_correlation(ws):
    corr = ex.correlation(ws, ["rouge1_f", "bleu"], method="pearson")
    r = [0.2, 0.4, 0.6, 0.8, 0.5, 0.3]
    b = [0.1, 0.3, 0.5, 0.9, 0.2, 0.1]
    mr, mb = sum(r) / 6, sum(b) / 6
    cov = sum((x - mr) * (y - mb) for x, y in zip(r, b, strict=True))
    expected = cov / math.sqrt(sum((x - mr) ** 2 for x in r) * sum((y - mb) ** 2 for y in b))
    assert corr.loc["rouge1_f", "bleu"] == pytest.approx(expected)
    assert corr.loc["bleu", "bleu"] == pytest.approx(1.0)
    with pytest.raises(InputError):
        ex.correlation(ws, method="magic")


def test_rating_correlation(ws):
    df = ex.rating_correlation(ws)
    rows = {(r["name"], r["criterion"]): r for r in df.to_dict("records")}
    assert rows[("rouge1_f", "accuracy")]["spearman"] == pytest.approx(1.0)
    assert rows[("bleu", "accuracy")]["spearman"] == pytest.approx(-1.0)
    assert rows[("rouge1_f", "accuracy")]["n"] == 4
    assert math.isnan(rows[("rouge1_f", "clarity")]["spearman"])  # constant ratings
    rated = ex.ratings(ws)
    acc = rated[(rated.item_id == "ref-r1") & (rated.criterion == "accuracy")].iloc[0]
    assert acc["rating"] == pytest.approx(1.5) and acc["n_annotators"] == 2


def test_empty_workspace_views(tmp_path):
    s = Store.open(tmp_path / "empty")
    assert not ex.has_scores(s)
    assert ex.summary(s, "model").empty
    assert ex.wide_view(s).empty
    assert ex.correlation(s).empty
    assert ex.rating_correlation(s).empty
    assert ex.temperature_table(s).empty and ex.matrix(s, "x").empty
    assert ex.histogram(s, "rouge1_f").empty


def test_bad_dimension(ws):
    with pytest.raises(InputError, match="group by"):
        ex.summary(ws, "text; DROP TABLE metrics")


def test_filter_options_and_names(ws):
    opts = ex.filter_options(ws)
    assert opts["model"] == ["A", "B", "C"] and opts["temperature"] == [0.0, 0.7]
    assert opts["source"] == ["demo", "other"]
    names = ex.metric_names(ws)
    assert set(names.name) == {"rouge1_f", "bleu", "faithfulness_unsupported"}
    assert ex.has_scores(ws)


def test_direction():
    assert ex.direction("rouge1_f") == 1
    assert ex.direction("repetition_3gram") == -1


def test_cube_follows_new_scores_and_new_versions(tmp_path):
    s = build(Store.open(tmp_path / "fresh"), with_ratings=False)
    assert _by(ex.summary(s, "model", ["bleu"]), "model")["C"]["mean"] == pytest.approx(0.2)
    first = ex.cube(s)
    assert ex.cube(s) is first  # nothing changed: no rebuild
    s.execute(
        "INSERT INTO metrics (target_kind, target_id, reference_id, metric, name, metric_version,"
        " value, computed_at) VALUES ('generation', 'g5', 'ref-r3', 'bleu', 'bleu', '3', 0.7,"
        " TIMESTAMP '2026-03-01')"
    )
    assert _by(ex.summary(s, "model", ["bleu"]), "model")["C"]["mean"] == pytest.approx(0.7)
    s.execute("INSERT INTO metrics (target_kind, target_id, metric, name, metric_version, value)"
              " VALUES ('generation', 'g5', 'new', 'brand_new', '1', 0.5)")
    assert "brand_new" in set(ex.metric_names(s).name)
    s.scalar("SELECT count(*) FROM records")  # a read changes nothing
    assert ex.cube(s).key == ex.cube(s).key


def test_score_now_says_what_is_missing(tmp_path, monkeypatch):
    from clinsum.errors import ConfigError
    from clinsum.explorer import scoring_link

    assert scoring_link.scoring_job_kind() == "score"
    monkeypatch.setattr(scoring_link, "SCORE_JOB_KINDS", ("no-such-kind",))
    with pytest.raises(ConfigError, match="scoring engine"):
        scoring_link.start_scoring(Store.open(tmp_path / "ws"))


def test_filters_as_cli_args():
    f = ex.Filters(models=["qwen 1.5b"], temperatures=[0.7], since=date(2026, 1, 2))
    assert f.cli_args() == "--model 'qwen 1.5b' --temperature 0.7 --since 2026-01-02"
    assert ex.Filters().cli_args() == ""
