STRINGS = {
    "home.title": ("clinsum · resúmenes clínicos", "clinsum · clinical summaries"),
    "home.intro": (
        "Resuma historias clínicas con modelos de lenguaje pequeños y juzgue los resúmenes: "
        "todo queda guardado en el espacio de trabajo.",
        "Summarize clinical records with small language models and judge the summaries: "
        "everything is kept in the workspace.",
    ),
    "home.what": ("Qué puede hacer aquí", "What you can do here"),
    "home.counts": ("En este espacio de trabajo", "In this workspace"),
    "home.count.records": ("Registros", "Records"),
    "home.count.reference_summaries": ("Resúmenes de referencia", "Reference summaries"),
    "home.count.generations": ("Resúmenes generados", "Generated summaries"),
    "home.count.metrics": ("Valores de métricas", "Metric values"),
    "home.count.annotations": ("Anotaciones", "Annotations"),
    "home.count.jobs": ("Trabajos", "Jobs"),
    "home.backends": ("Disponibilidad", "Availability"),
    "home.backends.help": (
        "Las mismas comprobaciones que `clinsum doctor`. El resumen extractivo funciona siempre, "
        "sin servidor ni descargas.",
        "The same checks as `clinsum doctor`. The extractive summarizer always works, with no "
        "server and no downloads.",
    ),
    "home.check.ok": ("disponible", "available"),
    "home.check.missing": ("no disponible", "not available"),
    "home.empty": (
        "El espacio de trabajo está vacío. Cargue los registros de demostración (sintéticos) o "
        "importe los suyos en Registros.",
        "The workspace is empty. Load the (synthetic) demo records, or import your own in Records.",
    ),
    "home.load_demo": ("Cargar registros de demostración", "Load demo records"),
    "home.demo_loaded": ("Demostración cargada: {records} registros, {references} referencias.",
                         "Demo loaded: {records} records, {references} references."),
    "home.page.records": ("Explore, busque e importe historias clínicas; vea sus secciones.",
                          "Browse, search and import clinical records; see their sections."),
    "home.page.summarize": ("Resuma un registro en directo con el modelo y la estrategia que elija.",
                            "Summarize a record live with the model and strategy of your choice."),
    "home.page.grids": ("Lance rejillas de experimentos (modelos × estrategias × temperaturas).",
                        "Run experiment grids (models × strategies × temperatures)."),
    "home.page.compare": ("Compare registro, referencia y candidatos lado a lado.",
                          "Compare record, reference and candidates side by side."),
    "home.page.explorer": ("Explore las métricas con gráficos y SQL de solo lectura.",
                           "Explore metrics with charts and read-only SQL."),
    "home.page.knowledge_base": ("Bases de conocimiento médico para RAG.",
                                 "Medical knowledge bases for RAG."),
    "home.page.references": ("Genere resúmenes de referencia, desidentificados primero.",
                             "Generate reference summaries, de-identified first."),
    "home.page.annotate": ("Médicos: valoren y corrijan los resúmenes de referencia.",
                           "Physicians: rate and correct reference summaries."),
    "home.page.finetune": ("Ajuste fino LoRA sobre referencias validadas.",
                           "LoRA fine-tuning on validated references."),
    "home.demo_loading": ("Cargando la demostración…", "Loading the demo…"),
    "home.demo_step.records": ("Importando los registros y referencias de demostración…",
                               "Importing the demo records and references…"),
    "home.demo_step.summarize": ("Resumiendo los registros de demostración ({done} de {total})…",
                                 "Summarizing the demo records ({done} of {total})…"),
    "home.demo_step.score": ("Calculando las métricas…", "Computing the metrics…"),
    "home.demo_step.annotate": ("Añadiendo anotaciones sintéticas…", "Adding synthetic annotations…"),
    "home.try_first": ("Por dónde empezar", "Where to start"),
    "home.demo_data": (
        "Datos de demostración: registros sintéticos, resúmenes extractivos (MMR, TextRank y "
        "primeras frases) y valoraciones sintéticas de dos anotadores de demostración. Ningún "
        "paciente es real.",
        "Demo data: synthetic records, extractive summaries (MMR, TextRank and lead sentences) "
        "and synthetic ratings by two demo annotators. No patient is real.",
    ),
    "home.try.compare": ("1. Comparar: un registro, su referencia y tres resúmenes lado a lado",
                         "1. Compare: a record, its reference and three summaries side by side"),
    "home.try.explorer": ("2. Explorador de métricas: qué método puntúa mejor, y con qué coinciden los médicos",
                          "2. Metric explorer: which method scores best, and what agrees with the doctors"),
    "home.try.annotate": ("3. Anotación: valore un resumen como lo haría un médico",
                          "3. Annotation: rate a summary as a physician would"),
    "home.demo_building": (
        "Preparando el contenido de demostración (resúmenes, métricas, valoraciones); las páginas "
        "se llenan en cuanto termina.",
        "Preparing the demo content (summaries, metrics, ratings); the pages fill in as soon as it is done.",
    ),
}
