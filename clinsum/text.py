"""Text utilities shared by every area: Unicode normalization, words, sentences, language.

Every choice is explicit: words are Unicode letter/digit runs (accents kept), sentences end
at ``.!?`` followed by space and an uppercase letter or a newline, except after common
clinical abbreviations.
"""

from __future__ import annotations

import re
import unicodedata

WORD_RE = re.compile(r"[^\W_]+(?:[.,'’-][^\W_]+)*", re.UNICODE)
_ABBREVIATIONS = {
    "dr", "dra", "sr", "sra", "srta", "dña", "d", "aprox", "vs", "p", "ej", "núm", "nº", "fig",
    "mr", "mrs", "ms", "st", "approx", "e.g", "i.e", "prof", "lic",
}
_SENTENCE_END = re.compile(r"([.!?…]+)(\s+)(?=[\"'«(¿¡]?[A-ZÁÉÍÓÚÑÜ0-9])|\n\s*\n|\n(?=\s*[-•*·]\s)")


def normalize(text: str) -> str:
    """NFC, Unix newlines, no trailing spaces on lines, no NUL characters."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\x00", "").replace("\ufeff", "")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # what ``\w`` matches


def whole_word_starts(text: str, surface: str) -> list[int]:
    r"""Where ``surface`` occurs in ``text`` with no word character either side (``(?<!\w)…(?!\w)``),
    found without compiling a pattern per surface (none for an empty ``surface``)."""
    if not surface:
        return []
    starts, at = [], text.find(surface)
    while at >= 0:
        end = at + len(surface)
        whole = not (at and _is_word_char(text[at - 1])) and not (end < len(text) and _is_word_char(text[end]))
        if whole:
            starts.append(at)
        at = text.find(surface, end if whole else at + 1)
    return starts


def words(text: str, lower: bool = True) -> list[str]:
    """Unicode word tokens (accents kept; ``3.5`` and ``mg/dl`` parts kept together as runs)."""
    found = WORD_RE.findall(text)
    return [w.lower() for w in found] if lower else found


def sentences(text: str) -> list[str]:
    """Split into sentences, keeping clinical abbreviations (``Dr.``, ``mg.``) intact."""
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start() + len(match.group(1) or "")
        candidate = text[start:end]
        last = re.findall(r"([^\W\d_][\w.]*)\.$", candidate.strip())
        if match.group(1) and last and last[-1].lower() in _ABBREVIATIONS:
            continue
        if candidate.strip():
            out.append(candidate.strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


# function words (weight 2) and frequent clinical words (weight 1) of each language; words
# written the same in both ("no", "normal", "control") are in neither
_ES_FUNCTION = {"de", "la", "el", "que", "en", "los", "con", "por", "las", "del", "se", "una",
                "para", "sin", "al", "y", "es", "un", "lo", "como", "su", "sus", "pero", "muy",
                "o", "e", "ni", "tras", "desde", "hasta", "entre", "sobre", "ha", "han", "fue", "si",
                "durante", "cada", "más", "todos", "todas", "también", "bien", "le"}
_EN_FUNCTION = {"the", "of", "and", "to", "in", "with", "for", "is", "was", "on", "at", "by",
                "as", "were", "an", "a", "are", "or", "there", "this", "that", "from", "be",
                "been", "has", "have", "not", "without", "which", "but", "it", "its", "per"}
_ES_CLINICAL = {"paciente", "presenta", "años", "dolor", "derecho", "derecha", "izquierdo",
                "izquierda", "agudo", "aguda", "leve", "hallazgos", "signos", "cambios", "pulmonar",
                "torácico", "cardiaco", "cardíaco", "fiebre", "tratamiento", "ingreso", "alta",
                "diagnóstico", "evolución", "imagen", "lesión", "derrame", "pleural", "estable",
                "previo", "previa", "sugestivo", "compatible", "descartar", "hay", "tamaño", "vo",
                "lpm", "afebril", "negativo", "negativos", "negativas", "positivo", "positivos",
                "normales", "presentes", "conocidas", "edemas", "puntos", "dosis", "días"}
_EN_CLINICAL = {"patient", "history", "years", "pain", "right", "left", "acute", "mild",
                "findings", "evidence", "impression", "chest", "unchanged", "stable", "small",
                "effusion", "fever", "treatment", "admission", "discharge", "diagnosis", "seen",
                "noted", "significant", "lung", "lungs", "heart", "process", "prior", "likely",
                "suggestive", "consistent", "compared", "size", "new", "bilateral", "mass", "bpm",
                "afebrile", "negative", "positive", "known", "leg", "legs", "extremities"}
_ES_ENDINGS = ("ción", "ciones", "mente", "idad", "ado", "ada", "ados", "adas", "ido", "ida",
               "oso", "osa", "ico", "ica", "icos", "icas", "ía", "ón", "ente", "entes", "ales", "os",
               "as")
_EN_ENDINGS = ("tion", "tions", "ing", "ness", "ity", "ed", "ly", "ous", "ic", "ical", "ment",
               "ies", "ive", "ful")
_SHARED_ENDINGS = ("ema", "emia", "oma")  # Greek/Latin medical words in both
_ES_LETTERS = set("áéíóúñü¿¡")


def language_scores(text: str) -> tuple[float, float]:
    """(Spanish, English) evidence: function words 2, clinical words 1, a word ending like the
    language 0.5 (any other word ending in -a/-o: 0.25 Spanish), a Spanish-only letter (á, ñ,
    ¿, …) 1 per word."""
    es = en = 0.0
    for token in words(text[:20000]):
        if token in _ES_FUNCTION:
            es += 2
        elif token in _EN_FUNCTION:
            en += 2
        elif token in _ES_CLINICAL:
            es += 1
        elif token in _EN_CLINICAL:
            en += 1
        elif not token.isdigit():
            es += 0.5 * token.endswith(_ES_ENDINGS) or 0.25 * (
                len(token) > 3 and token[-1] in "ao" and not token.endswith(_SHARED_ENDINGS))
            en += 0.5 * token.endswith(_EN_ENDINGS)
        if _ES_LETTERS.intersection(token):
            es += 1
    es += text.count("¿") + text.count("¡")
    return es, en


def detect_language(text: str, default: str = "en") -> str:
    """``es`` or ``en`` by the evidence of :func:`language_scores` (clinical text in this
    workbench is one of them). A tie — often a short text such as ``No acute process.`` or
    nothing to go on — gives ``default``: English unless the caller knows better (a record's
    stored language always wins over detection when scoring)."""
    es, en = language_scores(text)
    if es == en:
        return default
    return "es" if es > en else "en"
