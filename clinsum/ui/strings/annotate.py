"""Strings of the expert annotation page."""
STRINGS = {
    "nav.annotate": ("Anotación experta", "Expert annotation"),
    "annotate.title": ("Anotación experta de resúmenes", "Expert annotation of summaries"),
    "annotate.intro": (
        "Revise cada resumen de referencia frente a su registro: puntúe, marque errores, corríjalo "
        "si hace falta y envíe. Todo se guarda solo mientras trabaja.",
        "Review each reference summary against its record: score it, mark errors, correct it if "
        "needed and submit. Everything is saved automatically while you work.",
    ),
    # identity
    "annotate.who": ("¿Quién anota?", "Who is annotating?"),
    "annotate.who_help": (
        "Use siempre el mismo nombre: así se recuperan sus borradores y su cola de trabajo.",
        "Always use the same name: that is how your drafts and your queue come back.",
    ),
    "annotate.name": ("Nombre de anotador", "Annotator name"),
    "annotate.password": ("Contraseña", "Password"),
    "annotate.password_help": (
        "La lista de anotadores tiene contraseñas (configuradas por el coordinador del estudio).",
        "The annotator list has passwords (set by the study coordinator).",
    ),
    "annotate.start": ("Empezar", "Start"),
    "annotate.as": ("Anotando como **{name}**", "Annotating as **{name}**"),
    "annotate.switch": ("Cambiar de anotador", "Switch annotator"),
    # tabs
    "annotate.tab.review": ("Revisar referencias", "Review references"),
    "annotate.tab.pairwise": ("Comparación a ciegas", "Blinded comparison"),
    "annotate.tab.agreement": ("Acuerdo", "Agreement"),
    "annotate.tab.export": ("Exportar", "Export"),
    "annotate.tab.settings": ("Ajustes", "Settings"),
    # queue
    "annotate.progress": ("{done} de {total} enviados", "{done} of {total} submitted"),
    "annotate.empty_queue": (
        "No tiene elementos asignados. Cargue registros con referencias (página Registros, o la "
        "demo) o pida al coordinador que ajuste el solapamiento.",
        "You have no items assigned. Load records with references (Records page, or the demo) or "
        "ask the coordinator to adjust the overlap.",
    ),
    "annotate.item": ("Elemento", "Item"),
    "annotate.state.done": ("enviado", "submitted"),
    "annotate.state.draft": ("borrador", "draft"),
    "annotate.state.todo": ("pendiente", "to do"),
    "annotate.next": ("Siguiente pendiente", "Next to do"),
    # review
    "annotate.record": ("Registro clínico", "Clinical record"),
    "annotate.reference": ("Resumen de referencia (versión {version})", "Reference summary (version {version})"),
    "annotate.rubric": ("Rúbrica", "Rubric"),
    "annotate.scale_help": ("1 = muy malo … 5 = excelente", "1 = very poor … 5 = excellent"),
    "annotate.verdict": ("Veredicto", "Verdict"),
    "annotate.edit": ("Editar la referencia", "Edit the reference"),
    "annotate.edit_help": (
        "Si corrige el texto, se guarda como una versión nueva; la original se conserva. Elija "
        "entonces «Aceptar con cambios».",
        "If you correct the text it is stored as a new version; the original is kept. Then choose "
        "'Accept with edits'.",
    ),
    "annotate.edited_note": ("Ha modificado el texto.", "You changed the text."),
    "annotate.comment": ("Comentario", "Comment"),
    "annotate.comment_required": (
        "Obligatorio si alguna puntuación es 2 o menos, o si rechaza.",
        "Required when a score is 2 or lower, or when you reject.",
    ),
    "annotate.spans": ("Errores marcados", "Marked errors"),
    "annotate.no_spans": ("Ningún error marcado.", "No error marked."),
    "annotate.add_span": ("Marcar un error", "Mark an error"),
    "annotate.quote": ("Texto exacto del error (cópielo)", "Exact text of the error (copy it)"),
    "annotate.quote_help": (
        "Pegue las palabras tal como aparecen. Si aparecen varias veces, indique cuál.",
        "Paste the words exactly as they appear. If they appear several times, say which one.",
    ),
    "annotate.occurrence": ("Aparición n.º", "Occurrence no."),
    "annotate.error_type": ("Tipo de error", "Error type"),
    "annotate.severity": ("Gravedad", "Severity"),
    "annotate.target": ("El texto está en", "The text is in"),
    "annotate.target.reference": ("el resumen", "the summary"),
    "annotate.target.record": ("el registro (omisión)", "the record (omission)"),
    "annotate.span_note": ("Nota (opcional)", "Note (optional)"),
    "annotate.add": ("Añadir error", "Add error"),
    "annotate.remove": ("Quitar", "Remove"),
    "annotate.submit": ("Enviar revisión", "Submit review"),
    "annotate.submitted": (
        "Revisión guardada. Estado de la referencia: {decision}.",
        "Review saved. Reference status: {decision}.",
    ),
    "annotate.decision.validated": ("validada", "validated"),
    "annotate.decision.edited": ("validada la versión editada", "edited version validated"),
    "annotate.decision.rejected": ("rechazada", "rejected"),
    "annotate.decision.undecided": (
        "sin mayoría (hace falta otra revisión)", "no majority (another review is needed)"),
    "annotate.decision.pending": ("pendiente", "pending"),
    "annotate.already": (
        "Ya envió este elemento; si lo cambia y vuelve a enviar, se actualiza su revisión.",
        "You already submitted this item; change it and submit again to update your review.",
    ),
    "annotate.draft_restored": ("Borrador recuperado.", "Draft restored."),
    "annotate.save_failed": (
        "No se pudo guardar el borrador ({reason}). Sus cambios siguen en esta pestaña; se "
        "guardarán con el próximo cambio o al enviar.",
        "The draft could not be saved ({reason}). Your changes are still in this tab; they will "
        "be saved with the next change or when you submit.",
    ),
    # pairwise
    "annotate.pair_intro": (
        "Dos resúmenes del mismo registro, en orden aleatorio y sin decir de dónde vienen. "
        "−2 = claramente mejor el izquierdo, 0 = iguales, +2 = claramente mejor el derecho.",
        "Two summaries of the same record, in random order and without saying where they come "
        "from. −2 = the left one clearly better, 0 = equal, +2 = the right one clearly better.",
    ),
    "annotate.pair_empty": (
        "No hay comparaciones asignadas. Se crean en Ajustes a partir de resúmenes generados "
        "(hacen falta generaciones guardadas).",
        "No comparisons assigned. They are made in Settings from generated summaries (stored "
        "generations are needed).",
    ),
    "annotate.left": ("Resumen izquierdo", "Left summary"),
    "annotate.right": ("Resumen derecho", "Right summary"),
    "annotate.show_record": ("Ver el registro", "Show the record"),
    "annotate.pair_submit": ("Enviar comparación", "Submit comparison"),
    "annotate.pair_saved": ("Comparación guardada.", "Comparison saved."),
    "annotate.pair_unset": ("Sin valorar", "Not rated"),
    # agreement
    "annotate.kind": ("Tipo de anotación", "Annotation kind"),
    "annotate.kind.reference": ("Revisión de referencias", "Reference review"),
    "annotate.kind.pairwise": ("Comparación a ciegas", "Blinded comparison"),
    "annotate.no_overlap": (
        "El acuerdo aparece cuando dos anotadores han enviado el mismo elemento.",
        "Agreement appears once two annotators have submitted the same item.",
    ),
    "annotate.overlap_items": (
        "{n} elemento(s) revisados por dos o más anotadores.",
        "{n} item(s) reviewed by two or more annotators.",
    ),
    "annotate.overall": ("Entre todos (alfa de Krippendorff, % de acuerdo)",
                         "Across all (Krippendorff's alpha, % agreement)"),
    "annotate.pairs": ("Por pareja de anotadores (kappa de Cohen ponderado)",
                       "Per pair of annotators (weighted Cohen's kappa)"),
    "annotate.agreement_help": (
        "Kappa y alfa: 1 = acuerdo perfecto, 0 = lo esperable por azar. «—» = no calculable "
        "(sin variación o pocos datos). La comparación a ciegas se analiza con el orden deshecho.",
        "Kappa and alpha: 1 = perfect agreement, 0 = what chance would give. '—' = not computable "
        "(no variation or too little data). Blinded comparisons are analysed with the order undone.",
    ),
    "annotate.progress_all": ("Progreso por anotador", "Progress per annotator"),
    # export
    "annotate.export_validated": ("Referencias validadas (entrada del ajuste fino)",
                                  "Validated references (fine-tuning input)"),
    "annotate.export_pairwise": ("Preferencias por pares (conjunto DPO)",
                                 "Pairwise preferences (DPO dataset)"),
    "annotate.rows": ("{n} fila(s)", "{n} row(s)"),
    "annotate.download_jsonl": ("Descargar JSONL", "Download JSONL"),
    "annotate.download_parquet": ("Descargar Parquet", "Download Parquet"),
    "annotate.cli_hint": ("Lo mismo desde la terminal:", "The same from the terminal:"),
    # settings
    "annotate.overlap": ("Anotadores por elemento (solapamiento)", "Annotators per item (overlap)"),
    "annotate.overlap_help": (
        "Con 2 o más, varios médicos ven los mismos elementos y se puede medir el acuerdo. El "
        "reparto es determinista y estable cuando se incorpora alguien.",
        "With 2 or more, several physicians see the same items and agreement can be measured. "
        "The assignment is deterministic and stable when someone joins.",
    ),
    "annotate.overlap_saved": ("Solapamiento guardado: {k}.", "Overlap saved: {k}."),
    "annotate.make_pairs": ("Crear comparaciones a ciegas", "Make blinded comparisons"),
    "annotate.mode": ("Qué comparar", "What to compare"),
    "annotate.mode.reference_vs_generation": ("Referencia frente a cada generación",
                                              "Reference against each generation"),
    "annotate.mode.generations": ("Generaciones entre sí", "Generations against each other"),
    "annotate.pairs_made": ("{n} comparación(es) nueva(s).", "{n} new comparison(s)."),
    "annotate.annotators": ("Anotadores", "Annotators"),
    # blinded pairwise: telling comparisons apart (i11b)
    "annotate.pair_label": ("Comparación {n} de {total} · registro {record_id} · #{code}",
                            "Comparison {n} of {total} · record {record_id} · #{code}"),
    "annotate.pair_heading": ("Comparación {n} de {total} · registro {record_id} · código #{code}",
                              "Comparison {n} of {total} · record {record_id} · code #{code}"),
}
