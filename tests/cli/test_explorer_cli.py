"""``clinsum explore`` and ``clinsum sql``: the page's numbers from the command line."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from clinsum import explorer as ex
from clinsum.cli import main
from clinsum.store import Store
from tests.fakes.explorer_data import build


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli-explore") / "ws"
    build(Store.open(path))
    return path


def run(ws: Path, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["-w", str(ws), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_summary_csv_matches_the_library(ws, capsys):
    code, out, _ = run(ws, capsys, "explore", "summary", "--by", "model", "--metric", "rouge1_f",
                       "--format", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert df.set_index("model").loc["A", "mean"] == pytest.approx(0.3)
    expected = ex.summary(Store(ws), "model", ["rouge1_f"])
    assert list(df.columns) == list(expected.columns)


def test_summary_table_and_filters(ws, capsys):
    code, out, _ = run(ws, capsys, "explore", "--by", "strategy", "--metric", "bleu", "--model", "B")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["strategy", "name", "n"]
    assert any(line.split()[0] == "s2" and "0.9000" in line for line in lines[1:])
    code, out, _ = run(ws, capsys, "explore", "summary", "--source", "other", "--format", "csv")
    assert set(pd.read_csv(io.StringIO(out))["model"]) == {"A"}


@pytest.mark.parametrize("view", ["temperature", "time", "correlation", "ratings", "wide", "long", "names"])
def test_every_view_prints(ws, capsys, view):
    code, out, _ = run(ws, capsys, "explore", view, "--format", "csv")
    assert code == 0 and len(pd.read_csv(io.StringIO(out))) >= 1


def test_views_needing_a_metric(ws, capsys):
    for view in ("matrix", "pareto", "histogram"):
        code, _, err = run(ws, capsys, "explore", view)
        assert code == 3 and "--metric" in err
        code, out, _ = run(ws, capsys, "explore", view, "--metric", "rouge1_f", "--format", "csv")
        assert code == 0 and len(pd.read_csv(io.StringIO(out))) >= 1
    code, out, _ = run(ws, capsys, "explore", "pareto", "--metric", "rouge1_f", "--by", "model", "--format", "csv")
    front = pd.read_csv(io.StringIO(out)).set_index("model")["on_front"].to_dict()
    assert front == {"A": True, "B": True, "C": False}


def test_parquet_export(ws, capsys, tmp_path):
    out_file = tmp_path / "by_model.parquet"
    code, out, _ = run(ws, capsys, "explore", "summary", "--metric", "rouge1_f", "--out", str(out_file))
    assert code == 0 and "wrote 3 row(s)" in out
    pd.testing.assert_frame_equal(pd.read_parquet(out_file), ex.summary(Store(ws), "model", ["rouge1_f"]),
                                  check_dtype=False)
    code, _, err = run(ws, capsys, "explore", "summary", "--format", "parquet")
    assert code == 3 and "--out" in err


def test_sql_command_reads_and_refuses_writes(ws, capsys):
    code, out, _ = run(ws, capsys, "sql", "SELECT count(*) AS n FROM generations", "--format", "csv")
    assert code == 0 and out.splitlines() == ["n", "7"]
    code, _, err = run(ws, capsys, "sql", "DROP TABLE metrics")
    assert code == 3 and "Only reading queries" in err
    assert Store(ws).scalar("SELECT count(*) FROM metrics") > 0
    code, out, err = run(ws, capsys, "sql", "SELECT * FROM range(50)", "--max-rows", "5", "--format", "csv")
    assert code == 0 and len(out.splitlines()) == 6 and "first 5 rows" in err


def test_sql_as_a_real_process(ws):
    proc = subprocess.run([sys.executable, "-m", "clinsum", "-w", str(ws), "sql",
                           "UPDATE metrics SET value = 0"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3 and "error:" in proc.stderr and "hint:" in proc.stderr
