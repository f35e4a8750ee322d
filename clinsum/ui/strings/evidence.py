"""Strings of evidence-linked review, PDSQI-9 rating and judge calibration (shared by pages)."""
STRINGS = {
    "evidence.title": ("Evidencia frase a frase", "Sentence-by-sentence evidence"),
    "evidence.intro": (
        "Cada frase del resumen, con las frases del registro que la respaldan. Elija una frase "
        "para ver su evidencia resaltada en el registro.",
        "Each summary sentence with the record sentences that support it. Pick a sentence to "
        "see its evidence highlighted in the record.",
    ),
    "evidence.label.supported": ("Respaldada", "Supported"),
    "evidence.label.partly_supported": ("Respaldada en parte", "Partly supported"),
    "evidence.label.unsupported": ("Sin respaldo", "Unsupported"),
    "evidence.label.contradicted": ("Contradicha", "Contradicted"),
    "evidence.legend": ("Leyenda:", "Legend:"),
    "evidence.sentences": ("Frases del resumen", "Summary sentences"),
    "evidence.record": ("Registro (evidencia resaltada)", "Record (evidence highlighted)"),
    "evidence.none": ("El resumen no tiene frases que revisar.", "The summary has no sentences to review."),
    "evidence.no_evidence": (
        "Ninguna frase del registro respalda esta frase.",
        "No record sentence supports this sentence.",
    ),
    "evidence.n_evidence": ("{n} frase(s) del registro como evidencia", "{n} record sentence(s) as evidence"),
    "evidence.reasons": ("Motivos: {reasons}", "Reasons: {reasons}"),
    "evidence.coverage": ("Cobertura del contenido: {value}", "Content covered: {value}"),
    "evidence.summary_counts": (
        "{supported} respaldadas, {partly} en parte, {unsupported} sin respaldo, {contradicted} contradichas · "
        "secciones del registro usadas: {coverage}",
        "{supported} supported, {partly} partly, {unsupported} unsupported, {contradicted} contradicted · "
        "record sections used: {coverage}",
    ),
    "evidence.review": ("Su revisión de esta etiqueta", "Your review of this label"),
    "evidence.reviewer": ("Su nombre", "Your name"),
    "evidence.reviewer_help": (
        "La revisión se guarda como anotación con su nombre.",
        "The review is stored as an annotation under your name.",
    ),
    "evidence.confirm": ("Confirmar etiqueta", "Confirm label"),
    "evidence.correct_to": ("Etiqueta correcta", "Correct label"),
    "evidence.overturn": ("Cambiar etiqueta", "Overturn label"),
    "evidence.saved.confirm": ("Etiqueta confirmada: {label}.", "Label confirmed: {label}."),
    "evidence.saved.overturn": ("Etiqueta cambiada a: {label}.", "Label overturned to: {label}."),
    "evidence.reviews": ("Revisiones: {items}", "Reviews: {items}"),
    "evidence.not_aligned": (
        "Este resumen aún no está alineado con su registro (unos segundos la primera vez).",
        "This summary is not aligned with its record yet (a few seconds the first time).",
    ),
    "evidence.align": ("Alinear frases con el registro", "Align sentences with the record"),
    "evidence.computing": ("Alineando el resumen con el registro…", "Aligning the summary with the record…"),
    "evidence.computed": ("Resumen alineado con el registro: {n} frases.", "Summary aligned with the record: {n} sentences."),
    "evidence.candidate": ("Resumen a revisar", "Summary to review"),
    "evidence.expander": ("Evidencia frase a frase", "Sentence-by-sentence evidence"),
    # PDSQI-9
    "pdsqi.title": ("Rúbrica PDSQI-9", "PDSQI-9 rubric"),
    "pdsqi.intro": (
        "Los nueve atributos del PDSQI-9 (1–5, 5 es lo mejor). Pase el ratón por «?» para ver la guía.",
        "The nine PDSQI-9 attributes (1–5, 5 best). Hover over '?' for the guidance.",
    ),
    "pdsqi.comment": ("Comentario (opcional)", "Comment (optional)"),
    "pdsqi.submit": ("Guardar PDSQI-9", "Save PDSQI-9"),
    "pdsqi.saved": ("Valoración PDSQI-9 guardada.", "PDSQI-9 rating saved."),
    "pdsqi.already": ("Ya valoró este resumen con PDSQI-9; guardar de nuevo la sustituye.",
                      "You already rated this summary with PDSQI-9; saving again replaces it."),
    "pdsqi.agreement": ("Acuerdo PDSQI-9 por atributo", "PDSQI-9 agreement per item"),
    "pdsqi.no_overlap": (
        "Aún no hay resúmenes valorados con PDSQI-9 por dos o más anotadores.",
        "No summary has been rated with PDSQI-9 by two or more annotators yet.",
    ),
    "annotate.kind.pdsqi": ("PDSQI-9", "PDSQI-9"),
    # judge calibration
    "calibration.title": ("Calibración del juez LLM", "LLM judge calibration"),
    "calibration.intro": (
        "Acuerdo entre el juez LLM y los médicos por criterio (ICC, κ ponderado cuadrático, "
        "Spearman; intervalos bootstrap del 95 %). Un criterio está calibrado cuando su ICC "
        "alcanza el umbral en al menos el número de elementos indicado.",
        "Agreement between the LLM judge and physicians per criterion (ICC, quadratic-weighted "
        "κ, Spearman; 95% bootstrap intervals). A criterion is calibrated once its ICC reaches "
        "the threshold on at least the given number of items.",
    ),
    "calibration.threshold": ("Umbral de ICC", "ICC threshold"),
    "calibration.min_items": ("Mínimo de elementos valorados", "Minimum rated items"),
    "calibration.save": ("Guardar umbral", "Save threshold"),
    "calibration.saved": ("Umbral guardado.", "Threshold saved."),
    "calibration.none": (
        "Aún no hay elementos con puntuaciones del juez y valoraciones de médicos a la vez: "
        "puntúe los resúmenes con un juez (`clinsum judge`) y valórelos en la página Anotación.",
        "No item has both judge scores and physician ratings yet: score the summaries with a judge "
        "(`clinsum judge`) and rate them on the Annotation page.",
    ),
    "calibration.status.calibrated": ("calibrado", "calibrated"),
    "calibration.status.not_calibrated": ("no calibrado", "not calibrated"),
    "calibration.status.too_few": ("no calibrado (pocos datos)", "not calibrated (too few items)"),
    "calibration.mark": (
        "⚠ Puntuaciones del juez LLM no calibradas: {names}. Su acuerdo con los médicos no "
        "alcanza aún el umbral (véase Explorador → valoraciones).",
        "⚠ LLM judge scores not calibrated: {names}. Their agreement with physicians has not "
        "reached the threshold yet (see Explorer → ratings).",
    ),
    "calibration.mark_ok": ("✓ Juez LLM calibrado: {names}.", "✓ LLM judge calibrated: {names}."),
}
