"""Where the Spanish tagger runs one entity into the next, cut at the next one's head word.

In a signature line (``Dr. Ana Ruiz Servicio de Nefrología Hospital La Fe Avda. Campanar,
21``) the tagger sometimes reads two neighbours as one span: ``Universidad de Málaga
Boulevard Louis``, ``Hospital Morales Meseguer 2ª planta``, ``Hospital Dr. Luis SánchezBulnes
Asociación para Evitar la Ceguera en México``. A head word (``Hospital``, ``Instituto``,
``Avda.``, ``Servicio``, ``E-mail`` …) that starts a new entity inside a span, right after a
word that is not a connector or part of the first name's own head (``Complejo Hospitalario
Hospital General``, ``Plaza del Hospital Civil``), ends the span there. The piece after it
takes the type its head names (``Asociación`` → INSTITUCION), or is dropped when that head
names nothing MEDDOCAN annotates (a hospital service, a floor, an e-mail label).
"""

from __future__ import annotations

import re

from clinsum.deid.spans import PROPER_TYPES, Span, join_neighbours

_STREET = (r"Avda\.?|Avd\.|Av\.|Av$|Avenida|Avinguda|Calle|Carrer|C/\.?|Paseo|Passeig|P[º°]\.?|Plaza|Plaça|Pza\.|"
           r"Boulevard|Bulevar|Ctra\.|Carretera|Ronda|Rúa|Rambla")
#: head word -> the type of what it starts (None: not PHI, the span just ends)
_HEADS: list[tuple[str, str | None]] = [
    (_STREET, "CALLE"),
    (r"Hospital|Complejo\s+Hospitalario|Complexo\s+Hospitalario|Cl[íi]nica|Sanatorio", "HOSPITAL"),
    (r"Instituto|Institut|Universidad|Universitat|Facultad|Fundaci[óo]n|Asociaci[óo]n|Ciudad\s+de\s+la\s+Justicia",
     "INSTITUCION"),
    (r"Centro\s+de\s+Salud", "CENTRO_SALUD"),
    (r"Servicio|Servei|Unidad|Departamento|Secci[óo]n|E-?mail|Correo|Tel[eé]fono|Tel\.|Tfno\.?|Fax|"
     r"\d+[ªº]\s+[Pp]lanta|Planta", None),
]
_HEAD_RE = re.compile("|".join(f"(?P<h{i}>(?:{pattern})(?![\\w/]))" for i, (pattern, _k) in enumerate(_HEADS)))
# what may stand right before a head word without ending the span
_GLUE = re.compile(r"(?i)(?:de|del|la|las|los|el|y|e|en|-|/|,|hospitalario|universitario|clínico|clinico|"
                   r"asistencial|complejo|complexo|fundación|fundacion|consorcio|clínica|clinica|" + _STREET + r")")
#: the tagger types whose spans are cut (a street span only where a second street starts)
_CUT_TYPES = {"HOSPITAL", "INSTITUCION", "CENTRO_SALUD", "NOMBRE_PERSONAL_SANITARIO", "NOMBRE_SUJETO_ASISTENCIA",
              "CALLE", "TERRITORIO"}
_TRIM = " \t,;:.-–("


def _cuts(span: Span) -> list[tuple[int, str | None]]:
    """(offset in the span's text, type of what starts there) of each head that ends what is before."""
    out = []
    for m in _HEAD_RE.finditer(span.text):
        if m.start() == 0:
            continue
        before = span.text[:m.start()].rstrip()
        if len(before) == m.start() or not re.search(r"[^\W\d_]{3}", before):
            continue  # glued to the word before, or only a number before ("416 Paseo de Martí")
        last = re.split(r"\s+", before)[-1]
        if _GLUE.fullmatch(last):
            continue
        kind = _HEADS[int(m.lastgroup[1:])][1]
        if span.type == "CALLE" and (kind != "CALLE" or not _names_street(span.text[m.start():])):
            continue  # in an address only a second street ends the first ("Edificio 2. Planta -1" is part of it)
        out.append((m.start(), kind))
    return out


def _names_street(rest: str) -> bool:
    """Whether ``rest`` starts a street of its own (a street word, a name, then a number)."""
    return bool(re.match(rf"(?:{_STREET})\s+[^\W\d_][^,\n]*?,?\s*(?:\d|s/n)", rest, re.I))


def _piece(span: Span, start: int, end: int, kind: str) -> Span | None:
    text = span.text[start:end]
    lead = len(text) - len(text.lstrip(_TRIM))
    text = text.strip(_TRIM)
    if len(text) < 3 or not re.search(r"[^\W\d_]", text):
        return None
    return Span(span.start + start + lead, span.start + start + lead + len(text), kind, text, span.source)


def cut_at_heads(spans: list[Span], sources: tuple[str, ...] = ("model",)) -> list[Span]:
    """Spans (of the tagger, or of ``sources``) cut where another entity's head word starts
    inside them (see the module); other spans pass unchanged. A rule's span that runs into a
    label (``E-mail``) ends there; one that runs into another entity is dropped (``Clínica y
    Dietética Hospital …`` is a service before a hospital, not a clinic)."""
    out = []
    for span in spans:
        cuts = _cuts(span) if span.type in _CUT_TYPES and span.source in sources else []
        if not cuts:
            out.append(span)
            continue
        if span.source != "model":
            if cuts[0][1] is not None:
                continue
            cuts = cuts[:1]
        bounds = [(0, span.type)] + cuts + [(len(span.text), None)]
        for (start, kind), (end, _next) in zip(bounds, bounds[1:], strict=False):
            piece = _piece(span, start, end, kind) if kind else None
            if piece:
                out.append(piece)
    return out


_POSTAL_INSIDE = re.compile(r"(?<=[^\W\d_])[ \t]+(?:CP|C\.P\.?|C[óo]digo[ \t]+[Pp]ostal)[ \t]*:?[ \t]*(\d{5})$")
_TRAILING_CONNECTOR = re.compile(r"[ \t]+(?:de|del|de[ \t]+la|de[ \t]+las|de[ \t]+los|y)$")
_NAME_START = re.compile(r"[ \t]+((?:[A-ZÁÉÍÓÚÑ][^\W\d_]*[ \t]*)+)")


# a lower-case preposition and nothing capitalized after it to the span's end (no gold name, place or
# organisation of MEDDOCAN train or dev ends so)
_SENTENCE_GOES_ON = re.compile(r"[ \t]+(?:desde|hasta|para|por|con|en|tras|durante|sin|que)[ \t]+[^A-ZÁÉÍÓÚÑ\d]*$")


_HYPHEN_TAIL = re.compile(r"-[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+")


def tidy_ends(text: str, spans: list[Span]) -> list[Span]:
    """Tagger spans with a loose end: a trailing ``;`` or ``:``, the first of two closing periods, the ``C`` of a
    following ``C.P.``, a postal code without its ``E-``, a name without the second half of a double surname
    (``Sánchez`` + ``-Valverde``), the words of the sentence after a name,
    or an organisation cut after its connector (``Hospital General de`` + ``Ciudad Real``), which
    takes the capitalized words that follow it (up to a comma or period) from the next span."""
    out = []
    taken: set[int] = set()
    ordered = sorted(spans)
    for i, span in enumerate(ordered):
        if i in taken:
            continue
        if span.source == "model":
            value = span.text.rstrip(";:")
            if value.endswith(".") and text.startswith(".", span.end):  # "4 izq.." ends the line: both dots
                value = value[:-1]
            if text.startswith(".P", span.end) and re.search(r"[ \t]+C$", value):
                value = value[:-1].rstrip()
            if value != span.text and value:
                span = span._replace(end=span.start + len(value), text=value)
            run_on = _SENTENCE_GOES_ON.search(span.text) if span.type in PROPER_TYPES else None
            if run_on:  # "IES Ramiro de Maeztu desde septiembre": the sentence went on after the name
                span = span._replace(end=span.start + run_on.start(), text=span.text[:run_on.start()])
            postal = _POSTAL_INSIDE.search(span.text) if span.type == "TERRITORIO" else None
            if postal:  # "San Pedro Garza García CP 66260": the place, and the code alone
                out.append(span._replace(start=span.start + postal.start(1), text=postal.group(1)))
                span = span._replace(end=span.start + postal.start(), text=span.text[:postal.start()])
            hyphen = _HYPHEN_TAIL.match(text, span.end) if span.type.startswith("NOMBRE_") else None
            if hyphen:  # "Jorge Sánchez" + "-Valverde": a double surname cut at its hyphen
                span = span._replace(end=hyphen.end(), text=text[span.start:hyphen.end()])
            if span.type == "TERRITORIO" and re.fullmatch(r"\d{5}", span.text) and text.endswith("E-", 0, span.start):
                span = span._replace(start=span.start - 2, text="E-" + span.text)  # "E-23400": 11 of 13 in train
            nxt = ordered[i + 1] if i + 1 < len(ordered) else None
            if (span.type in ("HOSPITAL", "INSTITUCION") and _TRAILING_CONNECTOR.search(span.text) and nxt
                    and nxt.source == "model" and text[span.end:nxt.start] == " "):
                words = _NAME_START.match(" " + re.split(r"[,.;]", nxt.text, maxsplit=1)[0])
                if words:
                    end = nxt.start + len(words.group(1).rstrip())
                    span = span._replace(end=end, text=text[span.start:end])
                    rest = text[end:nxt.end].lstrip(" ,.;")
                    taken.add(i + 1)
                    if len(rest) >= 3:
                        start = nxt.end - len(rest)
                        out.append(nxt._replace(start=start, text=rest))
        out.append(span)
    return sorted(out)


# words that end a clinician's name in a signature line ("Dra. Teresa Sada Ovalle Doctor Vertiz 737",
# "Dr. Javier Azúa-Romeo Servicio de Anatomía", "Maria Luz Sánchez Tocino Supervisora Centros FRIAT")
_NAME_STOP = re.compile(r"[ \t]+(?:Servicio|Servei|Unidad|Departamento|Secci[óo]n|Supervisora?|Doctora?|Dra?\.?|Residente|"
                        r"Jef[ae]|Enfermer[oa]|Centros?|Hospital|Cl[íi]nica|Instituto|Facultad|Universidad)(?![\w-])")


def name_tails(spans: list[Span]) -> list[Span]:
    """Names (of the tagger or a rule) cut where a word that starts something else follows them; what
    follows that word stays masked (an address when it holds a number, else an institution)."""
    out = []
    for span in spans:
        m = _NAME_STOP.search(span.text) if span.type.startswith("NOMBRE_") and span.source in ("model", "rule") else None
        if not m or m.start() == 0:
            out.append(span)
            continue
        out.append(span._replace(end=span.start + m.start(), text=span.text[:m.start()]))
        rest = span.text[m.end():]
        value = rest.strip(_TRIM)
        if len(value) >= 3 and re.search(r"[A-ZÁÉÍÓÚÑ]", value[:1]):
            start = span.start + m.end() + rest.index(value)
            kind = "CALLE" if re.search(r"\d", value) else "INSTITUCION"
            out.append(Span(start, start + len(value), kind, value, span.source))
    return out


# what may follow a street number inside the address itself ("16. Puerta 2", "7 Bajo B", "No.7, Suite 737")
_ADDRESS_PART = (r"(?:Izq|Izda|Dcha|Der|Bajo|Puerta|Planta|Piso|Edifici|Residencia|Esquina|Suite|Col|Portal|Escalera|Esc|"
                 r"Bloque|Local|Sótano|Interior|No|Nº|Numero|Número|Dpto|Apto|Apartado|Urb|Bis|Ático|Entlo|Entresuelo|"
                 r"Principal|Pral|Casa|Oficina|Consultorio|Torre|Módulo|Nave|Km|Letra|Región)")
# a floor and door after the house number ("5, 4o B", "43, Ático F", "17, 2º Izda")
_DOOR = r"(?:Izquierda|Izqda|Izda|Izq|Iz|Derecha|Dcha|Der)\b"
_FLOOR = (rf"(?:,?[ \t]+(?:\d{{1,2}}[ºoª°]?(?:[ \t]*-?[ \t]*[A-Z])?|(?:Ático|Bajo|Entlo|Pral|{_DOOR})\.?"
          r"(?:[ \t]+[A-Z])?)(?!\w))*")
_AFTER_NUMBER = re.compile(rf"[^\W\d_],?[ \t]+\d+[A-Za-z]?{_FLOOR}(?P<sep>\.?[ \t]+)"
                           rf"(?!{_ADDRESS_PART}|{_DOOR})(?=[A-ZÁÉÍÓÚÑ][a-záéíóúñ])")


def street_towns(spans: list[Span]) -> list[Span]:
    """A tagger street that runs on past its number into the town (``Urb. El Arco, 16. La Atalaya``,
    ``C/. La Dreda 167 Villapresente. Reocín``) ends at the number, or at the floor and door after it
    (``Avda. Máximo Aguirre, 5, 4o B Getxo``: no gold street of train holds a town after them); each
    place after it (split at periods and commas, a five-digit postal code on its own) is a TERRITORIO, as MEDDOCAN marks them.
    Only where no other number (a floor, a second street) nor ``s/n`` follows: MEDDOCAN train keeps
    ``Ctra. Nnal. 332 Alicante-Valencia, s/n`` or ``Calle Guerrero 12, Buenavista`` whole."""
    out = []
    for span in spans:
        m = _AFTER_NUMBER.search(span.text) if span.type == "CALLE" and span.source == "model" else None
        rest = span.text[m.end():] if m else ""
        if not m or re.search(r"\d|s/n", re.sub(r"\b\d{5}\b", "", rest), re.I):
            out.append(span)
            continue
        out.append(span._replace(end=span.start + m.start("sep"), text=span.text[:m.start("sep")]))
        for piece in re.finditer(r"\d{5}|[^\d.,]*[^\W\d_][^\d.,]*", rest):
            value = piece.group().strip()
            if len(value) >= 2:
                start = span.start + m.end() + piece.start() + piece.group().index(value)
                out.append(Span(start, start + len(value), "TERRITORIO", value, span.source))
    return out


_CAP = r"[A-ZÁÉÍÓÚÑ][^\W\d_]+"
_LINK = r"(?:de|del|de[ \t]+la|de[ \t]+las|de[ \t]+los|y|e|i)"
# "Facultad de Medicina" + " y Odontología", "Sociedad Japonesa" + " para el Estudio de …": an
# organisation's name going on after a connector
_GOES_ON = re.compile(rf"(?:[ \t]+(?:{_LINK}|para(?:[ \t]+(?:el|la|los|las))?)[ \t]+|[ \t]+[dl]['’]){_CAP}"
                      rf"(?:[ \t]+(?:{_LINK}[ \t]+)?{_CAP})*")
# "hospital Saint John of God", "Consorcio Hospital General Universitario": a word before the name that is part of it
_OPENS_BEFORE = re.compile(r"(?:\bhospital|\bConsorcio)[ \t]+$")


def _goes_on(text: str, span: Span, spans: list[Span]) -> Span:
    m = _GOES_ON.match(text, span.end)
    if not m:
        return span
    tail = m.group()
    head = _HEAD_RE.search(tail)
    tail = tail[:head.start()] if head else tail
    tail = _TRAILING_CONNECTOR.sub("", tail.rstrip())
    end = span.end + len(tail)
    if end == span.end or any(o is not span and o.start < end and span.end < o.end for o in spans):
        return span
    return span._replace(end=end, text=text[span.start:end])


def organisation_ends(text: str, spans: list[Span]) -> list[Span]:
    """Tagger organisations with the end MEDDOCAN gives them: one the tagger ended before a connector
    and capitalized words (``Facultad de Medicina`` + `` y Odontología``) takes them, up to the next
    head word (in MEDDOCAN train a gold organisation is followed by ``de``/``y`` + a capitalized word
    4 times in 353, each time a town, while 74 end in ``de`` + a town), or a Catalan ``d'`` + a
    capitalized word (``Vall`` + `` d'Hebron``); a hospital takes a lower-case ``hospital`` or a
    ``Consorcio`` right before it."""
    out = []
    for span in spans:
        if span.type not in ("HOSPITAL", "INSTITUCION") or span.source != "model":
            out.append(span)
            continue
        span = _goes_on(text, span, spans)
        before = _OPENS_BEFORE.search(text, max(0, span.start - 12), span.start) if span.type == "HOSPITAL" else None
        if before and (before.group().startswith("C") or not span.text.startswith("Hospital")):
            span = span._replace(start=before.start(), text=text[before.start():span.end])
        out.append(span)
    return out


_ENDS_IN_TITLE = re.compile(r"(?:\bDr|\bDra|\bDoctor|\bDoctora)\.?$")


def hospitals_named_after(text: str, spans: list[Span]) -> list[Span]:
    """A hospital or a street named after a doctor that the tagger ended at the title, the name read as a
    clinician's or as a street of its own (``Hospital Central Dr`` | ``Ignacio Morones Prieto``, ``c/ Dr`` |
    ``Joan Soler 1-3``), as one span of the first one's type (``Hospital Dr. Peset``)."""
    def join(last: Span, s: Span) -> Span | None:
        if (last.type in ("HOSPITAL", "CALLE") and (s.type.startswith("NOMBRE_") or s.type == last.type)
                and _ENDS_IN_TITLE.search(last.text) and re.fullmatch(r"\.?[ \t]?", text[last.end:s.start])):
            return Span(last.start, s.end, last.type, text[last.start:s.end], last.source)
        return None

    return join_neighbours(spans, join)
