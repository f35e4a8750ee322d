"""Writes leak_suite.jsonl: hand-written snippets and the identifiers each one contains.

Every identifier must be gone from what the privacy gate lets out (tests/core/test_privacy_leaks.py,
bench/bench_privacy.py). Snippets marked ``why`` are the examples listed in issue 12.
Run: ``python data/privacy/make_leak_suite.py``.
"""

import json
from pathlib import Path

ES = [
    ("HOSPITAL UNIVERSITARIO FICTICIO DE VALDELOMA\nServicio de Medicina Interna", ["VALDELOMA"], True),
    ("Ingresa en el Hospital Universitario Ficticio de Valdeloma por disnea.", ["Valdeloma"], True),
    ("Puérpera de 34 años que consulta por cefalea.", ["34 años"], True),
    ("Lactante de 2 meses con rinorrea y tos de tres días.", ["2 meses"], True),
    ("Última HbA1c 7,1% (01/2024).", ["01/2024"], True),
    ("Control analítico en 04/2023 sin cambios.", ["04/2023"], True),
    ("Infarto agudo de miocardio en 2016 tratado con angioplastia.", ["2016"], True),
    ("Cama: 4.12\nMotivo de ingreso: dolor torácico.", ["4.12"], True),
    ("Paciente: Anselmo Quirós Bermejo\nEdad: 78 años", ["Anselmo", "Quirós", "Bermejo", "78"], True),
    ("Teléfono de contacto 91.555.12.34 (domicilio).", ["91.555.12.34"], True),
    ("Su hija llama desde el 0034 612 345 678.", ["612 345 678"], True),
    ("Móvil: 612.34.56.78", ["612.34.56.78"], True),
    ("Presenta pasaporte AB1234567 al ingreso.", ["AB1234567"], True),
    ("NASS: 28/12345678/90", ["12345678"], True),
    ("CIP: GARC640312001 de la comunidad.", ["GARC640312001"], True),
    ("Tarjeta sanitaria (TSI) 1234 5678 9012 3456.", ["5678 9012"], True),
    ("Domicilio en Avda. de la Constitución 12, 3º B.", ["Constitución"], True),
    ("Accidente en la Ctra. de Toledo km 14 al volver del trabajo.", ["Toledo"], True),
    ("Derivada desde el CAP Sant Roc por mal control tensional.", ["Sant Roc"], True),
    ("Seguimiento en el CAP Raval Nord.", ["Raval Nord"], True),
    ("Mujer de treinta y cuatro años sin antecedentes.", ["treinta y cuatro años"], True),
    ("Ingresó el cinco de abril por fiebre.", ["cinco de abril"], True),
    ("Atropellado por el vehículo con matrícula 1234 BCD.", ["1234 BCD"], True),
    ("Marcapasos con número de serie PM-88231-X implantado.", ["PM-88231-X"], True),
    ("Dr. Ernesto Salvatierra, Servicio de Cardiología.", ["Salvatierra"], False),
    ("Médico responsable: Dra. Leonor Azcárate Ruiz", ["Azcárate"], False),
    ("NHC: 2045871", ["2045871"], False),
    ("DNI 12345678Z", ["12345678Z"], False),
    ("NIE X1234567L en vigor.", ["X1234567L"], False),
    ("Correo: marta.lopez@correo-ficticio.es", ["marta.lopez"], False),
    ("Fecha de nacimiento: 12/03/1951", ["12/03/1951"], False),
    ("Reside en Villanueva del Arzobispo (Jaén) con su esposa.", ["Villanueva del Arzobispo"], False),
    ("Vive en la calle Mayor 27 de Alcalá.", ["Mayor 27"], False),
    ("C/ Pintor Rosales 5, 2º izquierda, 28008 Madrid.", ["Pintor Rosales", "28008"], False),
    ("Código postal 41012.", ["41012"], False),
    ("Su madre, Carmen Iturbe, refiere que no come.", ["Iturbe"], False),
    ("Acompañado por su hijo Jorge.", ["Jorge"], False),
    ("Varón de 45 años, camionero, que acude por lumbalgia.", ["45 años"], False),
    ("Niña de 7 años traída por su padre.", ["7 años"], False),
    ("Episodio 2024/118822 en Urgencias.", ["118822"], False),
    ("Nº colegiado 282812345.", ["282812345"], False),
    ("Ingreso el 3 de marzo de 2024 y alta el 11 de marzo de 2024.", ["3 de marzo", "11 de marzo"], False),
    ("Revisión en marzo de 2025 en consultas externas.", ["marzo de 2025"], False),
    ("Residencia de mayores Los Olivos de Pozuelo.", ["Los Olivos"], False),
    ("Trabaja en Construcciones Arbeloa S.L. como encofrador.", ["Arbeloa"], False),
    ("Natural de Rumanía, reside en España desde 2010.", ["Rumanía", "2010"], False),
    ("IP del equipo de telemonitorización 10.12.4.200.", ["10.12.4.200"], False),
    ("Resultados en https://portal.salud-ficticio.es/paciente/8812", ["portal.salud-ficticio.es"], False),
    ("Fax del centro: 93 555 44 11", ["555 44 11"], False),
    ("Llamar al 600 123 456 para citar.", ["600 123 456"], False),
    ("Valorada por el Dr. Iñaki Garmendia en el Hospital de Basurto.", ["Garmendia", "Basurto"], False),
    ("Clínica Santa Elena de Torremolinos.", ["Torremolinos"], False),
]

EN = [
    ("FICTIONAL MERIDIAN VALLEY GENERAL HOSPITAL\nDepartment of Cardiology", ["MERIDIAN VALLEY"], True),
    ("Mr. Brennan is a 68-year-old man with hypertension.", ["Brennan", "68-year-old"], True),
    ("MRN 4471120 was verified at admission.", ["4471120"], True),
    ("She is age 93 and lives alone.", ["93"], True),
    ("Home address: 1142 Larchmont Avenue, Toledo, OH 43613.", ["Larchmont", "Toledo", "43613"], True),
    ("His wife, Dorota, reports worsening orthopnea.", ["Dorota"], True),
    ("Her daughter Ruth Ellison found her on the floor.", ["Ruth Ellison"], True),
    ("The fall happened on the fifth of April.", ["fifth of April"], True),
    ("Patient asked to be called at area code 617 after 5 pm.", ["617"], True),
    ("Medicare ID 1EG4-TE5-MK72 on file.", ["1EG4-TE5-MK72"], True),
    ("Patient: Walter J. Kowalczyk", ["Kowalczyk"], False),
    ("Attending: Dr. Meera Raghunathan", ["Raghunathan"], False),
    ("DOB: 03/17/1951", ["03/17/1951"], False),
    ("Admitted on May 2, 2024 and discharged May 6.", ["May 2", "May 6"], False),
    ("Follow-up on 06/14 with cardiology.", ["06/14"], False),
    ("Call (419) 555-0187 with questions.", ["555-0187"], False),
    ("Cell 802-555-0142, work 802.555.0199.", ["555-0142", "555.0199"], False),
    ("Fax: 714-555-0177", ["555-0177"], False),
    ("SSN 078-05-1120", ["078-05-1120"], False),
    ("Account number ACCT-00456712", ["ACCT-00456712"], False),
    ("Health plan member ID XHP884120577.", ["XHP884120577"], False),
    ("Policy number EMI-55019234 expires soon.", ["EMI-55019234"], False),
    ("Driver's license number D4129-55710-08822.", ["D4129-55710-08822"], False),
    ("DEA BH4417723, NPI 1730298456", ["BH4417723", "1730298456"], False),
    ("License plate 7KJD392 recorded for parking.", ["7KJD392"], False),
    ("Vehicle VIN 1HGCM82633A004352.", ["1HGCM82633A004352"], False),
    ("Pacemaker serial number PJN448812S.", ["PJN448812S"], False),
    ("Email: b.okafor88@examplemail.com", ["b.okafor88"], False),
    ("Portal IP 203.0.113.45 logged.", ["203.0.113.45"], False),
    ("See https://portal.summitskin.example.org/cases/88412", ["summitskin"], False),
    ("Lives at 77 Beacon Street, Apt 3B, Somerville, MA 02143.", ["Beacon", "Somerville", "02143"], False),
    ("She moved to Easton, Pennsylvania last year.", ["Easton"], False),
    ("ZIP code 92626.", ["92626"], False),
    ("Seen at Lakeshore General Hospital ED.", ["Lakeshore"], False),
    ("Transferred to St. Brigid's Regional Medical Center.", ["Brigid"], False),
    ("Follow up at Hillcrest Family Health Center.", ["Hillcrest"], False),
    ("Works at Front Range Logistics as a dispatcher.", ["Front Range"], False),
    ("A 96-year-old woman with dementia.", ["96-year-old"], False),
    ("He is ninety-one years old.", ["ninety-one years old"], False),
    ("Seen by Karen Whitlock, NP.", ["Whitlock"], False),
    ("Her niece Abigail Turner holds power of attorney.", ["Abigail Turner"], False),
    ("Returned from Brazil on August 15 with fever.", ["August 15"], False),
    ("Last visit January 8, 2024.", ["January 8"], False),
    ("Next CT on 3rd of March.", ["3rd of March"], False),
]


def main() -> None:
    rows = [{"id": f"{lang}{i:02d}", "lang": lang, "text": text, "identifiers": ids, "why": why}
            for lang, items in (("es", ES), ("en", EN)) for i, (text, ids, why) in enumerate(items, 1)]
    out = Path(__file__).with_name("leak_suite.jsonl")
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} snippets -> {out}")


if __name__ == "__main__":
    main()
