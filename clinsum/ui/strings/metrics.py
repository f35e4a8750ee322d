"""Strings about metrics shared by the pages that show them (comparison, explorer, scoring)."""

STRINGS = {
    "metrics.family.rouge": ("ROUGE (solapamiento de palabras)", "ROUGE (word overlap)"),
    "metrics.family.bleu": ("BLEU (precisión de n-gramas)", "BLEU (n-gram precision)"),
    "metrics.family.meteor": ("METEOR (palabras, raíces y sinónimos)", "METEOR (words, stems, synonyms)"),
    "metrics.family.bertscore": ("BERTScore (similitud semántica)", "BERTScore (semantic similarity)"),
    "metrics.family.lexical": ("Estadísticas del texto", "Text statistics"),
    "metrics.family.codes": ("Códigos clínicos (CIE-10, ATC, procedimientos)", "Clinical codes (ICD-10, ATC, procedures)"),
    "metrics.family.faithfulness": ("Fidelidad a la historia", "Faithfulness to the record"),
    "metrics.family.judge": ("Juez LLM (rúbrica 1–5)", "LLM judge (1–5 rubric)"),
    "metrics.direction.higher": ("mejor cuanto más alto", "higher is better"),
    "metrics.direction.lower": ("mejor cuanto más bajo", "lower is better"),
    "metrics.direction.neutral": ("descriptivo", "descriptive"),
    "metrics.synonyms_on": (
        "METEOR usa sinónimos de WordNet (solo en textos en inglés).",
        "METEOR uses WordNet synonyms (English texts only).",
    ),
    "metrics.synonyms_off": (
        "WordNet no está instalado: METEOR compara solo palabras exactas y raíces (sinónimos desactivados). "
        "Instale el paquete wordnet-base para activarlos.",
        "WordNet is not installed: METEOR matches exact words and stems only (synonyms off). "
        "Install the wordnet-base package to turn them on.",
    ),
    "metrics.flag.number": ("cifra que no aparece en la historia", "number not in the record"),
    "metrics.flag.dose": ("dosis o unidad que no aparece en la historia", "dose or unit not in the record"),
    "metrics.flag.date": ("fecha que no aparece en la historia", "date not in the record"),
    "metrics.flag.laterality": ("lateralidad no respaldada", "unsupported laterality"),
    "metrics.flag.negation": ("hallazgo negado no respaldado", "unsupported negated finding"),
    "metrics.bertscore_chunked": (
        "Texto más largo que la ventana del modelo: se evaluó por tramos, sin recortar.",
        "Text longer than the model window: scored window by window, not truncated.",
    ),
    "metrics.judge_failed": (
        "El juez no devolvió una respuesta legible; se reintentará en la próxima evaluación.",
        "The judge gave no readable answer; it will be retried on the next scoring run.",
    ),
}
