"""The rubric physicians use: criteria with guidelines, verdicts, and the error taxonomy.

Texts are pairs ``(español, English)`` so the page, the CLI and exports share one source.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinsum.errors import InputError

SCORE_MIN, SCORE_MAX = 1, 5          # reference review, per criterion
PAIR_MIN, PAIR_MAX = -2, 2           # pairwise: negative = left better, positive = right better
LOW_SCORE = 2                        # a score at or below this needs a comment


@dataclass(frozen=True)
class Criterion:
    name: str
    label: tuple[str, str]
    guideline: tuple[str, str]


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "accuracy",
        ("Exactitud", "Accuracy"),
        (
            "¿Todo lo que dice el resumen es cierto según el registro? 5: ningún error; "
            "4: una imprecisión sin consecuencia clínica; 3: un error menor que un lector "
            "detectaría; 2: un error que podría cambiar una decisión (fármaco, dosis, "
            "lateralidad, negación, fechas); 1: varios errores graves o datos inventados.",
            "Is everything the summary says true according to the record? 5: no error; "
            "4: one imprecision without clinical consequence; 3: a minor error a reader would "
            "notice; 2: an error that could change a decision (drug, dose, laterality, negation, "
            "dates); 1: several serious errors or invented facts.",
        ),
    ),
    Criterion(
        "clarity",
        ("Claridad", "Clarity"),
        (
            "¿Se entiende a la primera, con orden lógico y terminología correcta? 5: claro y "
            "conciso; 3: comprensible pero desordenado o redundante; 1: confuso o ambiguo.",
            "Is it understood at first reading, in a logical order with correct terminology? "
            "5: clear and concise; 3: understandable but disordered or redundant; 1: confusing "
            "or ambiguous.",
        ),
    ),
    Criterion(
        "completeness",
        ("Completitud", "Completeness"),
        (
            "¿Recoge lo esencial: motivo de ingreso, diagnósticos, tratamientos, evolución y "
            "plan al alta? 5: nada importante falta; 3: falta algo relevante pero no crítico; "
            "1: faltan diagnósticos o tratamientos principales.",
            "Does it keep the essentials: reason for admission, diagnoses, treatments, course "
            "and discharge plan? 5: nothing important missing; 3: something relevant but not "
            "critical is missing; 1: main diagnoses or treatments are missing.",
        ),
    ),
)
CRITERION_NAMES = tuple(c.name for c in CRITERIA)

PAIR_CRITERIA: tuple[Criterion, ...] = (
    *CRITERIA,
    Criterion(
        "overall",
        ("Valoración global", "Overall"),
        (
            "¿Cuál de los dos resúmenes usaría usted? −2: claramente el izquierdo; −1: algo "
            "mejor el izquierdo; 0: iguales; +1: algo mejor el derecho; +2: claramente el derecho.",
            "Which of the two summaries would you use? −2: clearly the left one; −1: the left "
            "one somewhat better; 0: equal; +1: the right one somewhat better; +2: clearly the "
            "right one.",
        ),
    ),
)
PAIR_CRITERION_NAMES = tuple(c.name for c in PAIR_CRITERIA)

VERDICTS: dict[str, tuple[str, str]] = {
    "accept": ("Aceptar", "Accept"),
    "accept_edits": ("Aceptar con cambios", "Accept with edits"),
    "reject": ("Rechazar", "Reject"),
}

ERROR_TYPES: dict[str, tuple[str, str]] = {
    "omission": ("Omisión", "Omission"),
    "fabrication": ("Dato inventado", "Fabrication"),
    "wrong_drug": ("Fármaco erróneo", "Wrong drug"),
    "wrong_dose": ("Dosis errónea", "Wrong dose"),
    "wrong_unit": ("Unidad errónea", "Wrong unit"),
    "laterality": ("Lateralidad", "Laterality"),
    "negation": ("Negación", "Negation"),
    "timing": ("Temporalidad", "Timing"),
}

SEVERITIES: dict[str, tuple[str, str]] = {
    "minor": ("Leve", "Minor"),
    "major": ("Grave", "Major"),
    "critical": ("Crítica", "Critical"),
}


def label(pair: tuple[str, str], lang: str) -> str:
    """The Spanish or English side of a text pair."""
    return pair[0] if lang == "es" else pair[1]


def check_scores(scores: dict[str, object], names: tuple[str, ...], low: int, high: int) -> dict[str, int]:
    """Every criterion present as a whole number in ``low..high``; clear errors otherwise."""
    missing = [n for n in names if scores.get(n) is None]
    if missing:
        raise InputError(
            f"Please score every criterion; missing: {', '.join(missing)}.",
            hint="Each criterion of the rubric needs a value before submitting.",
        )
    clean: dict[str, int] = {}
    for name in names:
        value = scores[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
            raise InputError(f"The score for {name} must be a whole number, not {value!r}.")
        if not low <= int(value) <= high:
            raise InputError(f"The score for {name} must be between {low} and {high}, not {value}.")
        clean[name] = int(value)
    return clean


def needs_comment(scores: dict[str, int], verdict: str | None) -> bool:
    """A comment is required when a score is low (≤ 2) or the verdict is reject."""
    return verdict == "reject" or any(v <= LOW_SCORE for v in scores.values())


# -- PDSQI-9 ------------------------------------------------------------------------------------
# The nine attributes of the Provider Documentation Summarization Quality Instrument (PDSQI-9,
# Croxford et al. 2025), each rated 1–5 (5 best). Names follow the published item names; the
# guidance and anchors are this project's own short wording, in Spanish and English.
PDSQI_MIN, PDSQI_MAX = 1, 5
PDSQI9: tuple[Criterion, ...] = (
    Criterion("cited", ("Citado", "Cited"), (
        "¿Se puede rastrear cada afirmación hasta el lugar del registro de donde sale? "
        "5: todo es localizable; 3: parte no se encuentra; 1: casi nada es rastreable.",
        "Can each statement be traced to the place in the record it comes from? 5: all of it; "
        "3: some cannot be found; 1: almost nothing can be traced.")),
    Criterion("accurate", ("Exacto", "Accurate"), (
        "¿Lo que dice es correcto según el registro (datos, dosis, fechas, lado, negaciones)? "
        "5: sin errores; 3: errores menores; 1: errores graves o datos inventados.",
        "Is what it says correct according to the record (values, doses, dates, side, "
        "negations)? 5: no errors; 3: minor errors; 1: serious errors or invented facts.")),
    Criterion("thorough", ("Exhaustivo", "Thorough"), (
        "¿Incluye todo lo relevante para la pregunta clínica? 5: no falta nada importante; "
        "3: falta algo relevante; 1: faltan problemas principales.",
        "Does it include everything relevant to the clinical question? 5: nothing important "
        "missing; 3: something relevant missing; 1: main problems missing.")),
    Criterion("useful", ("Útil", "Useful"), (
        "¿Ayuda al médico que lo lee a decidir, sin información irrelevante? 5: muy útil; "
        "3: útil en parte; 1: no aporta.",
        "Does it help the reading physician decide, without irrelevant content? 5: very "
        "useful; 3: partly useful; 1: of no help.")),
    Criterion("organized", ("Organizado", "Organized"), (
        "¿Sigue un orden lógico (por problemas, cronológico) fácil de recorrer? 5: muy bien "
        "ordenado; 3: algo desordenado; 1: caótico.",
        "Does it follow a logical order (by problem, chronological) that is easy to scan? "
        "5: well ordered; 3: somewhat disordered; 1: chaotic.")),
    Criterion("comprehensible", ("Comprensible", "Comprehensible"), (
        "¿Se entiende con lenguaje claro y terminología correcta? 5: claro; 3: exige releer; "
        "1: confuso o ambiguo.",
        "Is it understood, in clear language with correct terminology? 5: clear; 3: needs "
        "re-reading; 1: confusing or ambiguous.")),
    Criterion("succinct", ("Conciso", "Succinct"), (
        "¿Es breve, sin repeticiones ni relleno? 5: conciso; 3: algo redundante; 1: muy "
        "repetitivo o extenso.",
        "Is it brief, without repetition or filler? 5: succinct; 3: somewhat redundant; "
        "1: very repetitive or long.")),
    Criterion("synthesized", ("Sintetizado", "Synthesized"), (
        "¿Integra la información en un juicio clínico en vez de copiarla? 5: buena síntesis; "
        "3: sobre todo copia; 1: solo fragmentos copiados.",
        "Does it integrate the information into clinical reasoning rather than copying it? "
        "5: good synthesis; 3: mostly copied; 1: copied fragments only.")),
    Criterion("stigmatizing", ("Sin lenguaje estigmatizante", "Free of stigmatizing language"), (
        "¿Evita expresiones que culpan o etiquetan al paciente («no colaborador», «abusa»)? "
        "5: ninguna; 3: alguna expresión dudosa; 1: lenguaje claramente estigmatizante.",
        "Does it avoid wording that blames or labels the patient ('non-compliant', 'abuser')? "
        "5: none; 3: some questionable wording; 1: clearly stigmatizing language.")),
)
PDSQI9_NAMES = tuple(c.name for c in PDSQI9)
