"""Fixed-form PHI of Spanish records that the tagger misses or mistypes.

Each rule yields spans with a ``source`` that says how far to trust it against the tagger
(see :func:`clinsum.deid.spans.remove_overlaps`):

- ``field``: the value of a labelled header line (``Paciente:``, ``Médico responsable:``,
  ``NASS:``, ``Cama:``) or a letterhead in capitals; the label decides the type, whatever
  the tagger read there (:mod:`clinsum.deid.fields_es`).
- ``form``: a shape that is PHI wherever it appears (grouped phone numbers, ``Centro de Salud
  …``, vehicle plates, regional health services).
- ``rule``: a reading that replaces a shorter tagger span of the same type inside it
  (street names after ``Avda.``/``C/``, hospital names in title case).
- ``fill``: used only where the tagger found nothing (ages and dates in words, month/year
  dates, years next to events, relatives, professions).
"""

from __future__ import annotations

import re

from clinsum.deid.demographics import demographic_spans
from clinsum.deid.fields_es import NOT_IN_NAMES, field_spans
from clinsum.deid.places import (
    LEGAL_FORMS,
    country_names,
    is_country,
    listed_makers,
    listed_places,
    postal_codes,
    towns_after_codes,
)
from clinsum.deid.spans import Span, match_span, names_nothing

# ---------------------------------------------------------------- words and numbers
_UNITS = ("un|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|catorce|quince|"
          "dieciséis|dieciseis|diecisiete|dieciocho|diecinueve|veinte|veintiun|veintiuno|veintiuna|veintidós|"
          "veintidos|veintitrés|veintitres|veinticuatro|veinticinco|veintiséis|veintiseis|veintisiete|"
          "veintiocho|veintinueve")
_TENS = "treinta|cuarenta|cincuenta|sesenta|setenta|ochenta|noventa"
#: a number from one to one hundred and nineteen written in Spanish words
NUMBER_WORDS = rf"(?:(?:cien(?:to)?(?:\s+y)?\s+)?(?:(?:{_TENS})(?:\s+y\s+(?:{_UNITS}))?|{_UNITS})|cien)"
#: the tens a number in words opens with ("ochenta y " of "ochenta y dos años")
TENS_AND = re.compile(rf"(?i)\b(?:{_TENS})[ \t]+y[ \t]+$")
_MONTHS = ("enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|"
           "diciembre")
_DAY_WORDS = rf"(?:primero|{_UNITS}|treinta(?:\s+y\s+uno)?)"
_YEAR_WORDS = rf"(?:mil\s+novecientos(?:\s+{NUMBER_WORDS})?|dos\s+mil(?:\s+{NUMBER_WORDS})?)"
_AGE_UNIT = r"(?:años|año|meses|mes|semanas|días|anys|anos)"  # and Catalan "anys", Galician "anos"
_NUM = rf"(?:\d{{1,3}}|{NUMBER_WORDS})"
_TEEN_UP = (r"(?:[1-9]\d|once|doce|trece|catorce|quince|dieci\w+|veinti\w+|"
            r"(?:veinte|treinta|cuarenta|cincuenta|sesenta|setenta|ochenta|noventa)(?:[ \t]+y[ \t]+\w+)?)")

# ---------------------------------------------------------------- fixed forms
_PHONE_BODY = (r"[6789]\d{8}|[6789]\d{2}[ .-]\d{3}[ .-]\d{3}|[6789]\d{2}[ .-]\d{2}[ .-]\d{2}[ .-]\d{2}|"
               r"[6789]\d[ .-]\d{3}[ .-]\d{2}[ .-]\d{2}|[6789]\d{2}[ .-]\d{6}")
PHONE = re.compile(
    rf"(?<![\w,/+-])(?<!\d\.)(?P<v>(?:(?:00|\+)[ ]?34[ .-]*)?(?:{_PHONE_BODY})(?:[ ,]*(?:ext|extensión|ext\.)[ .:]*\d{{2,5}})?)"
    r"(?!\w|[.,/-]\d)")
PHONE_LABEL = re.compile(r"(?i)\b(?:tel[eé]fonos?|tel|telf|tfno|tf|tlf|tlfno|m[oó]vil|celular|fax|llamar|contacto)\b")
_FAX_LABEL = re.compile(r"(?i)\bfax\b")
_GROUPED = re.compile(r"[ .-]")

_CONNECT = r"(?:de|del|la|las|los|el|y|d'|l'|i|da|do|dos)"
_STREET_WORDS = (r"(?:C|Calle|Avda|Avd|Av|Avenida|Avinguda|Ctra|Carretera|Pza|Plaza|Pl|Paseo|Camino|Ronda|Travesía|Rúa|"
                 r"Urb|Urbanización|Glorieta|Pasaje|Polígono|Bulevar|Boulevard|Carrer|Rambla|Vía|Passeig|Plaça)")
# a capitalized word that does not start a street (``Centro de Salud Norte. C/ …`` ends at ``Norte``)
_NAME_WORD = rf"(?!{_STREET_WORDS}\b|P[º°])[A-ZÁÉÍÓÚÑÜ][\w'’ª-]*(?![/\w])"
_NAME = rf"{_NAME_WORD}(?:[ \t]+(?:{_CONNECT}[ \t]+)*{_NAME_WORD}){{0,5}}"
CENTRO_SALUD = re.compile(
    rf"\b(?:Centro\s+de\s+Salud|Centro\s+de\s+Atenci[óo]n\s+Primaria|C\.\s?S\.|CS|CAP|ABS|EAP|Consultorio\s+Local|"
    rf"Ambulatorio)[ \t]+(?:{_CONNECT}[ \t]+)*{_NAME}")
HEALTH_SERVICES = re.compile(
    r"\b(?:Servicio\s+(?:Madrileño|Andaluz|Canario|Cántabro|Gallego|Murciano|Navarro|Riojano|Aragonés|Extremeño|"
    r"Vasco|Valenciano|Castellano-Leonés|de\s+Salud\s+de\s+Castilla-La\s+Mancha)\s+de\s+Salud|"
    r"Servei\s+Català\s+de\s+la\s+Salut|Institut\s+Català\s+de\s+la\s+Salut|Osakidetza|SERGAS|SESCAM|SACYL|"
    r"Servicio\s+de\s+Salud\s+del\s+Principado\s+de\s+Asturias|SESPA|IB-Salut|ONCE|SAMUR|SUMMA\s*112|INSS)\b")
# drug and device makers (MEDDOCAN's INSTITUCION); names that are also surnames are left to the tagger
COMPANIES = re.compile(
    r"\b(?:Pfizer|Merck|MSD|Allergan|Eli\s+Lilly|Schering-Plough|Roche|Novartis|"
    r"Sanofi(?:[\s-]Aventis)?|Bayer|Abbott(?:\s+Diagnostics)?|Alcon(?:[\s-]Cus[ií](?:\s+SA)?)?|Bausch\s+(?:&|and)\s+Lomb|"
    r"Baush\s+and\s+Lomb|Carl\s+Zeiss|Humphrey\s+Zeiss\s+Instruments|Johnson\s+&\s+Johnson|"
    r"Boston\s+Scientific(?:\s+Corporation)?|Medtronic|Septodont|Chiesi|Biogen|Bristol-Myers\s+Squibb|"
    r"GlaxoSmithKline|Glaxo\s+Smith\s+Kline|AstraZeneca|Boehringer\s+Ingelheim|Janssen(?:-Cilag)?|Almirall|"
    r"Grifols|Cinfa|Normon|Kern\s+Pharma|Angelini(?:\s+Farmacéutica)?|Nestlé(?:\s+Healthcare\s+Nutrition)?|"
    r"Fresenius(?:\s+Kabi)?|Baxter|B\.\s?Braun|Olympus|Stryker|Smith\s+&\s+Nephew|Dräger(?:\s+Medizintechnik)?|"
    r"Hewlett\s+Packard|Geistlich|"
    r"Straumann|Nobel\s+Biocare|Dentsply|Ivoclar|Coloplast|ConvaTec|Menarini|Lundbeck|Otsuka|Takeda|Gilead|"
    r"Amgen|Servier|Pierre\s+Fabre|Galderma|Ipsen|Leo\s+Pharma|Galimplant|Medartis|Polytech|"
    r"Sanitas|Adeslas|Asisa|DKV|Mapfre|MUFACE|ISFAS|MUGEJU)\b"
    rf"(?:\s+(?:{LEGAL_FORMS})\b)?")
ORGANISATION = re.compile(
    rf"\b(?:Universidad|Universitat|Facultad|Instituto|Institut|Fundación|Fundació|Centro\s+Penitenciario|"
    rf"Centro\s+Nacional|[Rr]esidencia|Juzgado|Asociación|Sociedad|Laboratorios?|Laboratori|Colegio\s+Oficial|Escuela|[Cc]olegio|"
    rf"Ayuntamiento|Ajuntament|Concello|"
    rf"IES|CEIP|[Gg]uardería|[Pp]arroquia(?:[ \t]+de)?)"
    rf"(?:[ \t]+(?:{_CONNECT}[ \t]+)*(?!{NOT_IN_NAMES}){_NAME_WORD}){{1,6}}")
PLATE = re.compile(r"\b\d{4}[ -]?[BCDFGHJKLMNPRSTVWXYZ]{3}\b")
NASS = re.compile(r"\b\d{2}[ /-]\d{8}[ /-]\d{2}\b")

_STREET_TYPES = (r"C/|c/|Calle|calle|avenida|(?<!°)(?<!\d )(?<!\d[oº] )(?<!hepatitis )(?<!virus )(?<!vitamina )(?<!tipo )(?<!grupo )(?<!clase )(?<! o )(?<! y )C\.(?![ \t]*(?:P\b|El|La|Los|Las|A|En|Se|No|Al|Con|Tras|Un|Una)\b)|Avda\.?|Avd\.|Av\.|Avenida|Avinguda|Ctra\.?|Carretera|Pza\.?|Plaza|Pl\.|P[º°]\.?|P\.[º°]|"
                 r"Paseo|Camino|Ronda|Travesía|Trav\.|Rúa|Urb\.|Urbanización|Glorieta|Callejón|Pasaje|Polígono|"
                 r"Pol\.|Bulevar|Boulevard|Carrer|Rambla|Via|Vía|Passeig|Plaça|Travessera|"
                 # the Catalan and Galician words in lower case ("vive en el carrer Major 12")
                 r"carrer|avinguda|passeig|travessera|rúa")
_HOUSE = (r"(?:,?[ \t]*(?:n[º°o.]*[ \t]*)?\d{1,4}(?!\d)[A-Za-z]?(?:[ \t]*[-–][ \t]*\d{1,3}(?!\d))?|,?[ \t]*s/n)?"
          r"(?:,?[ \t]*\d+[º°ªo]?[ \t]*(?:[A-H]|izq(?:uierda)?|dcha|der(?:echa)?)\b\.?)?")
STREET = re.compile(rf"(?<![\w/.])(?:{_STREET_TYPES})[ \t]*(?:{_CONNECT}[ \t]+)*{_NAME}{_HOUSE}")
# Basque addresses put the street type after the name: "Zapatari Kalea, 3", "Begiristain Doktorea Pasealekua, 109"
BASQUE_STREET = re.compile(rf"\b(?:{_NAME_WORD}[ \t]+){{1,4}}(?:Kalea|Etorbidea|Pasealekua|Hiribidea|Enparantza|Errepidea)"
                           rf"(?:(?=,?[ \t]*\d)[ \t]*,?[ \t]*\d{{1,4}}(?!\d)[A-Za-z]?)?")

HOSPITAL_TITLE = re.compile(
    rf"(?<!Entrevista )\b(?!Hospital\s+de\s+D[íi]a\b)(?:Hospital|Complejo\s+Hospitalario|Complexo\s+Hospitalario|Clínica|Policlínica|Sanatorio)"
    rf"(?:[ \t]+(?:{_CONNECT}[ \t]+)*(?:(?!{NOT_IN_NAMES}){_NAME_WORD}|\d+\s+de\s+[A-Z][a-z]+)){{1,6}}")

# ---------------------------------------------------------------- ages, dates, relatives, professions
_PATIENT_NOUNS = (r"paciente|pacient|varón|var[oó]n|mujer|hombre|niñ[oa]|lactante|neonato|recién\s+nacid[oa]|puérpera|"
                  r"gestante|primigesta|secundigesta|multípara|chic[oa]|joven|adolescente|ancian[oa]|señora?|bebé|"
                  r"preescolar|escolar|sujeto|enferm[oa]")
_ORDINALS = r"(?:primer|segundo|tercer|cuarto|quinto|sexto|séptimo|octavo|noveno|décimo|undécimo|duodécimo)"
AGES: list[re.Pattern[str]] = [
    re.compile(rf"(?i)\b(?:{_PATIENT_NOUNS})(?:[ \t]+[\wáéíóúñ]+)?[ \t]+de[ \t]+(?P<v>{_NUM}[ \t]+{_AGE_UNIT})\b"
               rf"(?![ \t]+de[ \t]+(?:evoluci[óo]n|seguimiento|duraci[óo]n|tratamiento|ingreso))"),
    re.compile(rf"(?i)\b(?P<v>{_NUM}[ \t]+{_AGE_UNIT})[ \t]+de[ \t]+(?:edad|vida)\b"),
    # "al mes de vida", "al cuarto mes de vida": one month old, four months old
    re.compile(rf"(?i)\bal[ \t]+(?P<v>(?:{_ORDINALS}[ \t]+)?(?:mes|año|día)|{_ORDINALS}[ \t]+semana)[ \t]+de[ \t]+vida\b"),
    re.compile(rf"(?i)\ba[ \t]+la[ \t]+edad[ \t]+de[ \t]+(?P<v>{_NUM}(?:[ \t]+{_AGE_UNIT})?)\b"),
    re.compile(rf"(?i)\b(?:cuando|mientras)[ \t]+tenía[ \t]+(?P<v>{_NUM}[ \t]+{_AGE_UNIT})\b"),
    re.compile(rf"(?i)\bedad[ \t]*:?[ \t]*(?P<v>{_NUM}[ \t]+{_AGE_UNIT})\b"),
    # "a los 31 años consultó", "desde los 20 años": ten or more years (fewer is mostly a time since)
    re.compile(rf"(?i)\b(?:a|desde|hasta)[ \t]+los[ \t]+(?P<v>{_TEEN_UP}[ \t]+años)\b"
               r"(?![ \t]+(?:de|del|tras|después|desde|postrasplante|posterior)\b)"),
    re.compile(rf"(?i)\bde[ \t]+los[ \t]+(?P<v>{_TEEN_UP})[ \t]+a[ \t]+los[ \t]+{_TEEN_UP}[ \t]+años\b"),
    # years abbreviated "a." where an age stands ("Paciente: …, 82 a., varón", "Paciente de 45 a. remitida"; not
    # "10 a. m."; none in MEDDOCAN, which writes "años")
    re.compile(r"(?:,|\(|\b(?i:de))[ \t]*(?P<v>\d{1,3}[ \t]?a\.)(?![ \t]*m\.)"
               r"(?=[ \t]*[,;)]|[ \t]+(?:remitid|acude|ingres|que|con|sin|var[oó]n|mujer|hombre))"),
]
DATES: list[re.Pattern[str]] = [
    # 03/2024, 3-2024, 04.2023
    re.compile(r"(?<![\d/.-])(?:0?[1-9]|1[0-2])[/.-](?:19\d\d|20[0-3]\d)\b(?![/.-]\d)"),
    # cinco de abril de dos mil veinte, primero de mayo
    re.compile(rf"(?i)\b{_DAY_WORDS}[ \t]+de[ \t]+(?:{_MONTHS})(?:[ \t]+de(?:l)?[ \t]+(?:(?:19|20)\d\d|{_YEAR_WORDS}))?\b"),
    re.compile(rf"(?i)\b(?:{_MONTHS})[ \t]+de(?:l)?[ \t]+{_YEAR_WORDS}\b"),
    # mes de abril
    re.compile(rf"(?i)\bmes[ \t]+de[ \t]+(?:{_MONTHS})\b"),
    # the month in Roman numerals: 15-III-2023, 3/IV/48, 1.XII.2019
    re.compile(r"(?<![\w/.-])(?:0?[1-9]|[12]\d|3[01])([-/.])(?:I|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII)\1(?:19|20)?\d\d\b"
               r"(?![/.-]\d)"),
]
# a year or a lower-case month next to words that place an event in time
YEAR_NEAR_EVENT = re.compile(
    r"(?i)\b(?:en|desde|hasta|del|año|años|durante|entre|hacia|antes\s+de|después\s+de|a\s+finales\s+de|"
    r"a\s+principios\s+de|a\s+mediados\s+de|y)[ \t]+(?:el[ \t]+)?(?:año[ \t]+)?(?P<v>(?:19|20)\d\d)\b"
    r"(?![ \t]*(?:mg|ml|g|UI|cc|mcg|µg|kg|mm|cm|%|x|/|[.,]\d|-\d))")
# a month on its own ("En junio del mismo año", "de Marzo a Mayo"): 136 of 137 month words of MEDDOCAN
# train that no other span holds are dates
MONTH_NEAR_EVENT = re.compile(rf"(?i)\b(?P<v>{_MONTHS})\b(?![ \t]+de[ \t]+\d)")
# a day and month after "el pasado" / "el día" ("el pasado 3/4", "el día 14/02"), never a fraction
DAY_MONTH = re.compile(r"(?i)\b(?:el[ \t]+pasado|el[ \t]+d[íi]a|d[íi]a)[ \t]+"
                       r"(?P<v>(?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|1[0-2]))\b(?![/.,]\d)")
# two months sharing a year are one date, the fuller reading of the tagger's "abril de 2002"
MONTH_PAIR = re.compile(rf"(?i)\b(?:{_MONTHS})[ \t]+y[ \t]+(?:{_MONTHS})[ \t]+de(?:l)?[ \t]+(?:19|20)\d\d\b")

#: the relatives' words (lower case) that say who a relative is wherever they stand
KIN_WORDS = (r"madre|padre|padres|herman[oa]s?|hij[oa]s?|t[íi][oa]s?|abuel[oa]s?|prim[oa]s?|sobrin[oa]s?|marido|"
             r"espos[oa]|niet[oa]s?")
#: relatives in Catalan and Galician, where no Spanish word is spelt the same ("la seva filla", "o seu fillo", "A nai")
CO_OFFICIAL_KIN = r"mare|fill|filla|fills|germà|germana|avi|àvia|marit|nai|fillo|fillos|irmán|irmá|avó|avoa"
#: relatives by marriage
IN_LAWS = r"cuñad[oa]|suegr[oa]|yerno|nuera"
# with the words that need "su"/"el" before them to be a relative ("su mujer", "el tutor legal")
_RELATIVES = (rf"{KIN_WORDS}|mujer|pareja|novi[oa]|{IN_LAWS}|progenitor(?:a|es)?|"
              r"familiar(?:es)?|cuidador(?:a)?|tutor(?:a)?(?:\s+legal)?")
# "hermana mayor", "primo materno", "padres jóvenes": MEDDOCAN keeps the word that says which relative
RELATIVE_WITH_MODIFIER = re.compile(
    r"(?i)\b(?:herman[oa]s?|hij[oa]s?|prim[oa]s?|sobrin[oa]s?|t[ií][oa]s?|abuel[oa]s?|niet[oa]s?|padres|padre|madre)"
    r"[ \t]+(?:matern[oa]s?|patern[oa]s?|mayor|menor|gemel[oa]s?|varón|varones|pequeñ[oa]|jóvenes|joven)\b")
# "2 sobrinos", "tres hermanos varones": MEDDOCAN keeps the count (15 of 16 such relatives of train;
# "un hermano" is split 4 to 12, so one is left to the tagger)
RELATIVES_COUNTED = re.compile(
    rf"(?i)\b(?!un\b|una\b|uno\b)(?:\d{{1,2}}|{NUMBER_WORDS})[ \t]+(?:hij[oa]s|herman[oa]s|prim[oa]s|sobrin[oa]s|"
    r"t[ií][oa]s|abuel[oa]s|niet[oa]s|familiares|progenitores)"
    r"(?:[ \t]+(?:matern[oa]s|patern[oa]s|mayores|menores|gemel[oa]s|varones|herman[oa]s))?\b")
# "Hijo de una prima hermana de su pareja", "hija de otro primo", "Primo de rama paterna": a relative named
# through another is one relative (4 of 4 such chains of MEDDOCAN train), but "hija de padres jóvenes"
# describes the patient (3 of 3 split)
_KIN_MOD = r"(?:[ \t]+(?:matern[oa]s?|patern[oa]s?|herman[oa]s?|mayor|menor|mediano))?"
RELATIVE_CHAIN = re.compile(
    rf"(?i)\b(?:{KIN_WORDS}){_KIN_MOD}(?:[ \t]+de[ \t]+(?:(?:un|una|otro|otra|su|sus|la|el|los|las)[ \t]+)?"
    rf"(?!padres\b)(?:{KIN_WORDS}|pareja|rama){_KIN_MOD})+\b")
#: what makes the relative word after it something else ("médico de familia", "células madre",
#: "vesículas hijas", "solución madre", "materia prima")
NOT_RELATIVE_BEFORE = re.compile(r"(?i)(?:(?:médic[oa]s?|medicina|consulta|planificación|unidad)\s+de|vesículas?|"
                                 r"células?|soluci[óo]n(?:es)?|materias?|números?)\s+$")
# "madre e hijo negativos", "tiene un bisabuelo diabético", "(padre, tío y tía paterna)": a relative
# word in lower case with nothing before it that says who (each such word the tagger missed in
# cross-validated MEDDOCAN train is a gold relative: 7 of 7 whole, and one inside a longer one)
RELATIVE_BARE = re.compile(rf"\b(?:{KIN_WORDS}|bisabuel[oa]s?|cuñad[oa]s?|suegr[oa]s?|progenitor(?:a|es)?)\b")
# "su hija Maite", "su hermano, Juan Pérez", "su madre (María)": the name after a relative is the relative's
# (each name so placed in MEDDOCAN train is a gold relative, 7 of 7; in dev 3 of 4, the fourth a gold error)
# and after a relative in lower case that opens a list item ("Contacto: familia (hermano Iñaki, 688 …; cuñada
# Begoña)")
RELATIVES_NAME = re.compile(
    rf"(?:\b(?i:su|sus|el|la|un|una)[ \t]+(?i:otr[oa][ \t]+)?(?i:{KIN_WORDS})|(?:^|(?<=[(,;:])[ \t]*)(?:{KIN_WORDS}|{IN_LAWS})"
    # (and in Catalan and Galician: "la seva filla, Montserrat", "o seu fillo Xoán", "A nai, Carme")
    rf"|(?:\b(?i:la[ \t]+seva|la[ \t]+seua|el[ \t]+seu|o[ \t]+seu|a[ \t]+súa|a[ \t]+sua)|(?:^|(?<=[.;:][ \t]))[AO])"
    rf"[ \t]+(?:{CO_OFFICIAL_KIN}))"
    r"(?:[ \t]+(?:mayor|menor|matern[oa]|patern[oa]))?"
    r"(?:,[ \t]*|[ \t]*\([ \t]*|[ \t]+)(?P<v>[A-ZÁÉÍÓÚÑ](?:[a-záéíóúñü]{2,}|[A-ZÁÉÍÓÚÑÜ]{2,})"
    r"(?:[ \t]+[A-ZÁÉÍÓÚÑ](?:[a-záéíóúñü]+|[A-ZÁÉÍÓÚÑÜ]+)){0,3})\b(?![ \t]*\d)",
    re.M)
# "su amiga Maite", "su vecino, Julián Ortega": someone close to the patient, named; MEDDOCAN types those who
# come with the patient or are to be called as relatives (none so named in its train)
CLOSE_ONES_NAME = re.compile(
    r"\b(?i:su|sus|una|un)[ \t]+(?i:amig[oa]s?|vecin[oa]s?|compañer[oa]s?(?:[ \t]+de[ \t]+piso)?)(?:,[ \t]*|[ \t]+)"
    r"(?P<v>[A-ZÁÉÍÓÚÑ][a-záéíóúñü]{2,}(?:[ \t]+[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+){0,3})\b")
# "Viene con Marisa Llorente (hija)": a name with its relation after it in parentheses
NAME_WITH_RELATION = re.compile(
    r"(?P<v>[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+(?:[ \t]+(?:(?:de|del)[ \t]+)?[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+){0,3})"
    rf"[ \t]*\((?:su[ \t]+)?(?:{KIN_WORDS}|{IN_LAWS}|pareja|mujer)[),]")
RELATIVE = re.compile(rf"(?i)\b(?:su|sus|el|la|los|las)[ \t]+(?P<v>{_RELATIVES})\b(?![ \t]+(?:de[ \t]+)?(?:familia|cabecera))")

_PROFESSIONS = (r"albañil|agricultor(?:a)?|ganader[oa]|pescador(?:a)?|militar|polic[ií]a|guardia\s+civil|bombero|"
                r"azafata|camarer[oa]|cociner[oa]|carpinter[oa]|electricista|fontaner[oa]|mecánic[oa]|"
                r"conductor(?:a)?|camioner[oa]|taxista|transportista|maestr[oa]|profesor(?:a)?|abogad[oa]|"
                r"ingenier[oa]|arquitect[oa]|administrativ[oa]|dependient[ea]|comercial|vendedor(?:a)?|"
                r"peluquer[oa]|minero|soldador(?:a)?|pintor(?:a)?|panader[oa]|carnicer[oa]|jardiner[oa]|"
                r"estudiante|ama\s+de\s+casa|empleada\s+del\s+hogar|limpiador(?:a)?|veterinari[oa]|"
                r"futbolista|deportista(?:\s+profesional)?|ciclista(?:\s+profesional)?|granjer[oa]|"
                r"funcionari[oa]|informátic[oa]|periodista|músico|cantante|actor|actriz|modelo|"
                r"auxiliar(?:\s+(?:de\s+enfermería|de\s+clínica|administrativ[oa]))?|monitor(?:a)?\s+de\s+[\wáéíóúñ]+|"
                r"jugador(?:a)?\s+de\s+[\wáéíóúñ]+|operari[oa]|"
                r"trabajador(?:a)?\s+(?:de|en)\s+(?:la\s+|el\s+|una\s+|un\s+)?[\wáéíóúñ]+")
# a profession named in full, wherever it stands ("la auxiliar de enfermería reconoce", "Varón de 26 años
# deportista profesional")
_WHOLE_PROFESSIONS = (r"auxiliar\s+de\s+enfermería|ama\s+de\s+casa|tareas\s+del\s+hogar|guardia\s+civil|"
                      r"deportista\s+profesional|jugador(?:a)?\s+de\s+(?:fútbol|baloncesto|balonmano|tenis|rugby)|"
                      r"empleada\s+del\s+hogar")
PROFESSION = re.compile(
    rf"(?i)(?:\b(?:de\s+profesión[ \t]*:?|(?:profesión|ocupación|oficio)[ \t]*:|(?:trabaja(?:ba)?|trabajó|ha\s+trabajado)(?:\s+en\s+[A-ZÁÉÍÓÚÑ][\wáéíóúñ]+(?:\s+[A-ZÁÉÍÓÚÑ][\wáéíóúñ]+)*)?\s+(?:como|de)|ejerce\s+(?:como|de)|"
    rf"jubilad[oa]\s+(?:de|como))[ \t]*:?[ \t]*(?P<v>[\wáéíóúñ]+(?:[ \t]+(?:de|en|del)[ \t]+(?!(?:el|la|los|las|un|una)\b)[\wáéíóúñ]+)?)"
    rf"|(?:,|\bcomo)[ \t]*(?P<w>{_PROFESSIONS})[ \t]*(?=[,.;)])"
    rf"|\b(?P<x>{_WHOLE_PROFESSIONS})\b)")


# what an employer, a place the patient lives in or a clinician's name never starts with
_NO_UNIT_OR_HOSPITAL = rf"(?!{NOT_IN_NAMES}|Hospital|Cl[íi]nica|Centro)"
# "trabaja en Mercadona de cajera": where the patient works
EMPLOYER = re.compile(r"(?i:\b(?:trabaja(?:ba)?|trabajó|ha[ \t]+trabajado|emplead[oa])[ \t]+en)[ \t]+"
                      rf"(?P<v>{_NO_UNIT_OR_HOSPITAL}[A-ZÁÉÍÓÚÑ][\wáéíóúñ]+"
                      r"(?:[ \t]+(?:(?:de|del|la)[ \t]+)?[A-ZÁÉÍÓÚÑ][\wáéíóúñ]+){0,3})\b")
# "la enfermera Nerea Zubizarreta", "el fisioterapeuta Iker Sanz Ortiz": a first name and a surname after a care
# role is a clinician's (none in MEDDOCAN train, where they sign in fields)
_CARE_ROLES = (r"enfermer[oa]|matrona|fisioterapeuta|auxiliar(?:[ \t]+de[ \t]+enfermería)?|trabajador[a]?[ \t]+social|"
               r"psicólog[oa]|médic[oa](?:[ \t]+(?:residente|adjunt[oa]))?|doctor[a]?|cirujan[oa]|pediatra|celador[a]?|"
               r"técnic[oa]|odontólog[oa]|logopeda|terapeuta[ \t]+ocupacional|residente")
_CARE_ROLE = rf"(?i:\b(?:el|la)[ \t]+(?:{_CARE_ROLES}))[ \t]+"
#: a care role right before (``la enfermera ``), where a name is a clinician's
CARE_ROLE_BEFORE = re.compile(rf"{_CARE_ROLE}$")
STAFF_BY_ROLE = re.compile(
    rf"{_CARE_ROLE}(?P<v>{_NO_UNIT_OR_HOSPITAL}"
    r"[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+(?:[ \t]+(?:(?:de|del|la|y)[ \t]+)?[A-ZÁÉÍÓÚÑ][a-záéíóúñü'’-]+){1,3})\b")
# "Vive en Laguna de Duero", "natural de Lugo", "procedente de Marruecos": where the patient lives or comes from
# (and "vive sola en Torrelavega", "reside actualmente en Vigo", "vive con su hija en Lorca")
# (each such capitalized run of MEDDOCAN train is a gold place, 8 of 8, but for a hospital's service)
RESIDENCE = re.compile(
    r"(?i:\b(?:vive|viven|viv[íi]a|viv[íi]an|reside|residen|resid[íi]a|residente|vecin[oa]|natural|procedente|"
    r"originari[oa]|nacid[oa]|"
    r"domiciliad[oa])(?:[ \t]+(?:sol[oa]|actualmente|habitualmente|con[ \t]+(?:su|sus)[ \t]+[a-záéíóúñ]+))?"
    r"[ \t]+(?:en|de|del))[ \t]+"
    rf"(?P<v>{_NO_UNIT_OR_HOSPITAL}[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+"
    r"(?:[ \t]+(?:(?:de|del|de[ \t]+la)[ \t]+)?[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+){0,3})\b")


# "Mercadona de Tolosa": the employer, then where
_OF_PLACE = re.compile(r"[ \t]+(?:de|del)[ \t]+[A-ZÁÉÍÓÚÑ][^ \t]*$")


def _employer(m: re.Match[str]) -> list[Span]:
    """The employer after ``trabaja en``, and also its name without the ``de <Town>`` that ends it: where the
    tagger read the town, the employer is left (both are gap fillers; the longer wins where it found nothing)."""
    full = match_span(m, "INSTITUCION", "fill")
    head = _OF_PLACE.search(full.text)
    return [full] + ([full._replace(end=full.start + head.start(), text=full.text[:head.start()])] if head else [])


def _phone_spans(text: str) -> list[Span]:
    out = []
    for m in PHONE.finditer(text):
        start, end, value = m.start("v"), m.end("v"), m.group("v")
        line_start = text.rfind("\n", 0, start) + 1
        before = text[max(line_start, start - 40):start]
        labels = list(PHONE_LABEL.finditer(before))
        if not labels and not _GROUPED.search(value) and not value.startswith(("00", "+")):
            continue  # nine bare digits with no phone label near: could be any identifier
        kind = "NUMERO_FAX" if labels and _FAX_LABEL.fullmatch(labels[-1].group()) else "NUMERO_TELEFONO"
        if value.startswith("+"):  # MEDDOCAN leaves the plus sign out of the number
            value = value.lstrip("+ ")
            start = end - len(value)
        out.append(Span(start, end, kind, value, "form"))
    return out


def _trimmed(m: re.Match[str], kind: str, source: str) -> Span:
    value = m.group().rstrip(" ,;.")
    return Span(m.start(), m.start() + len(value), kind, value, source)


# "Acuprel®, Nitroplast® y Diluton®", "clavo T2 (Stryker®)": a brand, not PHI (111 of 112 capitalized words
# right before a ® or ™ in MEDDOCAN train), but for the maker that opens a list of its places
# ("(Allergan®, Irvine, California)")
_BRAND_MARK = re.compile(r"[ \t]?[®™]")
_MAKER_BEFORE = re.compile(r"(?:\(|;[ \t])$")
_MAKER_AFTER = re.compile(r"[ \t]?[®™],[ \t]*[A-ZÁÉÍÓÚÑ]")


def is_brand(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]``, read as an organisation, is a brand: a ® or ™ right after it."""
    return bool(_BRAND_MARK.match(text, end)) and not (
        _MAKER_BEFORE.search(text, max(0, start - 2), start) and _MAKER_AFTER.match(text, end))


def spanish_rule_spans(text: str) -> list[Span]:
    """Spans of the Spanish rules (may overlap each other and the tagger; the caller resolves)."""
    out = field_spans(text) + _phone_spans(text)
    out += [_trimmed(m, "CENTRO_SALUD", "form") for m in CENTRO_SALUD.finditer(text)]
    out += [Span(m.start(), m.end(), "INSTITUCION", m.group(), "form") for m in HEALTH_SERVICES.finditer(text)]
    out += [Span(m.start(), m.end(), "INSTITUCION", m.group(), "form") for m in COMPANIES.finditer(text)
            if not is_brand(text, m.start(), m.end())]
    out += [Span(m.start(), m.end(), "INSTITUCION", m.group(), "fill") for m in ORGANISATION.finditer(text)]
    out += [Span(m.start(), m.end(), "IDENTIF_VEHICULOS_NRSERIE_PLACAS", m.group(), "form")
            for m in PLATE.finditer(text)]
    out += [Span(m.start(), m.end(), "ID_ASEGURAMIENTO", m.group(), "fill") for m in NASS.finditer(text)]
    out += [_trimmed(m, "CALLE", "rule") for m in STREET.finditer(text)]
    out += [_trimmed(m, "CALLE", "rule") for m in BASQUE_STREET.finditer(text)]
    out += [_trimmed(m, "HOSPITAL", "fill") for m in HOSPITAL_TITLE.finditer(text)]
    for pattern in AGES:
        out += [match_span(m, "EDAD_SUJETO_ASISTENCIA", "fill") for m in pattern.finditer(text)]
    for pattern in DATES:
        out += [Span(m.start(), m.end(), "FECHAS", m.group(), "fill") for m in pattern.finditer(text)]
    out += [match_span(m, "FECHAS", "fill") for m in YEAR_NEAR_EVENT.finditer(text)]
    out += [match_span(m, "FECHAS", "fill") for m in MONTH_NEAR_EVENT.finditer(text)]
    out += [match_span(m, "FECHAS", "form") for m in DAY_MONTH.finditer(text)]
    out += [Span(m.start(), m.end(), "FECHAS", m.group(), "rule") for m in MONTH_PAIR.finditer(text)]
    out += [match_span(m, "FAMILIARES_SUJETO_ASISTENCIA", "fill") for m in RELATIVE.finditer(text)]
    out += [match_span(m, "FAMILIARES_SUJETO_ASISTENCIA", "fill") for m in RELATIVES_NAME.finditer(text)]
    out += [match_span(m, "FAMILIARES_SUJETO_ASISTENCIA", "fill") for m in NAME_WITH_RELATION.finditer(text)]
    out += [match_span(m, "FAMILIARES_SUJETO_ASISTENCIA", "fill") for m in CLOSE_ONES_NAME.finditer(text)]
    out += [match_span(m, "PAIS" if is_country(m.group("v")) else "TERRITORIO", "fill") for m in RESIDENCE.finditer(text)]
    out += [span for m in EMPLOYER.finditer(text) for span in _employer(m)]
    out += [match_span(m, "NOMBRE_PERSONAL_SANITARIO", "fill") for m in STAFF_BY_ROLE.finditer(text)
            if not names_nothing(m.group("v"))]
    out += [Span(m.start(), m.end(), "FAMILIARES_SUJETO_ASISTENCIA", m.group(), "fill") for m in RELATIVE_BARE.finditer(text)
            if not NOT_RELATIVE_BEFORE.search(text, max(0, m.start() - 30), m.start())]
    out += [match_span(m, "FAMILIARES_SUJETO_ASISTENCIA", "rule", 0) for m in RELATIVE_WITH_MODIFIER.finditer(text)]
    out += [match_span(m, "FAMILIARES_SUJETO_ASISTENCIA", "rule", 0) for m in RELATIVES_COUNTED.finditer(text)]
    out += [match_span(m, "FAMILIARES_SUJETO_ASISTENCIA", "rule", 0) for m in RELATIVE_CHAIN.finditer(text)
            if not NOT_RELATIVE_BEFORE.search(text, max(0, m.start() - 30), m.start())]
    for m in PROFESSION.finditer(text):
        group = next(g for g in ("v", "w", "x") if m.group(g))
        out.append(match_span(m, "PROFESION", "fill", group))
    places = listed_places(text)
    # a listed maker that holds a known one ("Chiesi" of "Chiesi wassermann") is that maker's whole name
    makers = [m._replace(source="form") if COMPANIES.search(m.text) else m for m in listed_makers(text, places)]
    return (out + demographic_spans(text) + places + makers + country_names(text) + postal_codes(text)
            + towns_after_codes(text))
