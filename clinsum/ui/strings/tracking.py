"""Strings of MLflow tracking (Grids, Explorer and Fine-tuning pages), errors included."""
STRINGS = {
    "tracking.on": ("Seguimiento en MLflow: activo, en {uri}.", "MLflow tracking: on, in {uri}."),
    "tracking.off": (
        "Seguimiento en MLflow: desactivado (`clinsum tracking set --on` lo activa).",
        "MLflow tracking: off (`clinsum tracking set --on` turns it on).",
    ),
    "tracking.unavailable": (
        "Seguimiento en MLflow: desactivado, porque el paquete mlflow no está instalado "
        "(`pip install mlflow-skinny`). Todo lo demás funciona igual.",
        "MLflow tracking: off, because the mlflow package is not installed "
        "(`pip install mlflow-skinny`). Everything else works the same.",
    ),
    "tracking.run": ("Ejecución de MLflow: {run} (experimento {experiment}).",
                     "MLflow run: {run} (experiment {experiment})."),
    "tracking.open": ("Abrir la ejecución en MLflow", "Open the run in MLflow"),
    "tracking.local": (
        "El almacén es local, dentro del espacio de trabajo: ábralo en la interfaz de MLflow con "
        "este comando (necesita el paquete mlflow completo, por ejemplo con `uvx`):",
        "The store is local, inside the workspace: open it in the MLflow UI with this command "
        "(it needs the full mlflow package, e.g. through `uvx`):",
    ),
    "tracking.runs": ("Ejecuciones de MLflow", "MLflow runs"),
    "tracking.runs.none": ("Aún no hay ejecuciones registradas en MLflow.", "No MLflow runs recorded yet."),
    "tracking.warning": ("Aviso del seguimiento en MLflow (el trabajo siguió): {message}",
                         "MLflow tracking warning (the job went on): {message}"),
    "tracking.secret_uri": (
        "La URI de seguimiento contiene una contraseña, que quedaría guardada en el espacio de trabajo.",
        "The tracking URI holds a password; it would be stored in the workspace.",
    ),
    "tracking.secret_uri.hint": (
        "Defina MLFLOW_TRACKING_USERNAME y MLFLOW_TRACKING_PASSWORD (o MLFLOW_TRACKING_TOKEN) en el entorno.",
        "Set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) in the environment.",
    ),
    "tracking.bad_config": ("El archivo {path} no es TOML válido.", "The file {path} is not valid TOML."),
    "tracking.bad_config.hint": (
        "Corríjalo o bórrelo; `clinsum tracking set` lo vuelve a escribir.",
        "Fix or delete it; `clinsum tracking set` writes it again.",
    ),
}
