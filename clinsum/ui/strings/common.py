STRINGS = {
    "common.workspace": ("Espacio de trabajo: {path}", "Workspace: {path}"),
    "common.unexpected": (
        "Algo ha fallado inesperadamente (referencia {ref}). Su trabajo guardado está a salvo; "
        "el detalle técnico quedó en logs/ui-errors.log del espacio de trabajo.",
        "Something failed unexpectedly (reference {ref}). Your saved work is safe; the "
        "technical details are in logs/ui-errors.log in the workspace.",
    ),
    "common.download_csv": ("Descargar CSV", "Download CSV"),
    "common.download_parquet": ("Descargar Parquet", "Download Parquet"),
    "common.none_yet": ("Todavía no hay nada aquí.", "Nothing here yet."),
    "common.save": ("Guardar", "Save"),
    "common.cancel": ("Cancelar", "Cancel"),
    "common.record": ("Registro", "Record"),
    "common.language": ("Idioma", "Language"),
    "jobs.stop": ("Detener", "Stop"),
    "jobs.resume": ("Reanudar", "Resume"),
    "jobs.status.queued": ("En cola", "Queued"),
    "jobs.status.running": ("En curso", "Running"),
    "jobs.status.stopping": ("Deteniéndose", "Stopping"),
    "jobs.status.stopped": ("Detenido", "Stopped"),
    "jobs.status.done": ("Terminado", "Done"),
    "jobs.status.failed": ("Falló", "Failed"),
    "nav.home": ("Inicio", "Home"),
    "nav.records": ("Registros", "Records"),
}
