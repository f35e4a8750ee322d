"""Places named in a parenthesised list after a product or maker (gap fillers).

Spanish case reports give a maker's town, state and country in parentheses: ``(Allergan®,
Irvine, California, EE.UU.)``, ``(Cicloplegic, Llorens, Barcelona)``. After the first item,
each comma-separated item that the shipped place or country lists (or the states of the USA)
know as a whole is a ``TERRITORIO`` or ``PAIS``, and the maker named between the product and
its place is an ``INSTITUCION``.
"""

from __future__ import annotations

import re

from clinsum.deid.spans import Span
from clinsum.deid.tagger import active_gazetteer
from clinsum.deid.tokens import phrase_key

# states of the USA (makers' addresses in case reports), full names and postal codes
_STATE_NAMES = ("Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii "
                "Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan "
                "Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon Pennsylvania Tennessee "
                "Texas Utah Vermont Virginia Washington Wisconsin Wyoming")
# codes that are not also common abbreviations or Spanish words (CO, IN, OR, LA, DE, MS … left out)
_STATE_CODES = "AZ CA CT FL GA IL MA MI MN NJ NY NC OH PA TX UT WA WI"
_US_STATES = frozenset(phrase_key(s) for s in [
    *_STATE_NAMES.split(" "), *_STATE_CODES.split(" "), "New York", "New Jersey", "New Hampshire", "New Mexico",
    "North Carolina", "North Dakota", "South Carolina", "South Dakota", "Rhode Island", "West Virginia"])
# countries by their Spanish (and common English) names; names that are also a given name or a US
# state (Israel, Chad, Georgia, Montenegro) left out
_COUNTRIES = (
    "Afganistán|Albania|Alemania|Andorra|Angola|Arabia Saudí|Arabia Saudita|Argelia|Argentina|Armenia|Australia|"
    "Austria|Azerbaiyán|Bangladés|Bangladesh|Bélgica|Belice|Benín|Bielorrusia|Bolivia|Bosnia|Brasil|Bulgaria|"
    "Burkina Faso|Burundi|Cabo Verde|Camboya|Camerún|Canadá|Chile|China|Chipre|Colombia|Corea del Sur|Corea|"
    "Costa de Marfil|Costa Rica|Croacia|Cuba|Dinamarca|Ecuador|Egipto|El Salvador|Emiratos Árabes Unidos|"
    "Eslovaquia|Eslovenia|España|Estados Unidos|Estonia|Etiopía|Filipinas|Finlandia|Francia|Gabón|Gambia|Ghana|"
    "Grecia|Guatemala|Guinea Ecuatorial|Guinea-Bissau|Guinea Bissau|Guinea|Haití|Holanda|Honduras|Hungría|India|"
    "Indonesia|Irak|Iraq|Irán|Irlanda|Islandia|Italia|Jamaica|Japón|Jordania|Kazajistán|Kenia|Kuwait|Letonia|"
    "Líbano|Liberia|Libia|Lituania|Luxemburgo|Madagascar|Malasia|Malí|Mali|Marruecos|Mauritania|México|Moldavia|"
    "Mónaco|Mongolia|Mozambique|Nepal|Nicaragua|Níger|Nigeria|Noruega|Nueva Zelanda|Países Bajos|"
    "Pakistán|Panamá|Paraguay|Perú|Polonia|Portugal|Puerto Rico|Reino Unido|República Checa|República Dominicana|"
    "República Argentina|República de Chile|República de Cuba|República de Colombia|República Oriental del Uruguay|"
    "República Bolivariana de Venezuela|"
    "Rumanía|Rumania|Rusia|Senegal|Serbia|Sierra Leona|Singapur|Siria|Somalia|Sri Lanka|Sudáfrica|Sudán|Suecia|"
    "Suiza|Tailandia|Tanzania|Togo|Túnez|Turquía|Ucrania|Uganda|Uruguay|Venezuela|Vietnam|Yemen|Zambia|"
    "Zimbabue|Spain|France|Germany|Italy|England|Switzerland|Sweden|Japan|Denmark|Netherlands|Belgium|Canada|"
    "Ireland|United Kingdom|United States|USA|U\\.S\\.A\\.|EE\\.[ ]?UU\\.")
_COUNTRY = re.compile(rf"(?<![\w.-])(?:{_COUNTRIES})(?![\w-])")


def is_country(text: str) -> bool:
    """Whether ``text`` is a country's name, as a whole."""
    return _COUNTRY.fullmatch(text) is not None


def country_names(text: str) -> list[Span]:
    """``PAIS`` for each country named in capitals (a gap filler: the tagger's reading wins)."""
    return [Span(m.start(), m.end(), "PAIS", m.group(), "fill") for m in _COUNTRY.finditer(text)]


_POSTAL = re.compile(r"\b(?:CP|C\.P\.?|C[óo]digo[ \t]+[Pp]ostal|CÓDIGO[ \t]+POSTAL)[ \t]*:?[ \t]*(\d{5})\b")


def postal_codes(text: str) -> list[Span]:
    """``TERRITORIO`` for the number after ``CP`` / ``Código Postal`` in running text (10 of 10 in train)."""
    return [Span(m.start(1), m.end(1), "TERRITORIO", m.group(1), "fill") for m in _POSTAL.finditer(text)]


# a postal code right after a town: "Alcalá de Henares (28801)", "Getafe, 28905"
_CODE_AFTER_TOWN = re.compile(r"(?:[ \t]*\([ \t]*|,[ \t]*|[ \t]+)(\d{5})(?![\d.,/-]\d)\b")


def codes_after_towns(text: str, spans: list[Span]) -> list[Span]:
    """``spans`` and a ``TERRITORIO`` for each postal code right after a ``TERRITORIO`` that no span holds
    (each such code of MEDDOCAN train and dev is a gold ``TERRITORIO``: 6 of 6 and 5 of 5)."""
    taken = [(s.start, s.end) for s in spans]
    out = list(spans)
    for s in spans:
        m = _CODE_AFTER_TOWN.match(text, s.end) if s.type == "TERRITORIO" else None
        if m and not any(a < m.end(1) and m.start(1) < b for a, b in taken):
            out.append(Span(m.start(1), m.end(1), "TERRITORIO", m.group(1), "fill"))
    return sorted(out)


_CAPITAL_WORD = r"[A-ZÁÉÍÓÚÑ][^\W\d_]*(?:[’'-][^\W\d_]+)*"
_TOWN_AFTER_CODE = re.compile(
    rf"(?<![\d.,])\d{{5}}[ \t]+({_CAPITAL_WORD}(?:[ \t]+(?:(?:de|del|de[ \t]+la|de[ \t]+les|la|el|les|d’)[ \t]+)?"
    rf"{_CAPITAL_WORD})*)(?=[ \t]*(?:[.,(\n]|$|[Ee]-?mail|Tel|España))")
# what ends a town's run: a phone label or a country
_RUN_END = re.compile(rf"[ \t]+(?:T(?:el|elf|fno|lf|eléfono)|Fax|(?:{_COUNTRIES}))\b.*$")
# Spanish provinces and regions, which follow a town with no comma (``Ponferrada León``)
_PROVINCES = (
    "(?:Álava|Araba|Albacete|Alicante|Alacant|Almería|Asturias|Ávila|Badajoz|Barcelona|Burgos|Cáceres|Cádiz|"
    "Cantabria|Castellón|Ciudad Real|Córdoba|A Coruña|La Coruña|Cuenca|Girona|Gerona|Granada|Guadalajara|"
    "Gipuzkoa|Guipúzcoa|Huelva|Huesca|Baleares|Illes Balears|Jaén|León|Lleida|Lérida|La Rioja|Lugo|Madrid|"
    "Málaga|Murcia|Navarra|Ourense|Orense|Palencia|Las Palmas|Pontevedra|Salamanca|Tenerife|Segovia|Sevilla|"
    "Soria|Tarragona|Teruel|Toledo|Valencia|Valladolid|Bizkaia|Vizcaya|Zamora|Zaragoza|Ceuta|Melilla|Andalucía|"
    "Aragón|Canarias|Islas Canarias|Islas Baleares|Cataluña|Catalunya|Extremadura|Galicia|Euskadi)")
# (not "Nuevo León" nor "Baja California": a state of its own)
TOWN_PROVINCE = re.compile(rf"(?!(?:Nuevo|Nueva|Nvo|Nva|Baja|Bajo|Alta|Alto)\.?[ \t]+\S+$)"
                           rf"(?P<town>.*?\S)(?<![ \t]de)(?<![ \t]del)(?<![ \t]la)[ \t]+(?P<province>{_PROVINCES})")


def towns_after_codes(text: str) -> list[Span]:
    """``TERRITORIO`` for the capitalized words between a postal code and the next period, comma,
    phone label or country (``08907 L’Hospitalet de Llobregat. e-mail``), the town and a province
    after it apart (``24411 Ponferrada León``): 275 of 276 such runs of MEDDOCAN train are gold
    places, so the run is a fuller reading of the tagger's shorter one (``Miranda`` of ``Miranda de
    Ebro``) and a gap filler where it found nothing."""
    out = []
    for m in _TOWN_AFTER_CODE.finditer(text):
        run = _RUN_END.sub("", m.group(1))
        if re.search(r"(?:^|[ \t])[A-Z]$", run):  # an abbreviation cut at its dot (México D.F.)
            continue
        pair = TOWN_PROVINCE.fullmatch(run)
        for group, value in ((pair.start(g), pair.group(g)) for g in ("town", "province")) if pair else [(0, run)]:
            start = m.start(1) + group
            out.append(Span(start, start + len(value), "TERRITORIO", value, "rule"))
    return out


_PARENS = re.compile(r"\(([^()\n]{3,200})\)")
_ITEM = re.compile(r"[^,;]+")


_TOWN_SHAPE = re.compile(rf"{_CAPITAL_WORD}(?:[ \t]+(?:de[ \t]+)?{_CAPITAL_WORD}){{0,3}}")


def _item_value(item: re.Match[str]) -> str:
    value = item.group().strip()
    return value if value.endswith("UU.") else value.rstrip(".")


def listed_places(text: str) -> list[Span]:
    """``TERRITORIO`` / ``PAIS`` spans for the later items of each list in parentheses that the lists
    know, and for the capitalized item right before a state or a country (``Irvine, California``: 16 of 17
    such items of MEDDOCAN train are a gold TERRITORIO, so this reading wins over the tagger's)."""
    lists = active_gazetteer().phrases
    places, countries = lists.get("place", frozenset()) | _US_STATES, lists.get("country", frozenset())
    out = []
    for m in _PARENS.finditer(text):
        items = list(_ITEM.finditer(m.group(1)))
        keys = [phrase_key(_item_value(item)) for item in items]
        for i, item in enumerate(items[1:], 1):
            value = _item_value(item)
            if not value:
                continue
            start = m.start(1) + item.start() + item.group().index(value)
            key = keys[i]
            kind = "PAIS" if key in countries else "TERRITORIO" if key in places else None
            source = "fill"
            if kind is None and i + 1 < len(items) and (keys[i + 1] in _US_STATES or keys[i + 1] in countries) \
                    and _TOWN_SHAPE.fullmatch(value):
                kind, source = "TERRITORIO", "form"  # the shape is the evidence: it wins over the tagger
            if kind:
                out.append(Span(start, start + len(value), kind, value, source))
    return out


#: a company's legal form (``Inc.``, ``GmbH``, ``S.A.``); alone (``(Ohio Medical Instrument Co, Inc.,
#: Cincinnati, Oh, USA)``) it names no maker
LEGAL_FORMS = r"Inc|Ltd|S\.?A|S\.?L|Co|Corp|GmbH|AG|LLC|PLC"
_SUFFIX = re.compile(rf"(?i)(?:{LEGAL_FORMS})\.?")


def listed_makers(text: str, places_found: list[Span] | None = None) -> list[Span]:
    """``INSTITUCION`` spans for the maker in ``(product, maker, place …)``: the second item of a list
    in parentheses whose third item the lists know as a place or country (``(edemox®, Chiesi
    wassermann, Madrid, Spain)``; each such maker of MEDDOCAN train is a gold INSTITUCION, 12 of 12),
    or whose fourth is one (``(NOxPUMP plus, Bedfont Scientific Ltd, Upchurch Kent, England)``),
    up to a period inside it (``Dräger Medizintechnik GMBH. Lübeck``), without a trailing ® or ™;
    never an item read as a place (``places_found``, default :func:`listed_places`)."""
    lists = active_gazetteer().phrases
    known = lists.get("place", frozenset()) | lists.get("country", frozenset()) | _US_STATES
    taken = listed_places(text) if places_found is None else places_found
    out = []
    for m in _PARENS.finditer(text):
        items = list(_ITEM.finditer(m.group(1)))
        if len(items) < 3:
            continue
        later = [_item_value(item) for item in items[2:4]]  # a known town, or a country after a town
        if not any(is_country(v) or phrase_key(v) in known for v in later):
            continue
        raw = items[1].group()
        value = re.split(r"\.[ \t]", raw.strip(), maxsplit=1)[0].strip().rstrip("®™ \t.")
        if not value[:1].isupper() or is_country(value) or phrase_key(value) in known or _SUFFIX.fullmatch(value):
            continue
        start = m.start(1) + items[1].start() + raw.index(value)
        end = start + len(value)
        if not any(p.start < end and start < p.end for p in taken):
            out.append(Span(start, end, "INSTITUCION", value, "rule"))
    return out
