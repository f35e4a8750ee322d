"""Strings of the live summarization page and the experiment grids section."""
STRINGS = {
    "nav.summarize": ("Resumir", "Summarize"),
    "summarize.title": ("Resumen en vivo", "Live summarization"),
    "summarize.intro": (
        "Elija un registro (o pegue o suba un texto), un modelo y una estrategia de prompting; "
        "el resumen aparece mientras se genera y puede guardarlo en el espacio de trabajo.",
        "Pick a record (or paste or upload a text), a model and a prompting strategy; the "
        "summary appears as it is generated and you can save it to the workspace.",
    ),
    "summarize.source": ("Origen del texto", "Text source"),
    "summarize.source.record": ("Registro del espacio de trabajo", "Workspace record"),
    "summarize.source.paste": ("Pegar texto", "Paste text"),
    "summarize.source.upload": ("Subir .txt", "Upload .txt"),
    "summarize.no_records": (
        "El espacio de trabajo no tiene registros: impórtelos en la página Registros, "
        "cargue la demo (`clinsum demo`) o pegue un texto.",
        "The workspace has no records: import them on the Records page, load the demo "
        "(`clinsum demo`) or paste a text.",
    ),
    "summarize.load_demo": ("Cargar los registros de demostración", "Load the demo records"),
    "summarize.paste_label": ("Texto del informe clínico", "Clinical record text"),
    "summarize.upload_label": ("Archivo de texto (.txt)", "Text file (.txt)"),
    "summarize.record_text": ("Texto del registro", "Record text"),
    "summarize.sections": ("{n} apartados detectados", "{n} sections found"),
    "summarize.backend": ("Motor", "Backend"),
    "summarize.backend_missing": ("No disponibles ahora", "Not available now"),
    "summarize.no_llm": (
        "No hay ningún servidor de modelos de lenguaje disponible: se usará el motor extractivo "
        "(selecciona frases del propio informe, no redacta). Para resúmenes redactados por un "
        "modelo hace falta Ollama, un servidor compatible con OpenAI o un modelo local.",
        "No language-model server is available: the extractive backend will be used (it "
        "selects sentences of the record, it does not write). Summaries written by a model need "
        "Ollama, an OpenAI-compatible server or a local model.",
    ),
    "summarize.extractive_note": (
        "Resumen EXTRACTIVO: frases seleccionadas del informe; la estrategia de prompting no se aplica.",
        "EXTRACTIVE summary: sentences selected from the record; the prompting strategy does not apply.",
    ),
    "summarize.model": ("Modelo", "Model"),
    "summarize.model_free": ("Nombre o ruta del modelo", "Model name or path"),
    "summarize.models_error": ("No se pudo listar los modelos: {error}", "Could not list the models: {error}"),
    "summarize.adapter": ("Adaptador LoRA", "LoRA adapter"),
    "summarize.no_adapter": ("(ninguno)", "(none)"),
    "summarize.strategy": ("Estrategia", "Strategy"),
    "summarize.language": ("Idioma del resumen", "Summary language"),
    "summarize.language.auto": ("El del registro", "The record's"),
    "summarize.decoding": ("Decodificación", "Decoding"),
    "summarize.temperature": ("Temperatura", "Temperature"),
    "summarize.top_k": ("Top-k", "Top-k"),
    "summarize.top_p": ("Top-p", "Top-p"),
    "summarize.beams": ("Haces (beams)", "Beams"),
    "summarize.repetition_penalty": ("Penalización por repetición", "Repetition penalty"),
    "summarize.max_tokens": ("Máximo de tokens nuevos", "Max new tokens"),
    "summarize.seed": ("Semilla (0 = aleatoria)", "Seed (0 = random)"),
    "summarize.run": ("Resumir", "Summarize"),
    "summarize.running": ("Generando…", "Generating…"),
    "summarize.stage_done": ("Etapa «{name}» lista en {seconds:.1f} s", "Stage '{name}' done in {seconds:.1f} s"),
    "summarize.summary": ("Resumen", "Summary"),
    "summarize.reference": ("Resumen de referencia (v{version}, {status})", "Reference summary (v{version}, {status})"),
    "summarize.no_reference": ("Este registro no tiene resumen de referencia.", "This record has no reference summary."),
    "summarize.timings": ("Tiempos y tokens por etapa", "Timings and tokens per stage"),
    "summarize.total": ("Total: {seconds:.2f} s · tokens de entrada {prompt} · tokens generados {completion}",
                        "Total: {seconds:.2f} s · prompt tokens {prompt} · generated tokens {completion}"),
    "summarize.prompts": ("Prompts enviados (exactos)", "Prompts sent (exact)"),
    "summarize.raw": ("Salida en bruto del modelo", "Raw model output"),
    "summarize.retrieval": ("Ejemplos o pasajes usados", "Examples or passages used"),
    "summarize.save": ("Guardar en el espacio de trabajo", "Save to the workspace"),
    "summarize.saved": ("Guardado como {id} (registro {record}).", "Saved as {id} (record {record})."),
    "summarize.editor": ("Crear o editar una estrategia propia", "Create or edit your own strategy"),
    "summarize.editor_help": (
        "Escriba las instrucciones; ponga {record} donde debe ir el texto del informe. "
        "Cada vez que guarda se crea una versión nueva.",
        "Write the instructions; put {record} where the record's text goes. Each save creates "
        "a new version.",
    ),
    "summarize.editor.name": ("Nombre (minúsculas, sin espacios)", "Name (lower case, no spaces)"),
    "summarize.editor.system": ("Mensaje de sistema (opcional)", "System message (optional)"),
    "summarize.editor.user": ("Instrucciones con {record}", "Instructions with {record}"),
    "summarize.editor.description": ("Descripción", "Description"),
    "summarize.editor.saved": ("Estrategia «{name}» guardada (versión {version}).",
                               "Strategy '{name}' saved (version {version})."),
    "summarize.custom_tag": ("propia", "custom"),
    "grids.title": ("Experimentos en rejilla", "Experiment grids"),
    "grids.intro": (
        "Una rejilla combina modelos × estrategias × temperaturas × decodificaciones × registros. "
        "Se ejecuta en segundo plano; puede detenerla y reanudarla sin repetir celdas.",
        "A grid combines models × strategies × temperatures × decodings × records. It runs in "
        "the background; you can stop and resume it without repeating cells.",
    ),
    "grids.mode": ("Cómo definir la rejilla", "How to define the grid"),
    "grids.mode.build": ("Construirla aquí", "Build it here"),
    "grids.mode.upload": ("Subir un GRID.toml", "Upload a GRID.toml"),
    "grids.upload": ("Archivo GRID.toml", "GRID.toml file"),
    "grids.name": ("Nombre de la rejilla", "Grid name"),
    "grids.models": ("Modelos", "Models"),
    "grids.models_help": (
        "Elija uno o más modelos de cada motor disponible; cada modelo es una fila de la rejilla.",
        "Pick one or more models of each available backend; each model is a row of the grid.",
    ),
    "grids.models_free": ("nombres o rutas separados por comas", "names or paths, comma-separated"),
    "grids.concurrency": ("Llamadas simultáneas que admite {backend}", "Calls {backend} serves at once"),
    "grids.no_models": ("Elija al menos un modelo para poder lanzar la rejilla.",
                        "Pick at least one model to be able to start the grid."),
    "grids.strategies": ("Estrategias", "Strategies"),
    "grids.temperatures": ("Temperaturas", "Temperatures"),
    "grids.decodings": ("Decodificaciones", "Decodings"),
    "grids.records": ("Registros", "Records"),
    "grids.records.all": ("Todos", "All"),
    "grids.records.selection": ("Una selección", "A selection"),
    "grids.records.demo": ("Los de demostración", "The demo ones"),
    "grids.records.pick": ("Registros elegidos", "Chosen records"),
    "grids.records.demo_count": ("Cuántos registros de demostración", "How many demo records"),
    "grids.records.no_demo": (
        "Este espacio de trabajo no tiene los registros de demostración.",
        "This workspace does not have the demo records.",
    ),
    "grids.plan": (
        "{cells} celdas = {models} modelo(s) × {strategies} estrategia(s) × {temperatures} "
        "temperatura(s) × {decodings} decodificación(es) × {records} registro(s); unas {calls} "
        "llamadas al modelo.",
        "{cells} cells = {models} model(s) × {strategies} strategy(ies) × {temperatures} "
        "temperature(s) × {decodings} decoding(s) × {records} record(s); about {calls} model calls.",
    ),
    "grids.estimate": (
        "Duración estimada: unos {time} (según generaciones anteriores con el mismo modelo y estrategia).",
        "Estimated duration: about {time} (from earlier generations with the same model and strategy).",
    ),
    "grids.estimate_partial": (
        "Sin tiempos anteriores para {n} celda(s): no se incluyen en la estimación.",
        "No earlier timings for {n} cell(s): they are not in the estimate.",
    ),
    "grids.estimate_unknown": (
        "Aún no hay generaciones con estos modelos y estrategias para estimar la duración.",
        "No earlier generations with these models and strategies yet to estimate the duration.",
    ),
    "grids.toml": ("GRID.toml equivalente", "Equivalent GRID.toml"),
    "grids.cli": ("Lo mismo desde la línea de órdenes:", "The same from the command line:"),
    "grids.download": ("Descargar GRID.toml", "Download GRID.toml"),
    "grids.start": ("Lanzar la rejilla", "Start the grid"),
    "grids.started": ("Rejilla lanzada como trabajo {id}.", "Grid started as job {id}."),
    "grids.jobs": ("Rejillas de este espacio de trabajo", "Grids in this workspace"),
    "grids.none": ("Todavía no se ha lanzado ninguna rejilla.", "No grid has been started yet."),
    "grids.results": ("Resultados por modelo y estrategia", "Results by model and strategy"),
    "grids.cells": ("Resultados por celda", "Results per cell"),
    "grids.no_results": ("Aún no hay celdas terminadas: aparecen aquí mientras la rejilla avanza.",
                         "No finished cells yet: they appear here as the grid runs."),
    "grids.errors": (
        "{n} celda(s) con error; al reanudar la rejilla se reintentan.",
        "{n} cell(s) failed; resuming the grid retries them.",
    ),
    "grids.explorer": ("Comparar las métricas en el Explorador", "Compare the metrics in the Explorer"),
    "grids.definition": ("Definición", "Definition"),
    "nav.grids": ("Rejillas", "Grids"),
    "strategy.template.description": (
        "Una estructura fija de resumen (motivo, antecedentes, evolución, pruebas, diagnóstico, plan).",
        "A fixed summary structure (reason, history, course, tests, diagnosis, plan)."),
    "strategy.chain_of_thought.description": (
        "Razona paso a paso dentro de etiquetas <reasoning> y luego resume; el razonamiento se "
        "guarda en la salida en bruto y se quita del resumen.",
        "Reason step by step inside <reasoning> tags, then summarize; the reasoning is kept in the "
        "raw output and stripped from the summary."),
    "strategy.few_shot.description": (
        "Muestra al modelo resúmenes validados de los OTROS registros más parecidos del espacio de "
        "trabajo (vecinos por embedding) y después pide el de este.",
        "Shows the model validated summaries of the most similar OTHER records in the workspace "
        "(nearest neighbours by embedding), then asks for this one."),
    "strategy.refine.description": (
        "Tres llamadas: un borrador, una crítica del borrador frente al registro y una revisión.",
        "Three calls: a draft, a critique of the draft against the record, a revision."),
    "strategy.by_parts.description": (
        "Resume cada apartado en paralelo y después une los resúmenes parciales (la mejor "
        "estrategia del estudio que sigue este banco de trabajo).",
        "Summarize each section in parallel, then merge the partial summaries (the best strategy "
        "in the study this workbench follows)."),
    "strategy.rag_multi.description": (
        "Ideas clave de cada apartado (en paralelo), una búsqueda en la base de conocimiento por "
        "idea, resúmenes de cada apartado con lo encontrado (en paralelo) y una unión final.",
        "Key ideas of every section (in parallel), a knowledge-base lookup per idea, section "
        "summaries with what was found (in parallel), then a merge."),
    "strategy.rag_single.description": (
        "Una sola búsqueda en la base de conocimiento con el comienzo del registro y una llamada "
        "de resumen.",
        "One knowledge-base lookup with the record's opening, then one summary call."),
    "summarize.done": ("Resumen listo en {seconds:.1f} s", "Summary ready in {seconds:.1f} s"),
    "summarize.failed": ("El resumen no se pudo generar", "The summary could not be generated"),
    "summarize.step.load": ("Cargando el modelo de embeddings…", "Loading the embedding model…"),
    "summarize.step.embed": ("Calculando embeddings: {done} de {sentences} frases…",
                             "Embedding sentences: {done} of {sentences}…"),
    "summarize.step.load_model": ("Cargando el modelo {model} ({device})…", "Loading the model {model} ({device})…"),
    "summarize.step.generate": ("Generando: {prompt} tokens de entrada, hasta {tokens} tokens nuevos ({device})…",
                                "Generating: a {prompt}-token prompt, up to {tokens} new tokens ({device})…"),
    "summarize.step.select": ("Seleccionando frases entre {sentences}…", "Selecting among {sentences} sentences…"),
    "summarize.tiny_note": (
        "Texto de demostración: el modelo diminuto tiene pesos aleatorios, así que su salida no "
        "significa nada. Sirve para probar el flujo (resumir, ajustar, comparar) en CPU.",
        "Demonstration text: the tiny model has random weights, so its output means nothing. It "
        "is there to try the flow (summarize, fine-tune, compare) on a CPU.",
    ),
    "summarize.empty_output": (
        "El modelo no devolvió texto (solo espacios o saltos de línea: {n} caracteres). Pruebe "
        "con otra temperatura o decodificación, más tokens, u otro modelo; el modelo de "
        "demostración diminuto suele responder así.",
        "The model returned no text (only spaces or line breaks: {n} characters). Try another "
        "temperature or decoding, more tokens, or another model; the tiny demonstration model "
        "often answers like this.",
    ),
    "summarize.note.few_shot": (
        "Pocos ejemplos: no hay referencias validadas de otros registros; se ejecutó sin ejemplos.",
        "Few-shot: no validated references of other records; ran without examples.",
    ),
    "summarize.note.rag": (
        "RAG: en algún apartado no se extrajeron ideas clave; su texto sirvió de consulta.",
        "RAG: no key ideas were parsed for some part; its text was the query.",
    ),
}
