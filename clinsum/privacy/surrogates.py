"""Realistic surrogates instead of typed placeholders (optional mode of the gate).

Within a record every placeholder gets one consistent fake surface: names and places from
fixed fictional lists chosen by a per-record random seed, dates shifted by one per-record
offset (so intervals between dates survive), identifiers replaced by random digits of the
same shape. The table surrogate → placeholder stays in the workspace and maps answers back.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass

from clinsum.deid.placeholders import PLACEHOLDER_RE, Mapping
from clinsum.store import Store

FIRST = ["Lucía", "Martín", "Irene", "Hugo", "Nerea", "Adrián", "Olga", "Bruno", "Celia", "Dario", "Elsa", "Fabio",
         "Greta", "Iker", "Julia", "Leo", "Maren", "Noel", "Alma", "Teo"]
LAST = ["Ferrer Olmedo", "Castell Noguera", "Vilar Arrieta", "Soler Quintana", "Marquina Ruiz", "Oyarzun Lago",
        "Belmonte Sanz", "Corbalán Prat", "Escudero Vidal", "Lozano Ibarra", "Tamarit Roca", "Urquiza Bellido"]
PLACES = ["Villalba del Monte", "Santa Olaria", "Riosecano", "Puebla de Arenal", "Valdemora", "Campoalto",
          "Torreblanca del Sil", "San Ginés de Lara"]
STREETS = ["Calle del Olmo 14", "Avenida de los Tilos 3", "Calle Mayor 27", "Paseo del Prado Alto 8",
           "Calle de la Fuente 5"]
HOSPITALS = ["Hospital Comarcal del Valle", "Hospital Santa Olaria", "Clínica Riosecano"]
MONTHS_ES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
             "noviembre", "diciembre"]
MONTHS_EN = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december"]
OFFSET_KEY = "#offset"
SEED_KEY = "#seed"


@dataclass
class RecordKey:
    seed: int
    offset_days: int


def record_key(store: Store, record_id: str) -> RecordKey:
    """The record's seed and date offset (made once at random, then kept)."""
    rows = dict(store.execute("SELECT placeholder, surrogate FROM privacy_surrogates WHERE record_id = ?"
                              " AND placeholder IN (?, ?)", [record_id, OFFSET_KEY, SEED_KEY]))
    if OFFSET_KEY not in rows:
        rng = random.SystemRandom()
        offset = rng.choice([-1, 1]) * rng.randint(30, 400)
        seed = rng.randint(1, 2**31)
        store.execute("INSERT INTO privacy_surrogates VALUES (?, ?, ?), (?, ?, ?) ON CONFLICT DO NOTHING",
                      [record_id, OFFSET_KEY, str(offset), record_id, SEED_KEY, str(seed)])
        return record_key(store, record_id)
    return RecordKey(int(rows[SEED_KEY]), int(rows[OFFSET_KEY]))


def shift_date(surface: str, days: int) -> str | None:
    """``surface`` moved by ``days`` in the same format, or None when it cannot be read."""
    s = surface.strip()
    m = re.fullmatch(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})", s)
    if m:
        d, sep, mo, y = int(m[1]), m[2], int(m[3]), int(m[4])
        year = y + (2000 if y < 50 else 1900) if len(m[4]) == 2 else y
        for day, month in ((d, mo), (mo, d)):  # day first (Spanish), else month first (US)
            try:
                new = dt.date(year, month, day) + dt.timedelta(days=days)
            except ValueError:
                continue
            a, b = (new.day, new.month) if (day, month) == (d, mo) else (new.month, new.day)
            yy = str(new.year) if len(m[4]) == 4 else f"{new.year % 100:02d}"
            return f"{a:0{len(m[1])}d}{sep}{b:0{len(m[3])}d}{sep}{yy}"
        return None
    m = re.fullmatch(r"(\d{1,2})/(\d{4})", s)  # month/year
    if m and 1 <= int(m[1]) <= 12:
        new = dt.date(int(m[2]), int(m[1]), 15) + dt.timedelta(days=days)
        return f"{new.month:0{len(m[1])}d}/{new.year}"
    m = re.fullmatch(r"(\D*?)((?:19|20)\d\d)", s)  # a year, maybe after "desde", "en"
    if m:
        return f"{m[1]}{(dt.date(int(m[2]), 7, 1) + dt.timedelta(days=days)).year}"
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        try:
            return (dt.date(int(m[1]), int(m[2]), int(m[3])) + dt.timedelta(days=days)).isoformat()
        except ValueError:
            return None
    m = re.fullmatch(r"(\d{1,2}) de (\w+)(?: de (\d{4}))?", s, re.I)
    if m and m[2].lower() in MONTHS_ES:
        try:
            new = dt.date(int(m[3] or 2001), MONTHS_ES.index(m[2].lower()) + 1, int(m[1])) + dt.timedelta(days=days)
        except ValueError:
            return None
        return f"{new.day} de {MONTHS_ES[new.month - 1]}" + (f" de {new.year}" if m[3] else "")
    m = re.fullmatch(r"(\w+)\.? (\d{1,2}),? (\d{4})", s)
    if m and m[1].lower() in MONTHS_EN:
        try:
            new = dt.date(int(m[3]), MONTHS_EN.index(m[1].lower()) + 1, int(m[2])) + dt.timedelta(days=days)
        except ValueError:
            return None
        return f"{MONTHS_EN[new.month - 1].capitalize()} {new.day}, {new.year}"
    return None


def _digits_like(surface: str, rng: random.Random) -> str:
    return re.sub(r"\d", lambda _m: str(rng.randint(0, 9)), re.sub(r"[A-Za-z]", lambda _m: rng.choice("KXRTMLP"),
                                                                    surface))


def surrogate_for(phi_type: str, surface: str, index: int, key: RecordKey) -> str | None:
    """A fake surface for one placeholder (None: keep the placeholder, e.g. ages and sex)."""
    rng = random.Random(f"{key.seed}:{phi_type}:{index}")
    if phi_type.startswith("NOMBRE_"):
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if phi_type == "FAMILIARES_SUJETO_ASISTENCIA":
        return None
    if phi_type in ("TERRITORIO",):
        return rng.choice(PLACES)
    if phi_type == "CALLE":
        return rng.choice(STREETS)
    if phi_type in ("HOSPITAL", "CENTRO_SALUD", "INSTITUCION"):
        return rng.choice(HOSPITALS)
    if phi_type == "FECHAS":
        return shift_date(surface, key.offset_days)
    if phi_type == "CORREO_ELECTRONICO":
        return f"{rng.choice(FIRST).lower()}.{rng.randint(10, 99)}@example.org"
    if phi_type.startswith(("ID_", "NUMERO_", "IDENTIF_")) or phi_type == "OTRO_NUMERO_IDENTIF":
        return _digits_like(surface, rng)
    return None


def apply(text: str, mapping: Mapping, key: RecordKey) -> tuple[str, dict[str, str]]:
    """``text`` with each placeholder that has a surrogate replaced; (text, placeholder → surrogate)."""
    table: dict[str, str] = {}
    for n, (ph, (kind, surface)) in enumerate(mapping.entries.items()):
        fake = surrogate_for(kind, surface, n, key)
        if fake:
            table[ph] = fake
    return PLACEHOLDER_RE.sub(lambda m: table.get(m.group(0), m.group(0)), text), table


def save_table(store: Store, record_id: str, table: dict[str, str]) -> None:
    for ph, fake in table.items():
        store.execute("INSERT INTO privacy_surrogates VALUES (?, ?, ?) ON CONFLICT (record_id, placeholder)"
                      " DO UPDATE SET surrogate = excluded.surrogate", [record_id, ph, fake])


def load_table(store: Store, record_id: str) -> dict[str, str]:
    rows = store.execute("SELECT placeholder, surrogate FROM privacy_surrogates WHERE record_id = ?"
                         " AND placeholder NOT LIKE '#%'", [record_id])
    return dict(rows)


def to_placeholders(answer: str, table: dict[str, str]) -> str:
    """``answer`` with each surrogate surface put back as its placeholder (longest first)."""
    for ph, fake in sorted(table.items(), key=lambda kv: -len(kv[1])):
        answer = re.sub(rf"(?<!\w){re.escape(fake)}(?!\w)", ph, answer)
    return answer
