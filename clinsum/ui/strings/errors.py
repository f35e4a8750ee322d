"""Library errors as the pages show them: one line per error class, and the common errors."""

STRINGS = {
    "error.generic": ("No se pudo completar la acción.", "The action could not be completed."),
    "error.input": ("Hay un problema con los datos introducidos.", "There is a problem with the input."),
    "error.not_found": ("No se encontró lo que busca.", "What you asked for was not found."),
    "error.backend": ("El motor de modelos no está disponible.", "The model backend is not available."),
    "error.busy": (
        "El espacio de trabajo está ocupado por otro proceso; inténtelo de nuevo en un momento.",
        "The workspace is busy with another process; try again in a moment.",
    ),
    "error.config": ("La configuración no es válida.", "The configuration is not valid."),
    "error.detail": ("Detalle técnico (en inglés): {message}", "Technical detail: {message}"),
    "error.record_empty": ("El registro está vacío: no hay nada que resumir.",
                           "The record is empty: there is nothing to summarize."),
    "error.record_empty.hint": ("Elija o pegue un registro con texto.", "Pick or paste a record with text."),
    "error.ollama_down": ("El servidor Ollama no responde en {host}.",
                          "The Ollama server is not reachable at {host}."),
    "error.ollama_down.hint": (
        "Instale Ollama y ejecute `ollama serve`, o indique otro servidor con OLLAMA_HOST.",
        "Install Ollama and run `ollama serve`, or set OLLAMA_HOST to another server.",
    ),
    "error.ollama_model": ("El modelo «{model}» no está descargado en el servidor Ollama ({host}).",
                           "The model '{model}' is not pulled on the Ollama server ({host})."),
    "error.ollama_model.hint": ("Ejecute `ollama pull {model}` y vuelva a intentarlo.",
                                "Run `ollama pull {model}` and try again."),
    "error.timeout": ("{server} no respondió en {seconds} s.", "{server} did not answer within {seconds} s."),
    "error.timeout.hint": (
        "Aumente el tiempo de espera, use un modelo más pequeño o compruebe que el servidor no está saturado.",
        "Raise the timeout, use a smaller model, or check that the server is not busy.",
    ),
    "error.server_down": ("El servidor {server} no responde.", "The server at {server} is not reachable."),
    "error.server_down.hint": (
        "Compruebe que está en marcha y que la dirección es correcta (clinsum backends).",
        "Check that it is running and the base URL is right (clinsum backends).",
    ),
    "jobs.failed_detail": ("El trabajo falló: {error}", "The job failed: {error}"),
    "common.choose": ("Elija una o varias opciones", "Choose one or more options"),
}
