"""Strings of the Knowledge base page and of the RAG view on the live page."""
STRINGS = {
    "nav.knowledge_base": ("Base de conocimiento", "Knowledge base"),
    "kb.title": ("Bases de conocimiento (RAG)", "Knowledge bases (RAG)"),
    "kb.intro": (
        "Colecciones de textos médicos (preguntas y respuestas, explicaciones, resúmenes validados) "
        "en las que las estrategias RAG buscan contexto para cada apartado de un informe. Cree una "
        "base, cargue un archivo (CSV, JSONL o Parquet; formatos MedMCQA, HEAD-QA, pregunta/respuesta "
        "o texto libre), busque en ella y vea qué tan cerca está cada pasaje de su consulta.",
        "Collections of medical texts (questions and answers, explanations, validated summaries) "
        "where the RAG strategies look up context for each section of a record. Create a base, load "
        "a file (CSV, JSONL or Parquet; MedMCQA, HEAD-QA, question/answer or free-text layouts), "
        "search it, and see how close each passage is to your query.",
    ),
    "kb.none": ("Todavía no hay bases de conocimiento. Cree una o cargue la base semilla.",
                "No knowledge bases yet. Create one, or load the seed base."),
    "kb.bases": ("Bases de este espacio de trabajo", "Bases in this workspace"),
    "kb.pick": ("Base de conocimiento", "Knowledge base"),
    "kb.create": ("Crear una base", "Create a base"),
    "kb.create.name": ("Nombre (minúsculas, cifras, - o _)", "Name (lower case, digits, - or _)"),
    "kb.create.description": ("Descripción", "Description"),
    "kb.create.button": ("Crear", "Create"),
    "kb.created": ("Base «{name}» creada.", "Base “{name}” created."),
    "kb.seed": ("Cargar la base semilla (200 entradas es/en escritas para clinsum)",
                "Load the seed base (200 es/en entries written for clinsum)"),
    "kb.seed_started": ("Cargando la base semilla en segundo plano…", "Loading the seed base in the background…"),
    "kb.tab.search": ("Buscar", "Search"),
    "kb.tab.ingest": ("Cargar datos", "Ingest"),
    "kb.tab.browse": ("Explorar", "Browse"),
    "kb.tab.manage": ("Estadísticas y borrado", "Stats and delete"),
    "kb.search.query": ("Consulta", "Query"),
    "kb.search.k": ("Resultados (k)", "Results (k)"),
    "kb.search.max_distance": ("Distancia máxima (coseno; 0 = idéntico, 2 = opuesto)",
                               "Maximum distance (cosine; 0 = identical, 2 = opposite)"),
    "kb.search.none": ("Ningún pasaje está dentro de esa distancia: auméntela o reformule la consulta.",
                       "No passage is within that distance: raise it or rephrase the query."),
    "kb.search.hit": ("#{rank} · distancia {distance:.3f} · similitud {score:.3f}",
                      "#{rank} · distance {distance:.3f} · similarity {score:.3f}"),
    "kb.search.empty": ("La base está vacía: cargue datos primero.", "The base is empty: ingest data first."),
    "kb.ingest.help": (
        "Se detecta el formato por las columnas: MedMCQA (question, opa–opd, cop, exp), HEAD-QA "
        "(qtext, answers, ra), pregunta/respuesta (question, answer) o texto (text). Las filas mal "
        "formadas se saltan y se informa de su línea. Lo ya guardado no se repite: si la carga se "
        "interrumpe, reanúdela y seguirá donde iba.",
        "The layout is detected from the columns: MedMCQA (question, opa–opd, cop, exp), HEAD-QA "
        "(qtext, answers, ra), question/answer (question, answer) or text (text). Malformed rows are "
        "skipped and reported with their line. What is stored is never repeated: if an ingestion "
        "stops, resume it and it goes on where it was.",
    ),
    "kb.ingest.file": ("Archivo (CSV, TSV, JSONL, JSON o Parquet)", "File (CSV, TSV, JSONL, JSON or Parquet)"),
    "kb.ingest.layout": ("Formato", "Layout"),
    "kb.ingest.layout.auto": ("Detectar", "Detect"),
    # one per layout of clinsum.rag.layouts (English equals the layout's own description)
    "kb.layout.medmcqa": ("MedMCQA: question, opa–opd, cop (opción correcta, desde 0; cop_base=1 si empieza en 1), "
                          "exp, subject_name, topic_name",
                          "MedMCQA: question, opa–opd, cop (correct option, 0-based; cop_base=1 for 1-based), "
                          "exp, subject_name, topic_name"),
    "kb.layout.headqa": ("HEAD-QA: qtext, answers [{aid, atext}], ra (id de la respuesta correcta), category, year, name",
                         "HEAD-QA: qtext, answers [{aid, atext}], ra (right answer id), category, year, name"),
    "kb.layout.qa": ("Pregunta y respuesta: question, answer (+ topic, category, language, id)",
                     "Question and answer: question, answer (+ topic, category, language, id)"),
    "kb.layout.text": ("Texto libre: text (+ title, id, language)", "Free text: text (+ title, id, language)"),
    "kb.ingest.mapping": ("Correspondencia de columnas (opcional): CAMPO=COLUMNA, …",
                          "Column mapping (optional): FIELD=COLUMN, …"),
    "kb.ingest.start": ("Cargar", "Ingest"),
    "kb.ingest.references": ("Cargar los resúmenes de referencia validados de este espacio",
                             "Ingest this workspace's validated reference summaries"),
    "kb.ingest.started": ("Carga iniciada (tarea {job}).", "Ingestion started (job {job})."),
    "kb.ingest.problems": ("Filas saltadas: {n}", "Rows skipped: {n}"),
    "kb.ingest.report": ("Leídas {rows_read} filas: {added} añadidas, {existing} ya guardadas, "
                         "{duplicates} duplicadas, {problems} con problemas.",
                         "Read {rows_read} rows: {added} added, {existing} already stored, "
                         "{duplicates} duplicates, {problems} with problems."),
    "kb.ingest.refresh": ("Actualizar", "Refresh"),
    "kb.browse.offset": ("Desde el pasaje", "From passage"),
    "kb.stats.passages": ("Pasajes", "Passages"),
    "kb.stats.rows": ("Filas leídas", "Rows read"),
    "kb.stats.problems": ("Filas con problemas", "Rows with problems"),
    "kb.stats.runs": ("Cargas", "Ingestions"),
    "kb.delete": ("Borrar esta base", "Delete this base"),
    "kb.delete.confirm": ("Escriba el nombre de la base para confirmar", "Type the base's name to confirm"),
    "kb.delete.button": ("Borrar definitivamente", "Delete for good"),
    "kb.deleted": ("Base «{name}» borrada.", "Base “{name}” deleted."),
    "rag.settings": ("Recuperación (RAG)", "Retrieval (RAG)"),
    "rag.kb": ("Base de conocimiento", "Knowledge base"),
    "rag.top_k": ("Pasajes por idea (k)", "Passages per idea (k)"),
    "rag.max_distance": ("Distancia máxima", "Maximum distance"),
    "rag.seed_note": ("La base semilla se crea la primera vez que se usa (unos segundos).",
                      "The seed base is created the first time it is used (a few seconds)."),
    "rag.phases": ("Tiempo por etapa (reloj)", "Time per stage (wall clock)"),
    "rag.phase": ("Etapa", "Stage"),
    "rag.seed_loading": ("Base semilla (solo la primera vez): cargando el modelo de embeddings…",
                         "Seed base (first use only): loading the embedding model…"),
    "rag.seed_building": ("Creando la base de conocimiento semilla (solo la primera vez)…",
                          "Building the seed knowledge base (first use only)…"),
    "rag.seed_progress": ("Creando la base semilla (solo la primera vez): {done} de {total} pasajes…",
                          "Building the seed base (first use only): {done} of {total} passages…"),
    "rag.seed_built": ("Base semilla lista: {n} pasajes.", "Seed base ready: {n} passages."),
    "rag.seconds": ("Segundos", "Seconds"),
    "rag.ideas": ("Ideas clave y pasajes por apartado", "Key ideas and passages per section"),
    "rag.idea": ("Idea: {idea}", "Idea: {idea}"),
    "rag.no_passages": ("Ningún pasaje dentro de la distancia máxima.", "No passage within the maximum distance."),
    "rag.passage": ("distancia {distance:.3f}", "distance {distance:.3f}"),
    "rag.summary": ("{passages} pasajes de «{kb}» (k={k}); {dups} repetidos entre ideas descartados.",
                    "{passages} passages from “{kb}” (k={k}); {dups} repeated across ideas dropped."),
    "rag.preview": ("Recuperación para este registro (cada apartado usado como consulta)",
                    "Retrieval for this record (each section used as the query)"),
    "rag.preview_button": ("Ver qué pasajes se recuperarían", "Show which passages would be retrieved"),
    "rag.needs_llm": (
        "La generación con RAG (ideas clave, resúmenes por apartado y fusión) necesita un modelo de "
        "lenguaje: Ollama, un servidor compatible con OpenAI o OpenAI. Con el motor extractivo solo "
        "se muestra la recuperación.",
        "RAG generation (key ideas, section summaries and merge) needs a language model: Ollama, an "
        "OpenAI-compatible server or OpenAI. With the extractive backend only retrieval is shown.",
    ),
}
