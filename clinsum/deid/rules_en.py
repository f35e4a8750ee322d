"""English-only PHI patterns: the HIPAA Safe Harbor identifiers the shared rules do not cover.

Names of relatives and of staff with credentials, ages (every age, so also those over 89),
street addresses, cities and ZIP codes, every date element but the year (``April 5``, ``the
fifth of April``, ``05/2024``), phone numbers in US formats and area codes, SSNs, medical
record, account, health-plan, licence (DEA, NPI), vehicle (plate, VIN) and device serial
numbers, letterheads in capitals. :func:`refine` is called by ``rule_spans`` on English text.
"""

from __future__ import annotations

import re

from clinsum.deid.places import is_country
from clinsum.deid.spans import Span

_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)")
_ORDINAL = (r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|"
            r"fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty-\w+|thirtieth|"
            r"thirty-first|\d{1,2}(?:st|nd|rd|th))")
_NUMBER_WORD = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
                r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?")
_RELATIVE = (r"(?:wife|husband|spouse|partner|son|daughter|mother|father|mom|dad|sister|brother|niece|nephew|"
             r"grandson|granddaughter|grandmother|grandfather|aunt|uncle|cousin|caregiver|roommate|sponsor|coach|"
             r"guardian|parent|friend|fiancée?|stepson|stepdaughter|stepmother|stepfather|"
             r"(?:son|daughter|mother|father|brother|sister)-in-law|neighbou?r|boyfriend|girlfriend|landlord|"
             r"co-?worker|colleague|(?:probation|parole)[ \t]+officer|case[ \t]*(?:worker|manager))")
_NAME = r"(?!(?:Mr|Mrs|Ms|Miss|Dr|Baby)\b)[A-ZÁÉÍÓÚÑ](?:[a-záéíóúñü]++|['’][A-Z][a-z]++)+(?:-[A-Z][a-záéíóúñü]+)?"
_FULL_NAME = rf"{_NAME}(?:[ \t]+[A-Z]\.)?(?:[ \t]+{_NAME}){{0,2}}"
_STREET_TYPE = (r"(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|Terrace|"
                r"Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq)")
_STATES = (r"(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
           r"NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY)")
_STATE_NAMES = (r"(?:Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|"
                r"Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|"
                r"Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|"
                r"New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|"
                r"South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|"
                r"Wisconsin|Wyoming)")
_ID = r"[A-Z0-9][A-Z0-9-]*\d[A-Z0-9-]*"  # an identifier with at least one digit
_INSTITUTION_WORDS = (r"(?:Hospital|Medical Center|Medical Centre|Center|Centre|Institute|Infirmary|Hospice|"
                      r"Health System)")

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # ages: 68-year-old, 68 years old, 68 y/o, 68 yo, aged 68, age 93, at 30 months
    ("EDAD_SUJETO_ASISTENCIA", re.compile(
        r"\b\d{1,3}(?:-|\s)(?:year|yr|month|week|day)s?(?:-|\s)old\b|\b\d{1,3}\s?(?:y/o|y\.o\.|yo)(?![a-z])"
        rf"|\b{_NUMBER_WORD}[- ]years?[- ]old\b", re.I)),
    ("EDAD_SUJETO_ASISTENCIA", re.compile(
        r"\b(?:[Aa]ge[ds]?:?|at age|at(?=\s\d{1,2} months))[ \t]+(?P<v>\d{1,3}(?:\s(?:years|months))?)\b(?!\s*(?:%|mg|mL|kg|cm|mm|hours|"
        r"h\b|minutes|min|weeks|days|am|pm|[:/.+]\d))")),
    ("EDAD_SUJETO_ASISTENCIA", re.compile(r",\s(?P<v>\d{1,3})(?=(?:,|\.\s|\.$| \(|\s+years| [MF]\b|$))", re.M)),
    ("EDAD_SUJETO_ASISTENCIA", re.compile(r"\b(?P<v>\d{1,3} years)(?=\s*(?:\n|,|$))", re.M)),
    ("EDAD_SUJETO_ASISTENCIA", re.compile(r"\b(?P<v>\d{1,3} years old)\b")),
    # dates without or with the year
    ("FECHAS", re.compile(rf"\b(?:the\s+)?{_ORDINAL}\s+of\s+{_MONTH}(?:,?\s+\d{{4}})?\b", re.I)),
    ("FECHAS", re.compile(rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b(?!:)")),
    ("FECHAS", re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?\b")),
    ("FECHAS", re.compile(rf"\b{_MONTH}\s+\d{{4}}\b")),
    ("FECHAS", re.compile(r"\b(?:0?[1-9]|1[0-2])/(?:19|20)\d\d\b")),
    ("FECHAS", re.compile(r"\b(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/(?:19|20)?\d\d\b")),
    ("FECHAS", re.compile(r"\b(?:two|three|four|five|six|\d)\s+(?:days|weeks)\s+ago\b")),
    # a month and day without the year after a word that places an event ("admitted on 3/14", "since 11/2",
    # "next session 3/10"; "session 6/12" is a count)
    ("FECHAS", re.compile(r"(?i:\b(?:on|since|until|from|by|dated|appointment|follow-up|f/u|next[ \t]+(?:session|visit)))\s+"
                          r"(?P<v>(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))\b"
                          r"(?![/.,]\d)")),
    # phones and faxes: (419) 555-0187, 802-555-0142, 217.555.0166, +1 ..., ext. 4
    ("NUMERO_FAX", re.compile(r"(?i)\bfax(?:\s+(?:number|no\.?))?\s*#?\s*:?\s*(?P<v>(?:\+?1[ .-]?)?\(?\d{3}\)?[ .-]?"
                              r"\d{3}[ .-]\d{4})")),
    ("NUMERO_TELEFONO", re.compile(r"(?<![\w-])(?:\+?1[ .-]?)?\(\d{3}\)\s?\d{3}[ .-]\d{4}(?:\s?(?:ext\.?|x)\s?\d{1,5})?"
                                   r"|(?<![\w-])(?:\+?1[ .-])?\d{3}[.-]\d{3}[.-]\d{4}\b(?:\s?(?:ext\.?|x)\s?\d{1,5})?")),
    ("NUMERO_TELEFONO", re.compile(r"(?i)\barea code\s+(?P<v>\d{3})\b")),
    # numbers with a label
    ("ID_ASEGURAMIENTO", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("ID_SUJETO_ASISTENCIA", re.compile(
        rf"(?i)\b(?:MRN|medical record(?: number| no\.?)?|record (?:number|no\.?|#)|chart\s?#|chart number|"
        rf"patient id)\s*#?\s*:?\s*(?P<v>(?-i:{_ID}))")),
    ("NUMERO_BENEF_PLAN_SALUD", re.compile(
        rf"(?i)\b(?:medicare(?: id| number| beneficiary id)?|medicaid(?: id| number)?|member(?: id| number)?|"
        rf"policy(?: number| no\.?)?|subscriber(?: id)?|health plan(?: beneficiary)?(?: id| number)?|"
        rf"beneficiary(?: id| number)?|group(?: number| no\.?))"
        rf"\s*#?\s*:?\s*(?P<v>(?-i:{_ID}))")),
    ("OTRO_NUMERO_IDENTIF", re.compile(
        rf"(?i)\b(?:account(?: number| no\.?)?|acct|rx\s?#|rx number|driver'?s licen[cs]e(?: number| no\.?)?|"
        rf"passport(?: number| no\.?)?|remote monitoring account|certificate(?: number| no\.?)?)"
        rf"(?:\s+is)?\s*#?\s*:?\s*(?P<v>(?-i:{_ID}))")),
    ("ID_CONTACTO_ASISTENCIAL", re.compile(
        rf"(?i)\b(?:accession(?: number| no\.?)?|encounter(?: id| number)?|visit(?: id| number)|case(?: number| no\.?)?|"
        rf"requisition(?: number| no\.?)?\s*#?|study)\s*#?\s*:?\s*(?P<v>(?-i:{_ID}))")),
    ("ID_TITULACION_PERSONAL_SANITARIO", re.compile(
        rf"(?i)\b(?:DEA(?: number| no\.?)?|NPI|licen[cs]e(?: number| no\.?)?)\s*#?\s*:?\s*(?P<v>(?-i:{_ID}))")),
    ("IDENTIF_VEHICULOS_NRSERIE_PLACAS", re.compile(
        rf"(?i)\b(?:licen[cs]e plate|plate(?: number)?|VIN)\s*(?:number|no\.?)?\s*#?\s*:?\s*(?P<v>(?-i:{_ID}))")),
    ("IDENTIF_DISPOSITIVOS_NRSERIE", re.compile(
        rf"(?i)\b(?:serial(?: number| no\.?)?|S/N|SN|device id|model/serial)\s*#?\s*:?\s*(?P<v>(?-i:{_ID}))")),
    # places: streets, City, ST 12345, ZIP, lives in <City>
    # a post office box, a numbered road ("PO Box 4471", "off Route 9", "Highway 101")
    ("CALLE", re.compile(r"\b(?:P\.?[ \t]?O\.?[ \t]+Box|Post Office Box)[ \t]+\d+\b|\b(?:Route|Highway|Interstate|County Road)[ \t]+\d+[A-Z]?\b")),
    # a holiday dates the day ("Christmas Eve", "Thanksgiving"): HIPAA removes every date element but the year
    ("FECHAS", re.compile(r"\b(?:Christmas(?:[ \t]+(?:Eve|Day))?|New[ \t]+Year['’]s(?:[ \t]+(?:Eve|Day))?|Thanksgiving(?:[ \t]+Day)?|"
                          r"Easter(?:[ \t]+Sunday)?|Halloween|Independence[ \t]+Day|Fourth[ \t]+of[ \t]+July|Valentine['’]s[ \t]+Day|"
                          r"Memorial[ \t]+Day|Labor[ \t]+Day|Veterans[ \t]+Day)\b")),
    ("CALLE", re.compile(rf"\b\d{{1,6}}[ \t]+(?:[NSEW]\.?[ \t]+)?(?:{_NAME}[ \t]+){{1,3}}{_STREET_TYPE}\b\.?"
                         r"(?:,?[ \t]+(?:Apt|Apartment|Suite|Unit)\.?[ \t]*#?[ \t]*\w+)?")),
    ("TERRITORIO", re.compile(rf"(?P<v>\b{_NAME}(?:[ \t]+{_NAME})?)(?=,[ \t]*(?:(?!MD\b|PA\b|DO\b){_STATES}\b|"
                              rf"(?:MD|PA)[ \t]+\d{{5}}|{_STATE_NAMES}))")),
    ("TERRITORIO", re.compile(rf"(?i:\b(?:lives|living|resides)\s+(?:at|in)\s+)[^,\n]+,[ \t]+"
                              rf"(?P<v>{_NAME}(?:[ \t]+{_NAME})?)(?=\.)")),
    ("TERRITORIO", re.compile(rf"\b(?:{_STATES}|{_STATE_NAMES})\s+(?P<v>\d{{5}}(?:-\d{{4}})?)\b")),
    ("TERRITORIO", re.compile(r"(?i)\bzip(?: code)?\s*#?\s*:?\s*(?P<v>\d{5}(?:-\d{4})?)\b")),
    # a county, smaller than a state ("Cook County Adult Probation", "Orange County")
    ("TERRITORIO", re.compile(rf"\b(?P<v>{_NAME}(?:[ \t]+{_NAME})?[ \t]+(?:County|Parish|Borough))\b")),
    ("TERRITORIO", re.compile(
        rf"\b(?:lives|living|resides|residing|moved|resident|from|in)\s+(?:alone\s+)?(?:in|of|to)?\s*"
        rf"(?P<v>(?-i:{_NAME}(?:\s+{_NAME})?))(?=,\s*{_STATE_NAMES}|\.\s)")),
    ("PAIS", re.compile(r"\b(?:from|to|in|visiting)\s+(?P<v>Brazil|Mexico|India|China|Nigeria|Spain|France|Italy|"
                        r"Germany|Canada|Guatemala|Honduras|Haiti|Philippines|Vietnam|Kenya|Peru|Colombia|"
                        r"Venezuela|Ukraine|Poland|Russia|Pakistan|Bangladesh|Egypt|Morocco|Thailand|Japan)\b")),
    # institutions named by capitalized words (St. Brigid's Regional Medical Center, Lakeshore General Hospital)
    ("CENTRO_SALUD", re.compile(r"\b(?:[A-Z][\w'’-]+[ \t]+){1,4}(?:Clinic|Health Center|Health Centre|Pharmacy|"
                                r"Pediatrics|Dental|Eye Care|Recovery Center|Family Practice|Family Medicine|Urgent Care|"
                                r"Primary Care|Medical Group|Associates)\b")),
    # a pharmacy named after its label, with its store number ("Pharmacy: Walgreens #04412")
    ("CENTRO_SALUD", re.compile(r"(?i:\bpharmacy)[ \t]*:[ \t]*(?P<v>(?-i:[A-Z][\w'’&-]+(?:[ \t]+[A-Z][\w'’&-]+){0,3})"
                                r"(?:[ \t]*#[ \t]*\d+)?)")),
    # a street named without its number ("from his home on Elm Street", ", Main St.")
    ("CALLE", re.compile(r"(?:(?i:\b(?:on|off|at))[ \t]+|,[ \t]*)(?P<v>(?-i:(?:[A-Z][a-z]+[ \t]+){1,3})"
                         r"(?:Street|Avenue|Road|Boulevard|Lane|Drive|St\.|Ave\.|Rd\.|Blvd\.|Ln\.|Dr\.)(?![ \t]+[A-Z]))")),
    ("HOSPITAL", re.compile(rf"\b(?:(?:St\.|Saint)[ \t]+)?[A-Z][\w'’-]+[ \t]+(?:(?:[A-Z][\w'’-]+|of|and|the)[ \t]+){{0,5}}"
                            rf"{_INSTITUTION_WORDS}\b")),
    # a letterhead in capitals, maybe after a heading ("DISCHARGE SUMMARY - ST. BARNABAS MEDICAL CENTER")
    ("HOSPITAL", re.compile(r"^[ \t]*(?:[A-Z][A-Z ]*[ \t]+[-–—|:][ \t]+)?(?P<v>(?:[A-Z][A-Z.'’&-]*[ \t]+){2,7}(?:HOSPITAL|MEDICAL CENTER|MEDICAL CENTRE|"
                            r"CLINIC|INSTITUTE|INFIRMARY|HEALTH CENTER))\b", re.M)),
    ("INSTITUCION", re.compile(r"\b(?!(?:Employer|Works|The|To|At|For|From)\b)(?:[A-Z][\w'’-]+[ \t]+){1,4}"
                               r"(?:University|College|School|Corporation|Company|Logistics|Insurance|Health|"
                               r"Senior Living|Assisted Living|Nursing Home|Nursing Facility|Care Center|Care Home|"
                               r"Rehabilitation Center|Rehab Center|Hospice|Mobile Home Park|Trailer Park|Apartments|Shelter|"
                               r"Motel|Ambulance|EMS|Auto Parts|Inc\.|LLC)\b")),
    # an employer ("worked for 30 years at Publix", "works at Home Depot")
    ("INSTITUCION", re.compile(r"(?i:\b(?:works?|worked|working|employed)(?:[ \t]+as[ \t]+an?[ \t]+[a-z]+(?:[ \t]+[a-z]+)?)?"
                               r"(?:[ \t]+for[ \t]+\d+[ \t]+years)?[ \t]+(?:at|for))[ \t]+"
                               rf"(?P<v>(?!(?:the|a|an|home|least|night|nights|times)\b){_NAME}(?:[ \t]+{_NAME}){{0,2}})")),
    # a name with its relation after it ("Sam Whitaker (partner)", "Lisa Ortiz, daughter,")
    ("FAMILIARES_SUJETO_ASISTENCIA", re.compile(rf"(?P<v>\b{_NAME}[ \t]+{_FULL_NAME})[ \t]*(?:\([ \t]*|,[ \t]*)(?i:{_RELATIVE})\b")),
    # names: relatives after a kinship word, staff with credentials, Baby Boy/Girl <Surname>
    ("FAMILIARES_SUJETO_ASISTENCIA", re.compile(
        rf"(?i:\b{_RELATIVE})(?:[ \t]*\(|,?:?[ \t]+)(?:(?:Officer|Detective|Deputy|Sergeant|Sgt\.?)[ \t]+)?"
        rf"(?P<v>{_FULL_NAME})(?=\)|,|\s|\.)")),
    ("NOMBRE_PERSONAL_SANITARIO", re.compile(
        rf"(?P<v>\b{_FULL_NAME}),?[ \t]+(?:MD|DO|RN|NP|PA-C|PA|PharmD|PhD|LCSW|DDS|DPT|PT|CNM|CRNA)\b")),
    # a nurse's credential before the name ("by RN Jessica Tran")
    # (and a therapist's: "PT Marcus Bell", "OT", "SLP", "RT")
    ("NOMBRE_PERSONAL_SANITARIO", re.compile(rf"\b(?:RN|LPN|APRN|CNA|NP|PA-C|PT|OT|SLP|RT)[ \t]+(?P<v>{_FULL_NAME})")),
    # a hospital named after a saint, in the possessive ("seen at St. Mary's")
    ("HOSPITAL", re.compile(r"(?i:\b(?:at|to|from|in)[ \t]+)(?P<v>(?:St\.?|Saint)[ \t]+[A-Z][a-z]+['’]s)(?![ \t]+[A-Z])")),
    # a hospital named by its place and "General" ("seen at Mercy General", "transferred to Mass General")
    ("HOSPITAL", re.compile(r"(?i:\b(?:at|to|from|in)[ \t]+)(?P<v>(?!(?:Surgeon|Attorney|Inspector|Secretary|The)\b)(?:[A-Z][\w'’-]+[ \t]+){1,3}(?:General|Memorial))\b"
                            r"(?![ \t]+(?:Hospital|Medical|Surgery|Medicine|Practice|Practitioner|Pediatrics|Anesthesia)\b)")),
    ("NOMBRE_PERSONAL_SANITARIO", re.compile(
        rf"(?i:\b(?:seen by|read by|signed by|referred by|study coordinator|(?:therapist|pharmacist|nurse|provider|coordinator|"
        rf"social work|referring|prescriber|neurology|interpreting physician|trauma attending|hospice nurse):))"
        rf"[ \t]+(?:Dr\.?[ \t]+)?(?P<v>{_FULL_NAME})")),
    ("NOMBRE_SUJETO_ASISTENCIA", re.compile(rf"\bBaby (?:Boy|Girl)[ \t]+(?P<v>{_NAME})")),
    ("NOMBRE_SUJETO_ASISTENCIA", re.compile(rf"(?i:\b(?:identified as|participant|client|athlete|child|patient|"
                                            rf"from|re))[ \t]*:?[ \t]+(?P<v>(?-i:{_NAME}[ \t]+{_FULL_NAME}))")),
    ("NOMBRE_SUJETO_ASISTENCIA", re.compile(rf"^(?P<v>{_NAME}[ \t]+{_FULL_NAME}),[ \t]*(?:DOB|MRN|[Aa]ge)\b", re.M)),
    ("SEXO_SUJETO_ASISTENCIA", re.compile(r"\bSex:[ \t]*(?P<v>Male|Female|M|F)\b")),
]

_WIDE_GAP = re.compile(r"[ \t]{2,}")
# a town before its country ("lives in Dublin, Ireland"; a state is a pattern above)
_TOWN_COUNTRY = re.compile(rf"(?P<v>\b{_NAME}(?:[ \t]+{_NAME})?),[ \t]*(?P<c>{_NAME}(?:[ \t]+{_NAME})?)\b")


def _towns_before_countries(text: str) -> list[Span]:
    """A ``TERRITORIO`` and a ``PAIS`` for each capitalized name followed by a comma and a known country."""
    out = []
    for m in _TOWN_COUNTRY.finditer(text):
        if is_country(m.group("c")) and not is_country(m.group("v")):
            out.append(Span(m.start("v"), m.end("v"), "TERRITORIO", m.group("v"), "rule"))
            out.append(Span(m.start("c"), m.end("c"), "PAIS", m.group("c"), "rule"))
    return out


def refine(text: str, spans: list[Span]) -> list[Span]:
    """``spans`` from the shared rules, with English spans added and header values cut where a
    wide gap starts the next field (``05/02/2024   Discharge date: …``)."""
    out = []
    for s in spans:
        cut = _WIDE_GAP.search(s.text)
        if cut:
            s = s._replace(end=s.start + cut.start(), text=s.text[:cut.start()])
        if s.source == "fill" and s.type == "CALLE" and "," in s.text:  # "3318 Old Mill Road, Frederick, MD …"
            s = s._replace(end=s.start + s.text.index(","), text=s.text[:s.text.index(",")])
        if s.source == "fill" and s.type.startswith("NOMBRE_") and not s.text[:1].isupper():
            continue  # "Patient: unknown male"
        if s.type == "EDAD_SUJETO_ASISTENCIA" and s.source == "fill" and re.search(r"\D\d", s.text):
            continue  # "Age: 73 yo M" -- the age rules take it
        out.append(s)
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            g = "v" if "v" in pattern.groupindex else 0
            value = _WIDE_GAP.split(m.group(g), maxsplit=1)[0].rstrip(" \t,.;")
            if value:
                out.append(Span(m.start(g), m.start(g) + len(value), kind, value, "rule"))
    out += _towns_before_countries(text)
    out = [s._replace(type="PAIS") if s.type == "TERRITORIO" and is_country(s.text) else s for s in out]
    return [s._replace(end=s.end - 2, text=s.text[:-2]) if s.type.startswith("NOMBRE_") and s.text.endswith(("'s", "’s"))
            else s for s in out]
