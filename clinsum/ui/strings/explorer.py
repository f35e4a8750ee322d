"""Strings of the metric explorer page."""
STRINGS = {
    "nav.explorer": ("Explorador de métricas", "Metric explorer"),
    "explorer.title": ("Explorador de métricas", "Metric explorer"),
    "explorer.intro": (
        "Compare modelos, estrategias y temperaturas con las métricas guardadas. Filtre en la "
        "barra lateral; cada tabla se puede descargar y reproducir con `clinsum explore`.",
        "Compare models, strategies and temperatures on the stored metrics. Filter in the "
        "sidebar; every table can be downloaded and reproduced with `clinsum explore`.",
    ),
    "explorer.empty": (
        "Todavía no hay métricas. Para obtener datos: 1) genere resúmenes (página Resumir o "
        "una rejilla de experimentos), 2) puntúelos con el botón «Puntuar ahora» o con "
        "`clinsum score` en un terminal.",
        "There are no metrics yet. To get data: 1) generate summaries (Summarize page or an "
        "experiment grid), 2) score them with the “Score now” button or `clinsum score` in a "
        "terminal.",
    ),
    "explorer.no_generations": (
        "Ninguna generación coincide con los filtros: quite alguno en la barra lateral.",
        "No generation matches the filters: clear some in the sidebar."),
    "explorer.score_now": ("Puntuar ahora", "Score now"),
    "explorer.score_help": (
        "Calcula las métricas que falten para cada resumen generado (lo ya calculado no se repite).",
        "Computes the missing metrics of every generated summary (nothing stored is recomputed).",
    ),
    "explorer.score_started": ("Puntuación en marcha (trabajo {job}).", "Scoring started (job {job})."),
    "explorer.filters": ("Filtros", "Filters"),
    "explorer.f.model": ("Modelos", "Models"),
    "explorer.f.strategy": ("Estrategias", "Strategies"),
    "explorer.f.temperature": ("Temperaturas", "Temperatures"),
    "explorer.f.decoding": ("Decodificación", "Decoding"),
    "explorer.f.backend": ("Motores", "Backends"),
    "explorer.f.source": ("Conjunto de registros (origen)", "Record set (source)"),
    "explorer.f.dates": ("Fechas de generación", "Generation dates"),
    "explorer.metric": ("Métrica", "Metric"),
    "explorer.direction.higher": ("más alto es mejor", "higher is better"),
    "explorer.direction.lower": ("más bajo es mejor", "lower is better"),
    "explorer.direction.neutral": ("descriptiva (ni mejor ni peor)", "descriptive (neither better nor worse)"),
    "explorer.n_scored": ("{n} generaciones con esta métrica.", "{n} generations with this metric."),
    "explorer.tab.groups": ("Por grupo", "By group"),
    "explorer.tab.temperature": ("Temperatura", "Temperature"),
    "explorer.tab.matrix": ("Modelo × estrategia", "Model × strategy"),
    "explorer.tab.time": ("Tiempo", "Time"),
    "explorer.tab.pareto": ("Calidad vs. tiempo", "Quality vs. time"),
    "explorer.tab.distribution": ("Distribuciones", "Distributions"),
    "explorer.tab.correlation": ("Correlaciones", "Correlations"),
    "explorer.tab.ratings": ("Valoración médica", "Physician ratings"),
    "explorer.tab.sql": ("SQL", "SQL"),
    "explorer.group_by": ("Agrupar por", "Group by"),
    "explorer.dim.model": ("modelo", "model"),
    "explorer.dim.strategy": ("estrategia", "strategy"),
    "explorer.dim.temperature": ("temperatura", "temperature"),
    "explorer.dim.decoding": ("decodificación", "decoding"),
    "explorer.dim.backend": ("motor", "backend"),
    "explorer.dim.adapter": ("adaptador", "adapter"),
    "explorer.groups.caption": (
        "Cada punto es un resumen; la caja muestra mediana y cuartiles.",
        "Each point is one summary; the box shows median and quartiles.",
    ),
    "explorer.temperature.caption": (
        "Media de cada métrica por temperatura.", "Mean of each metric per temperature."),
    "explorer.matrix.caption": (
        "Media de la métrica para cada combinación; las celdas vacías no tienen datos.",
        "Mean of the metric for each combination; empty cells have no data.",
    ),
    "explorer.time.caption": (
        "Tiempo de inferencia por resumen: media ± desviación típica.",
        "Inference time per summary: mean ± standard deviation.",
    ),
    "explorer.time.none": (
        "No hay tiempos guardados: los resúmenes generados en Resumir o en una rejilla guardan su tiempo.",
        "No timings are stored: summaries generated on Summarize or in a grid store their time."),
    "explorer.pareto.caption": (
        "Cada punto es una configuración (modelo · estrategia). Las marcadas forman el frente de "
        "Pareto: ninguna otra es a la vez más rápida y mejor.",
        "Each point is one configuration (model · strategy). The marked ones form the Pareto "
        "front: no other one is both faster and better.",
    ),
    "explorer.pareto.front": ("Frente de Pareto", "Pareto front"),
    "explorer.pareto.other": ("Dominada", "Dominated"),
    "explorer.pareto.position": ("Posición", "Position"),
    "explorer.bins": ("Intervalos", "Bins"),
    "explorer.color_by": ("Color por", "Color by"),
    "explorer.none": ("(ninguno)", "(none)"),
    "explorer.corr.method": ("Método", "Method"),
    "explorer.corr.caption": (
        "Correlación entre métricas sobre los mismos resúmenes (1 = siempre de acuerdo).",
        "Correlation between metrics over the same summaries (1 = always agree).",
    ),
    "explorer.corr.few": (
        "Hacen falta al menos dos resúmenes y dos métricas: genere y puntúe más («Puntuar ahora»).",
        "At least two summaries and two metrics are needed: generate and score more (“Score now”)."),
    "explorer.ratings.none": (
        "Todavía no hay valoraciones de médicos con métricas. Cuando se anoten referencias en "
        "la página de anotación y se puntúen, aquí verá qué métricas coinciden con ellos.",
        "There are no physician ratings with metrics yet. Once references are annotated on the "
        "annotation page and scored, this shows which metrics agree with the physicians.",
    ),
    "explorer.ratings.caption": (
        "Correlación de Spearman entre cada métrica y cada criterio de los médicos (n = elementos).",
        "Spearman correlation of each metric with each physician criterion (n = items).",
    ),
    "explorer.ratings.criterion": ("Criterio", "Criterion"),
    "explorer.sql.help": (
        "Consulta de solo lectura (una sentencia SELECT). Tablas: records, reference_summaries, "
        "generations, metrics, annotations, jobs.",
        "Read-only query (one SELECT statement). Tables: records, reference_summaries, "
        "generations, metrics, annotations, jobs.",
    ),
    "explorer.sql.run": ("Ejecutar", "Run"),
    "explorer.sql.truncated": ("Se muestran las primeras {n} filas.", "Showing the first {n} rows."),
    "explorer.sql.rows": ("{n} filas.", "{n} rows."),
    "explorer.cli": ("Reproducir en la terminal: `{cmd}`", "Reproduce in a terminal: `{cmd}`"),
    "explorer.table": ("Todas las puntuaciones (una fila por resumen)", "All scores (one row per summary)"),
    "explorer.temperature.none": (
        "Ningún resumen tiene temperatura: los extractivos (como los de la demostración) no la usan. "
        "Lance una rejilla con un modelo de lenguaje a dos o más temperaturas (página Rejillas).",
        "No summary has a temperature: extractive ones (like the demo's) do not use one. Run a grid "
        "with a language model at two or more temperatures (Grids page).",
    ),
    "explorer.ratings.few": (
        "Hay valoraciones, pero no bastan para una correlación: hacen falta al menos 3 elementos "
        "valorados con valores distintos (ahora, como mucho {n}). Anote más referencias en la página "
        "de anotación.",
        "There are ratings, but not enough for a correlation: it needs at least 3 rated items with "
        "different values (now at most {n}). Annotate more references on the Annotation page.",
    ),
    "explorer.count": ("Resúmenes", "Summaries"),
}
