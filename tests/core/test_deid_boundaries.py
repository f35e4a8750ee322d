"""Spanish de-identification fixes found by error analysis on MEDDOCAN dev: spans cut at the next
entity's head word, loose ends, and the gap fillers for origin, sex, ages and listed places."""

from __future__ import annotations

import pytest

from clinsum.deid.boundaries import cut_at_heads, tidy_ends
from clinsum.deid.pipeline import find_phi
from clinsum.deid.spans import Span


def _model(text: str, surface: str, kind: str) -> Span:
    start = text.index(surface)
    return Span(start, start + len(surface), kind, surface, "model")


@pytest.mark.parametrize("surface, kind, pieces", [
    ("Universidad de Málaga Boulevard Louis", "INSTITUCION", [("Universidad de Málaga", "INSTITUCION"),
                                                              ("Boulevard Louis", "CALLE")]),
    ("Hospital Morales Meseguer 2ª planta", "HOSPITAL", [("Hospital Morales Meseguer", "HOSPITAL")]),
    ("Hospital Dr. Luis Sánchez Asociación para Evitar la Ceguera", "HOSPITAL",
     [("Hospital Dr. Luis Sánchez", "HOSPITAL"), ("Asociación para Evitar la Ceguera", "INSTITUCION")]),
    ("Maria Subirana Domènech Institut de Medicina Legal", "NOMBRE_PERSONAL_SANITARIO",
     [("Maria Subirana Domènech", "NOMBRE_PERSONAL_SANITARIO"), ("Institut de Medicina Legal", "INSTITUCION")]),
])
def test_a_span_ends_where_another_entity_starts(surface: str, kind: str, pieces: list) -> None:
    text = f"Remitido por: {surface}, 32."
    assert [(s.text, s.type) for s in cut_at_heads([_model(text, surface, kind)])] == pieces


@pytest.mark.parametrize("surface, kind", [
    ("Complejo Hospitalario Hospital General de Segovia", "HOSPITAL"),
    ("Fundación Hospital de Calahorra", "HOSPITAL"),
    ("Plaza del Hospital Civil, s/n", "CALLE"),
    ("C/ Calle Espíritu Santo, 4", "CALLE"),
    ("Ofiplaza El Retiro Edificio No.7, Suite 737", "CALLE"),
    ("Hospital Universitario Fundación Santafé", "HOSPITAL"),
])
def test_names_that_hold_a_head_word_stay_whole(surface: str, kind: str) -> None:
    text = f"Remitido por: {surface}."
    assert [s.text for s in cut_at_heads([_model(text, surface, kind)])] == [surface]


def test_loose_ends_are_tidied() -> None:
    text = "Hospital General de Ciudad Real, Ciudad Real. Avda. Purísima 6, 1o A C.P. 45006. C/ Sta Mª 2 3ºC; 41008"
    spans = [_model(text, "Hospital General de", "HOSPITAL"), _model(text, "Ciudad Real", "TERRITORIO"),
             _model(text, "Avda. Purísima 6, 1o A C", "CALLE"), _model(text, "C/ Sta Mª 2 3ºC;", "CALLE")]
    assert [(s.text, s.type) for s in tidy_ends(text, spans)] == [
        ("Hospital General de Ciudad Real", "HOSPITAL"), ("Avda. Purísima 6, 1o A", "CALLE"),
        ("C/ Sta Mª 2 3ºC", "CALLE")]


@pytest.mark.parametrize("text, surface, kind", [
    ("Informe clínico: Mujer ecuatoriana de 65 años, sin antecedentes.", "ecuatoriana", "ID_SUJETO_ASISTENCIA"),
    ("Se trata de una paciente de raza negra de 22 años.", "raza negra", "ID_SUJETO_ASISTENCIA"),
    ("Paciente de 76 años de sexo femenino, que consulta.", "femenino", "SEXO_SUJETO_ASISTENCIA"),
    ("Los días previos la niña había presentado fiebre.", "niña", "SEXO_SUJETO_ASISTENCIA"),
    ("Tratamiento con GH hasta los 17 años. A los 31 años consultó por dolor.", "31 años", "EDAD_SUJETO_ASISTENCIA"),
    ("Su hermana mayor no es portadora de la mutación.", "hermana mayor", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Se colocó un implante (McGhan® Medical Corporation, Santa Bárbara, California, EE.UU.) sin incidencias.",
     "California", "TERRITORIO"),
])
def test_spanish_gap_fillers(text: str, surface: str, kind: str) -> None:
    found = {s.text: s.type for s in find_phi(text, language="es")}
    assert found.get(surface) == kind, found


@pytest.mark.parametrize("text, surface", [
    ("Tinción con tinta china y Gram.", "china"),
    ("Un viaje al Caribe mexicano.", "mexicano"),
    ("A los 2 años del trasplante se mantiene estable.", "2 años"),
    ("Fiebre de 38 °C. A la exploración, dolor.", "C. A"),
    ("A los 17 años ingresó en Hospital de Día durante 2 meses.", "Hospital de Día"),
])
def test_what_the_gap_fillers_leave(text: str, surface: str) -> None:
    assert surface not in {s.text for s in find_phi(text, language="es")}
