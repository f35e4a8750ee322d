"""The clinsum command: real subprocesses, output and exit codes a script can rely on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def clinsum(ws: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clinsum", "-w", str(ws), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "ws"
    result = clinsum(path, "init")
    assert result.returncode == 0 and "schema v" in result.stdout
    return path


def test_demo_then_list_and_show(ws: Path) -> None:
    result = clinsum(ws, "demo")
    assert result.returncode == 0 and "demo loaded" in result.stdout
    again = clinsum(ws, "demo")
    assert "already has records" in again.stdout
    listed = clinsum(ws, "records", "list", "--json")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(rows) >= 20 and {"id", "title", "language"} <= set(rows[0])
    shown = clinsum(ws, "records", "show", "es12_pediatria_bronquiolitis", "--sections")
    assert shown.returncode == 0 and "## [" in shown.stdout


def test_import_exit_codes(ws: Path, tmp_path: Path) -> None:
    good = tmp_path / "nota.txt"
    good.write_text("Motivo de consulta: tos.\nPlan: control.\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\xff\x00")
    assert clinsum(ws, "import", str(good)).returncode == 0
    mixed = clinsum(ws, "import", str(good), str(bad))
    assert mixed.returncode == 3 and "binary" in mixed.stdout and "1 duplicate" in mixed.stdout
    only_bad = clinsum(ws, "import", str(bad))
    assert only_bad.returncode == 3 and only_bad.stderr.startswith("error:")
    assert "Traceback" not in only_bad.stderr


def test_missing_record_and_usage_errors(ws: Path) -> None:
    missing = clinsum(ws, "records", "show", "nope")
    assert missing.returncode == 4 and "No record 'nope'" in missing.stderr
    assert clinsum(ws).returncode == 2


def test_doctor_reports_each_check(ws: Path) -> None:
    result = clinsum(ws, "doctor", "--quick", "--json")
    checks = {c["name"]: c for c in map(json.loads, result.stdout.splitlines())}
    assert result.returncode == 0
    assert checks["workspace"]["ok"] and checks["embeddings"]["ok"]
    assert {"ollama", "openai"} <= set(checks)


@pytest.mark.parametrize("command", [["records", "list"], ["records", "show", "es12_pediatria_bronquiolitis"],
                                     ["score", "--list"]])
def test_output_to_a_closed_pipe_exits_quietly(ws: Path, tmp_path: Path, command: list[str]) -> None:
    import os

    assert clinsum(ws, "demo").returncode == 0
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already gone
    with open(tmp_path / "stderr.txt", "w") as err:
        done = subprocess.run([sys.executable, "-m", "clinsum", "-w", str(ws), *command],
                              stdout=write_end, stderr=err, timeout=120)
    os.close(write_end)
    stderr = (tmp_path / "stderr.txt").read_text()
    assert stderr == "" and done.returncode in (0, 141)
