"""Library helpers the summarize and grids pages call instead of doing the work themselves."""

from __future__ import annotations

from clinsum.experiments import grid_filename
from clinsum.generation import ensure_record, record_from_text, stored_record_id


def test_grid_filename_keeps_safe_characters_and_falls_back_to_grid() -> None:
    assert grid_filename("temps v2.1") == "temps_v2.1.toml"
    assert grid_filename("¿¡//") == "grid.toml"
    assert grid_filename("ñandú-ok") == "ñandú-ok.toml"


def test_stored_record_id_is_none_until_the_text_is_imported(store) -> None:
    record = record_from_text("Paciente de 70 años con disnea.\n\nPlan: control en una semana.")
    assert stored_record_id(store, record) is None
    record_id = ensure_record(store, record)
    assert stored_record_id(store, record) == record_id
    assert ensure_record(store, record) == record_id
