"""Strings of the side-by-side comparison page."""
STRINGS = {
    "nav.compare": ("Comparar", "Compare"),
    "compare.title": ("Comparación lado a lado", "Side-by-side comparison"),
    "compare.intro": (
        "Un registro, su resumen de referencia y uno o más resúmenes generados, uno junto al "
        "otro. En amarillo, las frases que el resumen comparte con la referencia; en rojo, los "
        "datos que el registro original no respalda.",
        "A record, its reference summary and one or more generated summaries side by side. "
        "Yellow marks phrases a summary shares with the reference; red marks facts the source "
        "record does not support.",
    ),
    "compare.empty": (
        "Todavía no hay resúmenes generados. Genere algunos en la página Resumir (o con una "
        "rejilla de experimentos) y vuelva aquí.",
        "There are no generated summaries yet. Generate some on the Summarize page (or with an "
        "experiment grid) and come back.",
    ),
    "compare.record": ("Registro", "Record"),
    "compare.prev": ("◀ Anterior", "◀ Previous"),
    "compare.next": ("Siguiente ▶", "Next ▶"),
    "compare.position": ("Registro {i} de {n}", "Record {i} of {n}"),
    "compare.jump.metric": ("Saltar según la métrica", "Jump by metric"),
    "compare.jump.worst": ("Peor", "Worst"),
    "compare.jump.best": ("Mejor", "Best"),
    "compare.jump.random": ("Al azar", "Random"),
    "compare.jump.none": (
        "Todavía no hay métricas: puntúe los resúmenes (página Explorador de métricas, «Puntuar "
        "ahora», o `clinsum score`) para saltar al peor o al mejor.",
        "No metrics yet: score the summaries (Metric explorer page, “Score now”, or `clinsum "
        "score`) to jump to the worst or best.",
    ),
    "compare.jumped": ("{which}: {metric} = {value}", "{which}: {metric} = {value}"),
    "compare.candidates": ("Resúmenes a comparar", "Summaries to compare"),
    "compare.ngram": ("Longitud de las frases compartidas (palabras)", "Shared phrase length (words)"),
    "compare.source": ("Registro original", "Source record"),
    "compare.reference": ("Referencia (versión {version}, {status})", "Reference (version {version}, {status})"),
    "compare.no_reference": (
        "Este registro no tiene resumen de referencia: no hay frases compartidas que marcar.",
        "This record has no reference summary: there are no shared phrases to mark.",
    ),
    "compare.no_candidates": (
        "Este registro no tiene resúmenes generados con éxito: genere uno en la página Resumir.",
        "This record has no successfully generated summaries: generate one on the Summarize page.",
    ),
    "compare.flags": ("{n} dato(s) no respaldado(s) por el registro", "{n} fact(s) not supported by the record"),
    "compare.flags.none": ("Sin datos dudosos detectados.", "No doubtful facts found."),
    "compare.flags.off": (
        "Marcas de fidelidad no disponibles (falta el motor de métricas y no hay marcas guardadas).",
        "Faithfulness marks unavailable (no metrics engine and no stored marks).",
    ),
    "compare.metrics": ("Métricas de este par", "Metrics of this pair"),
    "compare.metrics.none": ("Sin métricas guardadas: puntúe para verlas.", "No stored metrics: score to see them."),
    "compare.legend": (
        "Amarillo: compartido con la referencia · Rojo: no respaldado por el registro",
        "Yellow: shared with the reference · Red: not supported by the record",
    ),
}
