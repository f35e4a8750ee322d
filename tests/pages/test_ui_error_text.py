"""Library errors reach the page in its language: the key's string and its ``.hint``."""

from __future__ import annotations

from pathlib import Path

import duckdb

from clinsum import ui
from clinsum.experiments import GridIncomplete
from clinsum.store.health import damage_error


def test_damaged_workspace_is_explained_in_spanish_with_its_hint(monkeypatch) -> None:
    monkeypatch.setenv("CLINSUM_LANG", "es")
    exc = damage_error(duckdb.SerializationException("not a valid DuckDB database file"), Path("/ws/clinsum.duckdb"))
    message, hint = ui.error_text(exc)
    assert message == "La base de datos del espacio de trabajo /ws/clinsum.duckdb está dañada o no es de clinsum."
    assert hint and hint.startswith("Restaure clinsum.duckdb desde una copia de seguridad")


def test_incomplete_grid_counts_in_both_languages(monkeypatch) -> None:
    exc = GridIncomplete("3 of 8 cells are not stored.", hint="Resume the grid.", missing=3, total=8)
    monkeypatch.setenv("CLINSUM_LANG", "es")
    assert ui.error_text(exc)[0] == "3 de 8 celdas no están guardadas."
    monkeypatch.setenv("CLINSUM_LANG", "en")
    assert ui.error_text(exc) == ("3 of 8 cells are not stored.", "Resume the grid.")
