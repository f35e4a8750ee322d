"""``clinsum backends`` / ``clinsum models`` / the doctor line, against the loopback server."""

from __future__ import annotations

import json

from clinsum.cli import main
from tests.fakes.llm_server import free_port_url


def test_backends_lists_each_with_status(llm_server, capsys):
    assert main(["backends", "--host", llm_server.url, "--base-url", llm_server.url, "--json"]) == 0
    rows = {row["name"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert set(rows) >= {"ollama", "openai", "openai-compatible", "transformers", "extractive"}
    assert rows["ollama"]["available"] and "phi4:latest" in rows["ollama"]["detail"]
    assert rows["openai-compatible"]["available"]
    assert rows["extractive"]["available"] and rows["extractive"]["generative"] is False

    down = free_port_url()
    assert main(["backends", "--host", down]) == 0
    out = capsys.readouterr().out
    assert "-- ollama" in out and "not reachable" in out and "ollama pull" in out


def test_models_lists_installed_models(llm_server, capsys):
    assert main(["models", "ollama", "--host", llm_server.url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == sorted(llm_server.models)
    assert main(["models", "openai-compatible", "--base-url", llm_server.url]) == 0
    assert capsys.readouterr().out.split() == sorted(llm_server.models)


def test_models_errors_have_exit_codes(capsys):
    assert main(["models", "ollama", "--host", free_port_url()]) == 5
    err = capsys.readouterr().err
    assert "not reachable" in err and "hint:" in err
    assert main(["models", "no-such-backend"]) == 4


def test_doctor_checks_compatible_server(llm_server, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("OPENAI_BASE_URL", llm_server.openai_base_url)
    monkeypatch.setenv("OLLAMA_HOST", free_port_url())
    assert main(["-w", str(tmp_path / "ws"), "doctor", "--quick", "--json"]) == 0
    checks = {c["name"]: c for c in map(json.loads, capsys.readouterr().out.splitlines())}
    assert checks["openai-compatible"]["ok"] and "phi4:latest" in checks["openai-compatible"]["detail"]
    assert not checks["ollama"]["ok"]


def test_every_backend_is_described_in_both_languages():
    from clinsum.backends import BACKENDS
    from clinsum.ui.i18n import translate

    for name, cls in BACKENDS.items():
        for part, english in (("label", cls.label), ("needs", cls.needs)):
            key = f"backends.{name}.{part}"
            assert translate(key, "en") == english
            assert translate(key, "es") not in (key, english)
