"""generation.py and the CLI: decoding options, saving rows, summarize/run/strategies commands."""

from __future__ import annotations

import json

from clinsum.cli import main
from clinsum.generation import (
    decoding_options,
    ensure_record,
    record_from_text,
    save_generation,
    summarize,
)
from clinsum.store import Store, from_json
from tests.fakes.llm_server import LLMServer


def test_decoding_options_map_to_backend_settings():
    assert decoding_options("greedy").decoding == "greedy"
    assert decoding_options("beam", num_beams=4).num_beams == 4
    assert decoding_options("top_k", 0.9, top_k=50).decoding == "top_k"
    assert decoding_options("top_p", 1.2, top_p=0.9).top_p == 0.9


def test_saved_generation_keeps_prompts_timings_and_options(store: Store):
    with LLMServer() as server:
        record = record_from_text("Motivo de ingreso: fiebre.\nEvolución: afebril al alta.")
        options = decoding_options("sample", 0.8, seed=4)
        result = summarize(store, record, "ollama", "phi4:latest", "refine", options,
                           backend_config={"host": server.ollama_host})
    record_id = ensure_record(store, record)
    assert ensure_record(store, record) == record_id  # imported once
    gen_id = save_generation(store, record_id, result, options=options)
    row = store.fetch_one("SELECT * FROM generations WHERE id = ?", [gen_id])
    assert row["strategy"] == "refine" and row["temperature"] == 0.8 and row["decoding"] == "sample"
    assert [p["stage"] for p in from_json(row["prompts"])] == ["draft", "critique", "revise"]
    assert set(from_json(row["timings"])) == {"draft", "critique", "revise", "total"}
    assert from_json(row["params"])["options"]["seed"] == 4 and row["text"] == result.text


def test_cli_summarize_file_run_grid_and_strategies(tmp_path, capsys):
    ws = str(tmp_path / "ws")
    assert main(["-w", ws, "demo"]) == 0
    note = tmp_path / "nota.txt"
    note.write_text("Motivo de ingreso: síncope.\nJuicio clínico: síncope vasovagal.", encoding="utf-8")
    with LLMServer() as server:
        capsys.readouterr()
        code = main(["-w", ws, "summarize", "--file", str(note), "--backend", "ollama", "--model",
                     "phi4:latest", "--host", server.ollama_host, "--json", "--save"])
        assert code == 0
        out = json.loads(capsys.readouterr().out)
        assert out["strategy"] == "template" and out["text"].startswith("Resumen:")
        grid = tmp_path / "GRID.toml"
        grid.write_text(f'records = ["es01_cardiologia_icc"]\nstrategies = ["template", "refine"]\n'
                        f'temperatures = [0.2, 0.8]\n[[models]]\nbackend = "ollama"\n'
                        f'model = "phi4:latest"\nhost = "{server.ollama_host}"\n', encoding="utf-8")
        assert main(["-w", ws, "run", str(grid)]) == 0
        assert len(server.calls) == 1 + 2 * 1 + 2 * 3
    assert Store(ws).scalar("SELECT count(*) FROM generations WHERE grid_id IS NOT NULL") == 4
    assert main(["-w", ws, "summarize", "nope"]) == 4
    assert main(["-w", ws, "strategies", "show", "by_parts", "--language", "en"]) == 0
    assert "[merge]" in capsys.readouterr().out
