"""Spanish de-identification fixes found by error analysis on MEDDOCAN dev: spans cut at the next
entity's head word, loose ends, and the gap fillers for origin, sex, ages and listed places."""

from __future__ import annotations

import pytest

from clinsum.deid.boundaries import cut_at_heads, street_towns, tidy_ends
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
    ("Instituto de Medicina Legal Ciudad de la Justicia", "INSTITUCION",
     [("Instituto de Medicina Legal", "INSTITUCION"), ("Ciudad de la Justicia", "INSTITUCION")]),
])
def test_a_span_ends_where_another_entity_starts(surface: str, kind: str, pieces: list) -> None:
    text = f"Remitido por: {surface}, 32."
    assert [(s.text, s.type) for s in cut_at_heads([_model(text, surface, kind)])] == pieces


@pytest.mark.parametrize("street", ["Pº de la Castellana 261", "Passeig Sant Joan de Déu, 2"])
def test_a_street_word_starts_a_street_inside_a_tagger_span(street: str) -> None:
    text = f"Hospital Sant Joan de Déu {street} 08950 Esplugues."
    span = _model(text, f"Sant Joan de Déu {street}", "CALLE")
    assert (street, "CALLE") in [(s.text, s.type) for s in cut_at_heads([span])]


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
    text = "Frida Kahlo 180-317, San Pedro Garza García CP 66260 Monterrey"
    assert [s.text for s in tidy_ends(text, [_model(text, "San Pedro Garza García CP 66260", "TERRITORIO")])] == [
        "San Pedro Garza García", "66260"]
    text = "Domicilio: Calle Rivadavia 12, 4 izq..\n"
    assert [s.text for s in tidy_ends(text, [_model(text, "Calle Rivadavia 12, 4 izq.", "CALLE")])] == [
        "Calle Rivadavia 12, 4 izq"]


@pytest.mark.parametrize("text, surface, kind", [
    ("Informe clínico: Mujer ecuatoriana de 65 años, sin antecedentes.", "ecuatoriana", "ID_SUJETO_ASISTENCIA"),
    ("Se trata de una paciente de raza negra de 22 años.", "raza negra", "ID_SUJETO_ASISTENCIA"),
    ("Paciente de 76 años de sexo femenino, que consulta.", "femenino", "SEXO_SUJETO_ASISTENCIA"),
    ("Los días previos la niña había presentado fiebre.", "niña", "SEXO_SUJETO_ASISTENCIA"),
    ("Tratamiento con GH hasta los 17 años. A los 31 años consultó por dolor.", "31 años", "EDAD_SUJETO_ASISTENCIA"),
    ("Mujer de 26 años diagnosticada a los 18 años de colitis ulcerosa.", "18 años", "EDAD_SUJETO_ASISTENCIA"),
    ("Su hermana mayor no es portadora de la mutación.", "hermana mayor", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Colonia Narvarte. Código Postal 03020. Teléfono de contacto.", "03020", "TERRITORIO"),
    ("Paciente de cuatro años de edad, nacida en Mali y adoptada a los seis meses.", "Mali", "PAIS"),
    ("Se colocó un implante (McGhan® Medical Corporation, Santa Bárbara, California, EE.UU.) sin incidencias.",
     "California", "TERRITORIO"),
    ("Lentes de contacto (Allergan®, Irvine, California, EE.UU.) bien toleradas.", "Irvine", "TERRITORIO"),
    ("Se operó en 2004. En junio del mismo año presentó una recidiva.", "junio", "FECHAS"),
    ("Presentó dos episodios, entre marzo y abril de 2000, que cedieron.", "marzo y abril de 2000", "FECHAS"),
    ("Ingresó al mes de vida por fiebre.", "mes", "EDAD_SUJETO_ASISTENCIA"),
    ("Al tercer mes de vida se diagnosticó una estenosis.", "tercer mes", "EDAD_SUJETO_ASISTENCIA"),
    ("Se practica la necropsia. Se trata de un niño varón bien nutrido, sin malformaciones.", "varón",
     "SEXO_SUJETO_ASISTENCIA"),
    ("Mujer de 41 años, divorciada, que consulta por cefalea.", "divorciada", "ID_SUJETO_ASISTENCIA"),
    ("El familiar que convivía con ella refiere que lleva dos días así.", "familiar", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Serologías: sífilis, RPR madre e hijo negativos.", "hijo", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Como antecedentes familiares tiene un bisabuelo diabético.", "bisabuelo", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Correspondencia: Miren Arana (m.arana@osakidetza.eus)\nArtekale Kalea, 7, 48005 Bilbao, Bizkaia",
     "Artekale Kalea, 7", "CALLE"),
    ("Servicio de Farmacia. C/ Feixa Llarga, s/n. 08907 L’Hospitalet de Llobregat. e-mail: x@y.es",
     "L’Hospitalet de Llobregat", "TERRITORIO"),
    ("Paciente: Remedios Cifuentes Olmedo, NHC 4471209, DNI 50.123.456-K.", "4471209", "ID_SUJETO_ASISTENCIA"),
    ("Paciente: Remedios Cifuentes Olmedo, NHC 4471209, DNI 50.123.456-K.", "50.123.456-K", "ID_SUJETO_ASISTENCIA"),
    ("Ingresada en la cama 312-B de la planta 3ª.", "312-B", "OTROS_SUJETO_ASISTENCIA"),
    ("Episodio 2023/0045871, alta a domicilio.", "2023/0045871", "ID_CONTACTO_ASISTENCIAL"),
    ("Primer episodio 12/03/2019 de dolor torácico.", "12/03/2019", "FECHAS"),
    ("Marcapasos bicameral, nº serie PZX604512H, sin incidencias.", "PZX604512H", "IDENTIF_DISPOSITIVOS_NRSERIE"),
    ("Trabajó como maestra en el colegio hasta su jubilación.", "maestra", "PROFESION"),
    ("Mujer de 28 años, auxiliar de enfermería, que acude a Urgencias.", "auxiliar de enfermería", "PROFESION"),
    ("Pº de la Castellana 261 28046 Madrid Tlf. 917277336 - 606409021 E-mail: x@y.es", "606409021",
     "NUMERO_TELEFONO"),
    ("Desde su matrimonio se dedicaba a las tareas del hogar.", "tareas del hogar", "PROFESION"),
    ("Diversos empleos temporales como azafata, dependienta, etc.", "azafata", "PROFESION"),
    ("Vive sola en Alcalá de Henares (28801) desde hace años.", "28801", "TERRITORIO"),
    ("Vive con su hija Maite desde la caída.", "Maite", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Paciente de ochenta y dos años, natural de Lugo.", "ochenta y dos años", "EDAD_SUJETO_ASISTENCIA"),
    ("Nombre: PÉREZ GARCÍA, MARÍA LUISA     NHC: 1234567", "MARÍA LUISA", "NOMBRE_SUJETO_ASISTENCIA"),
    ("Nombre: PÉREZ GARCÍA, MARÍA LUISA     NHC: 1234567", "PÉREZ GARCÍA", "NOMBRE_SUJETO_ASISTENCIA"),
    ("Nombre: Ana Ruiz     Nº SS: 47/12345678/21", "47/12345678/21", "ID_ASEGURAMIENTO"),
    ("Médico responsable: Dr. J. L. Fernández (Col. 474712345)", "474712345", "ID_TITULACION_PERSONAL_SANITARIO"),
    ("Intervenida en el H. Clínico de Valladolid en 2015.", "H. Clínico de Valladolid", "HOSPITAL"),
    ("Vive en Laguna de Duero con su esposo.", "Laguna de Duero", "TERRITORIO"),
    ("Se explica a Dña. Rosario Blanco la evolución.", "Rosario Blanco", "NOMBRE_SUJETO_ASISTENCIA"),
    ("Contacto: familia (hermano Iñaki, 688 12 34 56; cuñada Begoña).", "Iñaki", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Contacto: familia (hermano Iñaki, 688 12 34 56; cuñada Begoña).", "Begoña", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Valorada por el equipo del CS Delicias el pasado 3/4.", "CS Delicias", "CENTRO_SALUD"),
    ("Valorada por el equipo del CS Delicias el pasado 3/4.", "3/4", "FECHAS"),
    ("El Sr. Tomás Aguirre acude a consulta acompañado de su mujer.", "Tomás Aguirre", "NOMBRE_SUJETO_ASISTENCIA"),
    ("El Sr. Tomás Aguirre acude a consulta acompañado de su mujer.", "mujer", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("APELLIDOS: GARCÍA LÓPEZ   NOMBRE: JUAN", "GARCÍA LÓPEZ", "NOMBRE_SUJETO_ASISTENCIA"),
    ("PACIENTE: JUAN PÉREZ GÓMEZ            EDAD: 67 AÑOS          Nº HISTORIA: 4455667", "JUAN PÉREZ GÓMEZ",
     "NOMBRE_SUJETO_ASISTENCIA"),
    ("PACIENTE: JUAN PÉREZ GÓMEZ            EDAD: 67 AÑOS          Nº HISTORIA: 4455667", "4455667",
     "ID_SUJETO_ASISTENCIA"),
    ("Paciente varón con EPOC. Lo acompaña su esposa CARMEN.", "CARMEN", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("La paciente trabaja en Mercadona de cajera y vive sola.", "Mercadona", "INSTITUCION"),
    ("El 1º de mayo presentó fiebre.", "1º de mayo", "FECHAS"),
    ("Se avisa a su ex mujer, Rosa María Pinto (teléfono 600 111 222).", "Rosa María Pinto",
     "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Divorciado, dos hijas (Andrea y Lucía).", "Lucía", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Fue encontrado por un vecino, D. Faustino Gil, en la calle.", "Faustino Gil", "NOMBRE_SUJETO_ASISTENCIA"),
    ("Acompañante: Marisa Llorente (hija). Persona de contacto: Julián Ortega, 655 43 21 09.", "Marisa Llorente",
     "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Acompañante: Marisa Llorente (hija). Persona de contacto: Julián Ortega, 655 43 21 09.", "Julián Ortega",
     "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Alergias: no conocidas. Cuidador principal: su nuera, Esther.", "Esther", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Viene con Marisa Llorente (hija) y refiere dolor.", "Marisa Llorente", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Refiere que su mujer, la Sra. Amparo, le administra la medicación.", "Amparo", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Madre de 31 años, G2P1A0. Padre, Luis, de 35 años, camionero.", "Luis", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Madre de 31 años, G2P1A0. Padre, Luis, de 35 años, camionero.", "35 años", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Lactante de 7 meses que acude con sus abuelos maternos, Rafael y Encarna, desde Mérida.",
     "abuelos maternos, Rafael y Encarna", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Localidad/ Provincia: Dos Hermanas, Sevilla.", "Sevilla", "TERRITORIO"),
    ("Se contacta con su MAP, la Dra. Esperanza Gómez del C.S. Torrero La Paz.", "Esperanza Gómez",
     "NOMBRE_PERSONAL_SANITARIO"),
    ("Pacient: Jordi Puigdemont i Casals. Adreça: Carrer de Mallorca, 401, 2n 1a, 08013 Barcelona.",
     "Jordi Puigdemont i Casals", "NOMBRE_SUJETO_ASISTENCIA"),
    ("Seguro: Sanitas, póliza 7788990011. Mutua: MUFACE nº 28/1234567.", "7788990011", "ID_ASEGURAMIENTO"),
    ("Seguro: Sanitas, póliza 7788990011. Mutua: MUFACE nº 28/1234567.", "28/1234567", "ID_ASEGURAMIENTO"),
    ("Pendiente de valoración por el psiquiatra de guardia, Dr. Hernán Cortés Ruiz, y por Trabajo Social.",
     "Hernán Cortés Ruiz", "NOMBRE_PERSONAL_SANITARIO"),
    ("Médico de familia con código CIAS 0802340011A.", "0802340011A", "ID_EMPLEO_PERSONAL_SANITARIO"),
    ("La paciente trabaja en Mercadona de cajera y vive sola.", "cajera", "PROFESION"),
    ("Su hijo estudia en el IES Ramiro de Maeztu desde septiembre.", "IES Ramiro de Maeztu", "INSTITUCION"),
    ("PACIENTE: MARTÍNEZ SOTO, ANA BELÉN (NHC 334455)", "ANA BELÉN", "NOMBRE_SUJETO_ASISTENCIA"),
    ("Se habló con los padres Teresa y Juan Carlos para tranquilizarles.", "padres Teresa y Juan Carlos",
     "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Antecedentes familiares: hijo de una prima hermana de su pareja con síndrome de Down.",
     "hijo de una prima hermana de su pareja", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Primo de rama paterna con esquizofrenia.", "Primo de rama paterna", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Datos: NUSS 15 1234567890, historia 445566.", "15 1234567890", "ID_ASEGURAMIENTO"),
    ("Datos: NUSS 15 1234567890, historia 445566.", "445566", "ID_SUJETO_ASISTENCIA"),
    ("Nº Hª: 00234561. Ingresa por disnea.", "00234561", "ID_SUJETO_ASISTENCIA"),
    ("Código de identificación: ZBGO480412.", "ZBGO480412", "ID_ASEGURAMIENTO"),
])
def test_spanish_gap_fillers(text: str, surface: str, kind: str) -> None:
    found = {s.text: s.type for s in find_phi(text, language="es")}
    assert found.get(surface) == kind, found


@pytest.mark.parametrize("text, surface", [
    ("Tinción con tinta china y Gram.", "china"),
    ("Un viaje al Caribe mexicano.", "mexicano"),
    ("A los 2 años del trasplante se mantiene estable.", "2 años"),
    ("A los 3 años de seguimiento no hay recidiva.", "3 años"),
    ("A los 6 meses de iniciado el tratamiento mejoró.", "6 meses"),
    ("Mujer de 40 años con infección por VIH conocida desde hace 22 años, en tratamiento.", "22 años"),
    ("Es una mujer de 30 años de edad. Ocho años atrás tuvo su primera hija.", "Ocho años"),
    ("Fiebre de 38 °C. A la exploración, dolor.", "C. A"),
    ("A los 17 años ingresó en Hospital de Día durante 2 meses.", "Hospital de Día"),
    ("Se infundieron células madre de sangre periférica.", "madre"),
    ("La solución madre se diluyó al 1%.", "madre"),
    ("Lesiones quísticas con vesículas hijas en su interior.", "hijas"),
    ("Trabajó como maestra en el colegio hasta su jubilación.", "maestra en el"),
    ("Gastritis por H. Pylori tratada.", "H. Pylori"),
    ("Lactante de 5 meses, la primera hija de padres jóvenes y sanos.", "hija de padres"),
    ("Niega antecedentes de hepatitis B o C. Medicado con verapamilo.", "C. Medicado"),
    ("Frecuencia cardiaca 96 lpm, temperatura 36,3o C. Consciente y orientada.", "C. Consciente"),
    ("PACIENTE: MARTÍNEZ SOTO, ANA BELÉN (NHC 334455)", "NHC"),
    ("Fdo.: Dr. Alberto Quiroga Ledesma, Médico Adjunto. Colegiado nº 282812345.", "Médico Adjunto"),
    ("DOCUMENTO SINTÉTICO DE DEMOSTRACIÓN - TODOS LOS DATOS SON FICTICIOS\n\nServicio de Neumología",
     "SINTÉTICO DE DEMOSTRACIÓN - TODOS LOS DATOS SON FICTICIOS"),
    ("Fdo.: Dr. Alberto Quiroga Ledesma, Médico Adjunto. Colegiado nº 282812345.", "Colegiado nº"),
    ("Serologías: niño IgG 59,3 UI/ml, madre IgG 113.", "IgG"),
    ("Responde en 3/4 de los casos tratados.", "3/4"),
    ("El Sr. Tomás Aguirre acude a consulta acompañado de su mujer.", "consulta acompañado de su"),
])
def test_what_the_gap_fillers_leave(text: str, surface: str) -> None:
    assert surface not in {s.text for s in find_phi(text, language="es")}


def test_an_acronym_after_an_institution_takes_its_type_everywhere() -> None:
    text = "Ingresa en el Complejo Hospitalario Universitario de Vigo (CHUVI) por dolor.\nSe deriva al CHUVI de nuevo."
    found = find_phi(text, language="es")
    org = next(s for s in found if s.text.startswith("Complejo"))
    assert [(s.start, s.type) for s in found if s.text == "CHUVI"] == [(text.index("CHUVI"), org.type),
                                                                       (text.rindex("CHUVI"), org.type)]


def test_a_relatives_age_is_the_relatives() -> None:
    text = "Lactante de 5 meses, hija de padres jóvenes (madre de 28 años y padre sano)."
    found = {s.text: s.type for s in find_phi(text, language="es")}
    assert found.get("28 años") == "FAMILIARES_SUJETO_ASISTENCIA", found
    assert found.get("5 meses") == "EDAD_SUJETO_ASISTENCIA", found
    from clinsum.deid.relatives import repair_ages

    text = "Desarrollo adecuado hasta los dos meses de edad, cuando comenzó con fiebre."
    start = text.index("dos meses")
    misread = Span(start, start + 9, "FAMILIARES_SUJETO_ASISTENCIA", "dos meses", "model")
    assert repair_ages(text, [misread])[0].type == "EDAD_SUJETO_ASISTENCIA"
    text = "Vive con su madre Carmen y su hermano Juan de 2 años de edad."
    start = text.index("2 años")
    patient_read = Span(start, start + 6, "EDAD_SUJETO_ASISTENCIA", "2 años", "model")
    assert repair_ages(text, [patient_read])[0].type == "FAMILIARES_SUJETO_ASISTENCIA"
    # "a los N años" in a sentence about a relative is the relative's age at an event
    for text in ("Padre fallecido a los 65 años de edad por un infarto.",
                 "Antecedentes familiares directos (madre fallecida de neoplasia de tiroides a los 49 años)."):
        age = next(s for s in find_phi(text, language="es") if s.text[:2].isdigit())
        assert age.type == "FAMILIARES_SUJETO_ASISTENCIA", age
    text = "Antecedentes sin interés. A los 3 años de edad presentó una otitis."
    start = text.index("3 años")
    own = Span(start, start + 6, "EDAD_SUJETO_ASISTENCIA", "3 años", "model")
    assert repair_ages(text, [own]) == [own]
    text = "Su hermano Juan, de siete meses de edad, sano."
    start = text.index("siete meses")
    relative = Span(start, start + 11, "FAMILIARES_SUJETO_ASISTENCIA", "siete meses", "model")
    assert repair_ages(text, [relative]) == [relative]


@pytest.mark.parametrize("line, places", [
    ("Localidad/ Provincia: Cdad. Real.", [("Cdad. Real", "TERRITORIO")]),
    ("Localidad/ Provincia: Monterrey. Nvo León.", [("Monterrey", "TERRITORIO"), ("Nvo León", "TERRITORIO")]),
    ("Localidad/ Provincia: Santiago de Compostela, A Coruña.",
     [("Santiago de Compostela", "TERRITORIO"), ("A Coruña", "TERRITORIO")]),
    ("Localidad/ Provincia: Puerto de Santa María (Cádiz)", [("Puerto de Santa María", "TERRITORIO"),
                                                             ("Cádiz", "TERRITORIO")]),
    ("Localidad/ Provincia: Santiago, Chile.", [("Santiago", "TERRITORIO"), ("Chile", "PAIS")]),
])
def test_a_place_field_gives_each_place(line: str, places: list) -> None:
    text = f"Domicilio: Calle Mayor 3.\n{line}\nCP: 13004.\n"
    found = [(s.text, s.type) for s in find_phi(text, language="es") if s.start >= text.index("Localidad")
             and s.end <= text.index("\nCP")]
    assert found == places


def test_a_tagger_span_ends_at_a_parenthesis() -> None:
    from clinsum.deid.pipeline import fix_tagger_spans

    text = "la primera hija de padres jóvenes (madre de 28 años y padre sano)"
    spans = fix_tagger_spans(text, [_model(text, "padres jóvenes (madre", "FAMILIARES_SUJETO_ASISTENCIA")])
    assert [s.text for s in spans] == ["padres jóvenes", "madre"]
    assert all(text[s.start:s.end] == s.text for s in spans)


def test_a_letterhead_line_in_capitals_is_one_hospital() -> None:
    text = "FICTIONAL MERIDIAN VALLEY GENERAL HOSPITAL\nPuérpera de 34 años."
    found = [(s.text, s.type) for s in find_phi(text, language="es")]
    assert ("FICTIONAL MERIDIAN VALLEY GENERAL HOSPITAL", "HOSPITAL") in found


@pytest.mark.parametrize("text, surface", [
    ("Antecedentes familiares (2 sobrinos diagnosticados de síndrome de Alport).", "2 sobrinos"),
    ("Se trataba de la menor de cuatro hermanos, con una gran diferencia de edad.", "cuatro hermanos"),
    ("Tiene cinco hermanos varones fallecidos antes del año de vida.", "cinco hermanos varones"),
])
def test_a_counted_relative_keeps_its_count(text: str, surface: str) -> None:
    from clinsum.deid.rules_es import RELATIVES_COUNTED

    assert [m.group() for m in RELATIVES_COUNTED.finditer(text)] == [surface]
    assert {s.text: s.type for s in find_phi(text, language="es")}.get(surface) == "FAMILIARES_SUJETO_ASISTENCIA"


def test_one_relative_is_left_to_the_tagger() -> None:
    from clinsum.deid.rules_es import RELATIVES_COUNTED

    assert not list(RELATIVES_COUNTED.finditer("Tiene un hermano y una hija sanos; uno de los hijos no."))


def test_a_sex_word_is_not_part_of_a_description() -> None:
    from clinsum.deid.pipeline import fix_tagger_spans

    text = "Se trata de un niño varón bien nutrido. Su hermano varón está sano."
    child, brother = _model(text, "niño varón", "ID_SUJETO_ASISTENCIA"), _model(text, "hermano varón", "FAMILIARES_SUJETO_ASISTENCIA")
    assert [(s.text, s.type) for s in fix_tagger_spans(text, [child, brother])] == [
        ("niño", "ID_SUJETO_ASISTENCIA"), ("varón", "SEXO_SUJETO_ASISTENCIA"),
        ("hermano varón", "FAMILIARES_SUJETO_ASISTENCIA")]


def test_a_name_right_after_a_relative_is_the_relatives() -> None:
    from clinsum.deid.relatives import relatives_names

    text = ("Viene con su madre (María) y su padre (Juan). Según su esposo, Diego Maldonado, y su hermano Luis, "
            "no hay antecedentes. Atendida por Dra. Ana Ruiz. Vive en Dos Hermanas, Sevilla.")
    spans = [_model(text, "María", "PAIS"), _model(text, "Juan", "PAIS"),
             _model(text, "Diego Maldonado", "NOMBRE_PERSONAL_SANITARIO"),
             _model(text, "Luis", "NOMBRE_SUJETO_ASISTENCIA"), _model(text, "Ana Ruiz", "NOMBRE_PERSONAL_SANITARIO"),
             _model(text, "Sevilla", "TERRITORIO")]
    assert [s.type for s in relatives_names(text, spans)] == ["FAMILIARES_SUJETO_ASISTENCIA"] * 4 + [
        "NOMBRE_PERSONAL_SANITARIO", "TERRITORIO"]


def test_the_newborn_a_report_opens_with_is_the_patient() -> None:
    from clinsum.deid.pipeline import fix_tagger_spans

    for text, surface in (("Informe clínico del paciente: Recién nacida hembra, con parto normal.", "Recién nacida"),
                          ("Se trataba de una recién nacida a término.", "recién nacida")):
        read = _model(text, surface, "FAMILIARES_SUJETO_ASISTENCIA")
        assert fix_tagger_spans(text, [read]) == [read._replace(type="EDAD_SUJETO_ASISTENCIA")]
    text = "Mujer de 30 años. La exploración de la recién nacida tras la cesárea fue normal."
    daughter = _model(text, "recién nacida", "FAMILIARES_SUJETO_ASISTENCIA")
    assert fix_tagger_spans(text, [daughter]) == [daughter]


def test_a_labelled_name_inside_a_tagger_span_takes_the_label_type() -> None:
    from clinsum.deid.pipeline import _labelled_inside

    labelled = {"Ignacio Navarro Cuéllar": "NOMBRE_PERSONAL_SANITARIO", "Puertas Rondon": "NOMBRE_SUJETO_ASISTENCIA",
                "Ana": "NOMBRE_SUJETO_ASISTENCIA"}
    text = "Varón remitido por Ignacio Navarro Cuéllar desde Madrid."
    place = _model(text, "Ignacio Navarro Cuéllar desde Madrid", "TERRITORIO")
    assert [(s.text, s.type) for s in _labelled_inside(place, labelled)] == [
        ("Ignacio Navarro Cuéllar", "NOMBRE_PERSONAL_SANITARIO"), ("Madrid", "TERRITORIO")]
    text = "Teresa Puertas Rondon, es una mujer de 36 años."
    name = _model(text, "Teresa Puertas Rondon", "NOMBRE_PERSONAL_SANITARIO")
    assert _labelled_inside(name, labelled) == [name._replace(type="NOMBRE_SUJETO_ASISTENCIA")]
    text = "Nódulo de la hermana Ana Puertas Rondon."
    sister = _model(text, "hermana Ana Puertas Rondon", "FAMILIARES_SUJETO_ASISTENCIA")
    assert _labelled_inside(sister, labelled) == [sister]
    text = "Hospital Ana Mengual de Murcia."
    hospital = _model(text, "Hospital Ana Mengual", "HOSPITAL")
    assert _labelled_inside(hospital, labelled) == [hospital]  # a given name alone is no full name


def test_tagger_readings_repaired_by_labels_and_rules() -> None:
    from clinsum.deid.pipeline import fix_tagger_spans

    text = "Varón de 70 años remitido por Ignacio Navarro Cuéllar desde Madrid."
    misread = _model(text, "remitido por Ignacio Navarro Cuéllar", "HOSPITAL")
    assert [s.text for s in fix_tagger_spans(text, [misread])] == ["Ignacio Navarro Cuéllar"]
    text = "Médico: Ignacio Navarro Cuéllar.\n" + text
    names = [s.type for s in find_phi(text, language="es") if s.text == "Ignacio Navarro Cuéllar"]
    assert names == ["NOMBRE_PERSONAL_SANITARIO"] * 2
    found = {s.text: s.type for s in find_phi("Lactante de 2 meses. Ingresó el cinco de abril de dos mil veinte.",
                                              language="es")}
    assert found.get("2 meses") == "EDAD_SUJETO_ASISTENCIA" and found.get(
        "cinco de abril de dos mil veinte") == "FECHAS", found


def test_a_town_and_its_province_after_a_postal_code_are_two_places() -> None:
    text = "Servicio de Urología. Avda. de Galicia 12. 24400 Bembibre León e-mail: urologia@hosp.es"
    found = [(s.text, s.type) for s in find_phi(text, language="es")]
    assert ("Bembibre", "TERRITORIO") in found and ("León", "TERRITORIO") in found, found
    from clinsum.deid.places import towns_after_codes

    assert [s.text for s in towns_after_codes("C/ Mayor 3. 28801 Alcalá de Henares Tel 910 000 000")] == [
        "Alcalá de Henares"]
    assert [s.text for s in towns_after_codes("35001 Las Palmas de Gran Canaria Islas Canarias, España")] == [
        "Las Palmas de Gran Canaria", "Islas Canarias"]
    assert towns_after_codes("Col. Roma 04030 México D.F. E-mail") == []  # not "México D"


def test_a_country_and_an_address_read_by_the_tagger_are_repaired() -> None:
    from clinsum.deid.pipeline import fix_tagger_spans

    text = "Chennai 600095, India. E-mail: r.kumar@clinic.in 2Profesor asociado."
    country = _model(text, "India", "TERRITORIO")
    address = _model(text, "r.kumar@clinic.in 2Profesor asociado", "CORREO_ELECTRONICO")
    assert [(s.text, s.type) for s in fix_tagger_spans(text, [country, address])] == [
        ("India", "PAIS"), ("r.kumar@clinic.in", "CORREO_ELECTRONICO")]
    town = _model(text, "Chennai", "TERRITORIO")
    assert fix_tagger_spans(text, [town]) == [town]


def test_an_organisation_is_not_a_unit_nor_the_title_before_it() -> None:
    from clinsum.deid.pipeline import fix_tagger_spans

    text = "Remitido por: Dr. R. Kumar, MDS Reader, Department of Oral Surgery, Sri Dental College, Chennai"
    run = _model(text, "MDS Reader, Department of Oral Surgery, Sri Dental College", "INSTITUCION")
    assert [s.text for s in fix_tagger_spans(text, [run])] == ["Sri Dental College"]
    two = _model(text, "Department of Oral Surgery, Sri Dental College, Chennai", "INSTITUCION")
    assert [s.text for s in fix_tagger_spans(text, [two])] == ["Sri Dental College"]
    text = "Remitido por: Ana Gil. Unidad Docente de Medicina Familiar. Servicio Madrileño de Salud. Madrid"
    unit = _model(text, "Unidad Docente de Medicina Familiar", "INSTITUCION")
    service = _model(text, "Servicio Madrileño de Salud", "INSTITUCION")
    assert fix_tagger_spans(text, [unit, service]) == [service]
    text = "Unidad de Reumatología Hospital de la Vega Baja"
    assert [s.text for s in fix_tagger_spans(text, [_model(text, text, "HOSPITAL")])] == ["Hospital de la Vega Baja"]


def test_a_name_ends_before_the_word_that_starts_the_next_thing() -> None:
    from clinsum.deid.boundaries import name_tails

    text = "Remitido por: Dra. Maria Luz Sánchez Tocino Supervisora Centros FRIAT. Salamanca"
    span = _model(text, "Maria Luz Sánchez Tocino Supervisora Centros FRIAT", "NOMBRE_PERSONAL_SANITARIO")
    assert [(s.text, s.type) for s in name_tails([span])] == [
        ("Maria Luz Sánchez Tocino", "NOMBRE_PERSONAL_SANITARIO"), ("Centros FRIAT", "INSTITUCION")]
    text = "Responsable clínico: Dra. Teresa Sada Ovalle Doctor Vertiz 737 interior 35"
    span = _model(text, "Teresa Sada Ovalle Doctor Vertiz 737 interior 35", "NOMBRE_PERSONAL_SANITARIO")
    assert [(s.text, s.type) for s in name_tails([span])] == [
        ("Teresa Sada Ovalle", "NOMBRE_PERSONAL_SANITARIO"), ("Vertiz 737 interior 35", "CALLE")]


@pytest.mark.parametrize("surface, pieces", [
    ("Urb. El Arco, 16. La Atalaya", ["Urb. El Arco, 16", "La Atalaya"]),
    ("C/. La Dreda 167 Villapresente. Reocín", ["C/. La Dreda 167", "Villapresente", "Reocín"]),
    ("Avda. Máximo Aguirre, 5, 4o B Getxo", ["Avda. Máximo Aguirre, 5, 4o B", "Getxo"]),
    ("Avenida Pedro Muñoz Seca 43, Ático F Aguadulce", ["Avenida Pedro Muñoz Seca 43, Ático F", "Aguadulce"]),
    ("Av. Sto Toribio de Mogrovejo, 70 5º Iz", ["Av. Sto Toribio de Mogrovejo, 70 5º Iz"]),
    # MEDDOCAN train keeps these whole: a second number, s/n, a floor or a door after the number
    ("Ctra. Nnal. 332 Alicante-Valencia, s/n", ["Ctra. Nnal. 332 Alicante-Valencia, s/n"]),
    ("Calle portera del cura 19. 4 Izq", ["Calle portera del cura 19. 4 Izq"]),
    ("c/ Castillo de Rena 43. Puerta 2", ["c/ Castillo de Rena 43. Puerta 2"]),
    ("Calle Guerrero 12, Buenavista, Cuauhtémoc", ["Calle Guerrero 12, Buenavista, Cuauhtémoc"]),
    ("416 Paseo de Martí", ["416 Paseo de Martí"]),
])
def test_a_street_ends_at_its_number_before_the_town(surface: str, pieces: list) -> None:
    text = f"Correspondencia: {surface}. 35307 Santa Brígida."
    spans = street_towns([_model(text, surface, "CALLE")])
    assert [s.text for s in spans] == pieces
    assert all(text[s.start:s.end] == s.text for s in spans)
    assert [s.type for s in spans[1:]] == ["TERRITORIO"] * (len(pieces) - 1)


@pytest.mark.parametrize("text, surface, whole", [
    ("Remitido por: Dr. Pedro Gil. Facultad de Medicina y Odontología. Universidad de Valencia",
     "Facultad de Medicina", "Facultad de Medicina y Odontología"),
    ("Instituto Universitario de Oftalmobiología Aplicada (IOBA)", "Instituto Universitario",
     "Instituto Universitario de Oftalmobiología Aplicada"),
    # the next head word starts something else; a connector at the end is not the name's
    ("Hospital General de Móstoles y Servicio de Cirugía", "Hospital General de Móstoles",
     "Hospital General de Móstoles"),
    ("Universidad de Granada y Hospital Clínico San Cecilio", "Universidad de Granada", "Universidad de Granada"),
    ("Hospital Universitario de la Princesa", "Hospital Universitario", "Hospital Universitario de la Princesa"),
    # lower case after the connector is the sentence going on
    ("Ingresó en el Hospital Comarcal y se le dio el alta", "Hospital Comarcal", "Hospital Comarcal"),
    ("según la clasificación de la Sociedad Japonesa para el Estudio de Hipertensión Portal] y erosiones",
     "Sociedad Japonesa", "Sociedad Japonesa para el Estudio de Hipertensión Portal"),
    ("Ingresó en la Fundación Jiménez Díaz para el estudio de la fiebre", "Fundación Jiménez Díaz",
     "Fundación Jiménez Díaz"),
])
def test_an_organisation_cut_before_a_connector_goes_on(text: str, surface: str, whole: str) -> None:
    from clinsum.deid.boundaries import organisation_ends

    assert [s.text for s in organisation_ends(text, [_model(text, surface, "INSTITUCION")])] == [whole]


@pytest.mark.parametrize("text, surface, whole", [
    ("acudió al Servicio de Cirugía del Hospital Universitari Vall d'Hebron, remitido", "Hospital Universitari Vall",
     "Hospital Universitari Vall d'Hebron"),
    ("consultó al hospital Saint John of God en Sierra Leona", "Saint John of God", "hospital Saint John of God"),
    ("Servicio de Neurocirugía. Consorcio Hospital General Universitario, Valencia", "Hospital General Universitario",
     "Consorcio Hospital General Universitario"),
    ("ingresó en el hospital Hospital Clínico por error", "Hospital Clínico", "Hospital Clínico"),
])
def test_a_hospital_takes_the_words_of_its_name_around_it(text: str, surface: str, whole: str) -> None:
    from clinsum.deid.boundaries import organisation_ends

    assert [s.text for s in organisation_ends(text, [_model(text, surface, "HOSPITAL")])] == [whole]


def test_a_hospital_named_after_a_doctor_is_one_hospital() -> None:
    from clinsum.deid.boundaries import hospitals_named_after

    text = "Servicio de Medicina Interna. Hospital Central Dr. Ignacio Morones Prieto. Av. V. Carranza No. 2395."
    spans = [_model(text, "Hospital Central Dr", "HOSPITAL"), _model(text, "Ignacio Morones Prieto", "NOMBRE_PERSONAL_SANITARIO")]
    assert [(s.text, s.type) for s in hospitals_named_after(text, spans)] == [
        ("Hospital Central Dr. Ignacio Morones Prieto", "HOSPITAL")]
    apart = [_model(text, "Servicio de Medicina Interna", "HOSPITAL"), spans[1]]
    assert hospitals_named_after(text, apart) == apart
    text = "Servicio de Cirugía Plástica. c/ Dr. Joan Soler 1-3 08243 Manresa"
    street = [_model(text, "c/ Dr", "CALLE"), _model(text, "Joan Soler 1-3", "CALLE")]
    assert [s.text for s in hospitals_named_after(text, street)] == ["c/ Dr. Joan Soler 1-3"]


def test_a_day_hospital_is_a_unit_not_a_hospital() -> None:
    from clinsum.deid.pipeline import fix_tagger_spans

    text = "Jefe de la Unidad de Oncología Médica Hospital de Día de Oncología Médica Hospital Universitario Virgen de las Nieves"
    day = _model(text, "Hospital de Día de Oncología Médica", "HOSPITAL")
    assert fix_tagger_spans(text, [day]) == []


def test_a_country_the_tagger_read_in_two_pieces_is_one() -> None:
    from clinsum.deid.pipeline import fix_tagger_spans

    text = "Policía Científica de Buenos Aires (República Argentina)."
    spans = [_model(text, "República", "TERRITORIO"), _model(text, "Argentina", "PAIS")]
    assert [(s.text, s.type) for s in fix_tagger_spans(text, spans)] == [("República Argentina", "PAIS")]


def test_a_place_field_keeps_a_town_and_its_province_apart() -> None:
    from clinsum.deid.rules import place_fields

    text = "Localidad/ Provincia: Mostoles Madrid.\nLocalidad/ Provincia: Monterrey, Nuevo León.\n"
    assert [(s.text, s.type) for s in place_fields(text)] == [
        ("Mostoles", "TERRITORIO"), ("Madrid", "TERRITORIO"), ("Monterrey", "TERRITORIO"), ("Nuevo León", "TERRITORIO")]


def test_a_hospitals_acronym_read_as_an_institution_is_a_hospital() -> None:
    from clinsum.deid.pipeline import fix_tagger_spans

    text = 'En la valoración en el HCD "Gómez Ulla", se realizó una TC. Informe de la OMS.'
    spans = [_model(text, 'HCD "Gómez Ulla"', "INSTITUCION"), _model(text, "OMS", "INSTITUCION")]
    assert [(s.text, s.type) for s in fix_tagger_spans(text, spans)] == [('HCD "Gómez Ulla"', "HOSPITAL"),
                                                                         ("OMS", "INSTITUCION")]


def test_an_organisation_does_not_run_into_another_span() -> None:
    from clinsum.deid.boundaries import organisation_ends

    text = "Hospital Ramón y Cajal de Madrid"
    hospital, town = _model(text, "Hospital Ramón y Cajal", "HOSPITAL"), _model(text, "Madrid", "TERRITORIO")
    assert organisation_ends(text, [hospital, town]) == [hospital, town]
    rule = hospital._replace(source="rule")
    assert organisation_ends(text, [rule]) == [rule]


@pytest.mark.parametrize("text, maker", [
    ("Se pautó acetazolamida oral (edemox®, Chiesi wassermann, Madrid, Spain) cada 6 horas.", "Chiesi wassermann"),
    ("Ventilación (Babylog 8000 plus, Dräger Medizintechnik GMBH. Lübeck, Alemania) sin incidencias.",
     "Dräger Medizintechnik GMBH"),
    ("Óxido nítrico (NOxPUMP plus, Bedfont Scientific Ltd, Upchurch Kent, England) inhalado.", "Bedfont Scientific Ltd"),
])
def test_the_maker_between_a_product_and_its_place_is_an_institution(text: str, maker: str) -> None:
    from clinsum.deid.places import listed_makers

    assert [s.text for s in listed_makers(text)] == [maker]
    assert {s.text: s.type for s in find_phi(text, language="es")}.get(maker) == "INSTITUCION"


@pytest.mark.parametrize("text", [
    "Cabezal de Mayfield (Ohio Medical Instrument Co, Inc., Cincinnati, Oh, USA) colocado.",  # a legal form alone
    "Lentes de contacto (Allergan®, Irvine, California, EE.UU.) bien toleradas.",  # a town before its state
    "Tratamiento (dos ciclos, con buena respuesta, sin toxicidad) completado.",  # no place after it
])
def test_what_is_not_a_listed_maker(text: str) -> None:
    from clinsum.deid.places import listed_makers

    assert listed_makers(text) == []


def test_a_brand_is_not_its_maker() -> None:
    text = ("Inicia tratamiento con Sintrom®, Acuprel®, Nitroplast® y Trangorex®. Se fija con un clavo T2 "
            "(Stryker®). Lentes de contacto (Allergan®, Irvine, California, EE.UU.) bien toleradas.")
    found = {s.text: s.type for s in find_phi(text, language="es")}
    assert not {"Acuprel", "Nitroplast", "Trangorex", "Stryker"} & set(found)
    assert found["Allergan"] == "INSTITUCION"
    assert find_phi("Se fija con material de Stryker y se cierra.", language="es")[0].text == "Stryker"


@pytest.mark.parametrize("text, surface", [
    ("Ana vio a Ana; Anabel no, ni _Ana ni Ana2, pero sí (Ana) y Ana.", "Ana"),
    ("Peña, Peñalver y Peña.", "Peña"),
    ("a a a a", "a a"),
    ("1234 12345 1234", "1234"),
    ("", "Ana"),
])
def test_whole_word_starts_are_where_the_word_pattern_matches(text: str, surface: str) -> None:
    import re

    from clinsum.text import whole_word_starts

    expected = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", text)]
    assert whole_word_starts(text, surface) == expected
    assert expected or not text
    assert whole_word_starts(text, "") == []


def _naive_remove_overlaps(spans: list[Span]) -> list[Span]:
    """remove_overlaps as first written, scanning every kept span: the reference for the indexed one."""
    from clinsum.deid.spans import PRIORITY, _rest

    ranked = sorted(spans, key=lambda s: (PRIORITY.get(s.source, 3), -(s.end - s.start), s.start))
    kept: list[Span] = []
    for span in ranked:
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
        elif span.source.startswith("model"):
            rest = _rest(span, kept)
            if rest and all(rest.end <= k.start or rest.start >= k.end for k in kept):
                kept.append(rest)
    return sorted(kept)


def test_overlaps_are_resolved_as_by_scanning_every_kept_span() -> None:
    import random

    from clinsum.deid.spans import remove_overlaps

    rng = random.Random(7)
    text = "".join(rng.choice("abcdefgh ,.") for _ in range(400))
    sources, types = ["model", "rule", "form", "field", "fill", "propagated"], ["CALLE", "HOSPITAL", "FECHAS"]
    for _ in range(200):
        spans = []
        for _ in range(rng.randint(0, 40)):
            start = rng.randrange(0, 390)
            end = start + rng.randint(1, 12)
            kind, source = rng.choice(types), rng.choice(sources)
            spans.append(Span(start, end, kind, text[start:end], source))
        kept = remove_overlaps(spans)
        assert all(a.end <= b.start for a, b in zip(kept, kept[1:], strict=False))
        # rule spans that replace or split tagger spans act before the ranking; with none of them
        # (or when they leave the tagger spans alone) the result is the scanning one
        no_rules = [s for s in spans if s.source != "rule"]
        assert remove_overlaps(no_rules) == _naive_remove_overlaps(no_rules)


def test_a_name_copied_into_every_visit_is_found_once_per_occurrence() -> None:
    from clinsum.deid.pipeline import name_words

    visit = "Nombre: Ana.\nApellidos: Ruiz Gómez.\nPaciente de 70 años. Acude con su hija.\n"
    text = visit * 30
    fields = [Span(m, m + len("Ruiz Gómez"), "NOMBRE_SUJETO_ASISTENCIA", "Ruiz Gómez", "field")
              for m in range(text.index("Ruiz Gómez"), len(text), len(visit))]
    found = name_words(text, fields)
    assert len(fields) == 30
    assert sorted((s.start, s.text) for s in found) == sorted(
        [(i * len(visit) + visit.index("Ruiz"), "Ruiz") for i in range(30)]
        + [(i * len(visit) + visit.index("Gómez"), "Gómez") for i in range(30)])


@pytest.mark.parametrize("text, town", [
    ("Viuda, vive sola en Torrelavega desde 2010.", "Torrelavega"),
    ("Reside actualmente en Ribadeo con su marido.", "Ribadeo"),
    ("Jubilado, vive con su hija en Villanueva del Arzobispo.", "Villanueva del Arzobispo"),
])
def test_where_the_patient_lives_is_a_place_with_a_word_between(text: str, town: str) -> None:
    from clinsum.deid.rules_es import spanish_rule_spans

    assert (town, "TERRITORIO") in [(s.text, s.type) for s in spanish_rule_spans(text)]
    assert not [s for s in spanish_rule_spans("Vive sola en su domicilio. Vive con su hija en casa.")
                if s.type == "TERRITORIO"]


def test_a_town_found_by_a_rule_is_masked_wherever_it_recurs() -> None:
    text = ("Mujer de 75 años, vive sola en Torrelavega. Remitida por su médico de atención primaria "
            "(C.S. Zapatón, Torrelavega), por pérdida de memoria.")
    towns = [s for s in find_phi(text, language="es") if s.text == "Torrelavega"]
    assert len(towns) == 2 and {s.type for s in towns} == {"TERRITORIO"}


@pytest.mark.parametrize("text, number", [
    ("RM craneal (19/03/2024, nº de estudio 88451237): atrofia cortical.", "88451237"),
    ("Nº muestra: B-24-0731. Remitida a Anatomía Patológica.", "B-24-0731"),
    ("Número de petición 2024/556677, pendiente.", "2024/556677"),
    ("núm. de biopsia 19B0045: carcinoma basocelular.", "19B0045"),
])
def test_a_study_sample_or_request_number_is_a_contacts_id(text: str, number: str) -> None:
    found = {s.text: s.type for s in find_phi(text, language="es")}
    assert found.get(number) == "ID_CONTACTO_ASISTENCIAL"


def test_what_is_not_a_study_number() -> None:
    text = "Nº de estudio insuficiente para el diagnóstico. Nº de registro 12/03/2024."
    found = {s.text: s.type for s in find_phi(text, language="es")}
    assert "ID_CONTACTO_ASISTENCIAL" not in found.values() and found.get("12/03/2024") == "FECHAS"


def test_regional_health_cards_in_a_header_laid_out_in_columns() -> None:
    text = "Nº SIP: 12345678  NUHSA: AN0123456789  TIS: GMRZ800315012018\nSeguro: póliza 7788990011 Sanitas Plus.\n"
    cards = [s.text for s in find_phi(text, language="es") if s.type == "ID_ASEGURAMIENTO"]
    assert cards == ["12345678", "AN0123456789", "GMRZ800315012018", "7788990011"]


@pytest.mark.parametrize("text, name", [
    ("Firmado electrónicamente por la enfermera Nerea Zubizarreta (Nº Col. 282812345).", "Nerea Zubizarreta"),
    ("El fisioterapeuta la moviliza. Avisada la médico residente Laura Gil.", "Laura Gil"),
])
def test_a_name_after_a_care_role_is_a_clinicians(text: str, name: str) -> None:
    assert {s.text: s.type for s in find_phi(text, language="es")}.get(name) == "NOMBRE_PERSONAL_SANITARIO"


def test_a_role_after_a_care_role_is_no_name() -> None:
    text = "Valorada por la enfermera Jefe de Planta. La enfermera Gestora de Casos contacta con la familia."
    assert not [s for s in find_phi(text, language="es") if s.type.startswith("NOMBRE_")]


def test_four_digits_that_are_no_year_are_masked_as_a_number() -> None:
    from clinsum.deid.pipeline import fix_tagger_spans

    text = "Taxista (licencia municipal 4521) hasta su jubilación en 2005."
    spans = [_model(text, "4521", "FECHAS"), _model(text, "2005", "FECHAS")]
    assert [(s.text, s.type) for s in fix_tagger_spans(text, spans)] == [
        ("4521", "OTROS_SUJETO_ASISTENCIA"), ("2005", "FECHAS")]


@pytest.mark.parametrize("text, number", [
    ("Taxista (licencia municipal 4521) hasta 2005.", "4521"),
    ("Permiso de conducir nº B-1234567 en vigor.", "B-1234567"),
])
def test_a_licence_number_is_masked(text: str, number: str) -> None:
    assert {s.text: s.type for s in find_phi(text, language="es")}.get(number) == "OTROS_SUJETO_ASISTENCIA"
    assert not find_phi("Solicita licencia por enfermedad de 15 días.", language="es")


def test_a_courtesy_title_in_a_field_is_not_the_name() -> None:
    text = "Usuaria: Dª. Concepción Arrieta Lasa, de 91 años.\nPaciente: Doña Rosario Blanco\n"
    names = [s.text for s in find_phi(text, language="es") if s.type == "NOMBRE_SUJETO_ASISTENCIA"]
    assert names == ["Concepción Arrieta Lasa", "Rosario Blanco"]


def test_a_friend_or_neighbour_named_is_someone_close() -> None:
    text = "Visitas frecuentes de su amiga Maite. Le ayuda su vecino, Julián Ortega, con la compra."
    found = {s.text: s.type for s in find_phi(text, language="es")}
    assert found.get("Maite") == found.get("Julián Ortega") == "FAMILIARES_SUJETO_ASISTENCIA"


def test_an_employer_before_its_town_and_a_parish_are_institutions() -> None:
    text = "Su hija trabaja en Mercadona de Tolosa. Acude a la parroquia de San Sebastián Mártir los domingos."
    found = {s.text: s.type for s in find_phi(text, language="es")}
    assert found.get("Mercadona") == "INSTITUCION" and found.get("Tolosa") == "TERRITORIO"
    assert found.get("parroquia de San Sebastián Mártir") == "INSTITUCION"


def test_a_case_or_file_number_is_a_number_not_a_date() -> None:
    text = "Tutela por sentencia (procedimiento 458/2019). Pensión de viudedad (nº expediente 2020/88776)."
    found = {s.text: s.type for s in find_phi(text, language="es")}
    assert found.get("458/2019") == found.get("2020/88776") == "OTROS_SUJETO_ASISTENCIA"


@pytest.mark.parametrize("text, language, word", [
    ("Patient: Don Miller\nMRN: 445566\nDon was seen today with his wife.", "en", "Don"),
    ("Paciente: Ana Ruiz Gil\nAna acude a consulta con su hijo.", "es", "Ana"),
])
def test_a_short_given_name_of_a_field_is_masked_where_it_recurs_alone(text: str, language: str, word: str) -> None:
    alone = text.rindex(word)
    assert any(s.start == alone and s.text == word for s in find_phi(text, language=language))


def test_a_parent_named_before_the_relation_and_more_in_parentheses_is_a_relative() -> None:
    text = ("Padres: Rocío Ibáñez (madre, 38 a., enfermera) y Jorge Sánchez-Valverde (padre, 41 a., "
            "ingeniero).")
    found = {s.text: s.type for s in find_phi(text, language="es")}
    assert found.get("Rocío Ibáñez") == found.get("Jorge Sánchez-Valverde") == "FAMILIARES_SUJETO_ASISTENCIA"


@pytest.mark.parametrize("text, piece, kind", [
    ("Fecha de la intervención: 15-III-2023. Hora inicio 9:15.", "15-III-2023", "FECHAS"),
    ("Nacida el 3/IV/48 en Lleida.", "3/IV/48", "FECHAS"),
    ("Neoplasia de mama (biopsia B23-004411).", "B23-004411", "ID_CONTACTO_ASISTENCIAL"),
    ("Pieza remitida con la petición P-2023-7781.", "P-2023-7781", "ID_CONTACTO_ASISTENCIAL"),
    ("La paciente vive en el carrer Major 12, 08201 Sabadell.", "carrer Major 12", "CALLE"),
    ("La paciente es funcionaria del Ajuntament de Sabadell y vive en el carrer Major 12.", "Ajuntament de Sabadell",
     "INSTITUCION"),
    ("Remitida del Laboratori de Referència de Catalunya.", "Laboratori de Referència de Catalunya", "INSTITUCION"),
])
def test_catalan_forms_roman_months_and_codes_after_their_word(text: str, piece: str, kind: str) -> None:
    assert {s.text: s.type for s in find_phi(text, language="es")}.get(piece) == kind


@pytest.mark.parametrize("text, age", [
    ("Paciente: Ramón Etxeberria Goikoetxea, 82 a., varón.", "82 a."),
    ("Paciente de 45 a. remitida desde Sevilla.", "45 a."),
])
def test_years_abbreviated_where_an_age_stands_are_an_age(text: str, age: str) -> None:
    assert {s.text: s.type for s in find_phi(text, language="es")}.get(age) == "EDAD_SUJETO_ASISTENCIA"
    assert not find_phi("Cita a las 10 a. m., sala 2. Tras 2 a. de evolución.", language="es")


def test_where_a_family_lives_their_other_child_and_a_newborns_bracelet() -> None:
    text = ("Recién nacido varón, 3.450 g, pulsera identificativa nº 004512. Residen en Leganés con su otra hija, "
            "Naomi, de 4 años.")
    found = {s.text: s.type for s in find_phi(text, language="es")}
    assert found.get("004512") == "ID_SUJETO_ASISTENCIA" and found.get("Leganés") == "TERRITORIO"
    assert found.get("Naomi") == "FAMILIARES_SUJETO_ASISTENCIA"


@pytest.mark.parametrize("text, piece, kind", [
    ("Nombre: Guadalupe Hernández Tapia. CURP: HETG850312MDFRPD09.", "HETG850312MDFRPD09", "ID_SUJETO_ASISTENCIA"),
    ("Originaria de Oaxaca, casada. RFC del esposo: QUMR800101AB3.", "QUMR800101AB3", "ID_SUJETO_ASISTENCIA"),
    ("Derechohabiente. NSS IMSS: 12-34-85-6789-0.", "12-34-85-6789-0", "ID_ASEGURAMIENTO"),
    ("Médico tratante: Dr. Fernando Ávila Cruz, céd. prof. 4521887.", "4521887", "ID_TITULACION_PERSONAL_SANITARIO"),
    ("Su cuñada firma como responsable legal. Tel. celular 55 2345 6789.", "55 2345 6789", "NUMERO_TELEFONO"),
])
def test_mexican_ids_licence_and_phone(text: str, piece: str, kind: str) -> None:
    assert {s.text: s.type for s in find_phi(text, language="es")}.get(piece) == kind


@pytest.mark.parametrize("text, piece, kind", [
    ("Pacient de 78 anys. Viu amb la seva filla, Montserrat, a Vic.", "78 anys", "EDAD_SUJETO_ASISTENCIA"),
    ("Pacient de 78 anys. Viu amb la seva filla, Montserrat, a Vic.", "Montserrat", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("Ingresa por caída. A nai, Carme, acompaña á paciente.", "Carme", "FAMILIARES_SUJETO_ASISTENCIA"),
    ("O seu fillo Xoán vive en Lugo.", "Xoán", "FAMILIARES_SUJETO_ASISTENCIA"),
])
def test_relatives_and_ages_in_catalan_and_galician(text: str, piece: str, kind: str) -> None:
    assert {s.text: s.type for s in find_phi(text, language="es")}.get(piece) == kind
