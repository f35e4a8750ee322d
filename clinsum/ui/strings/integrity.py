"""Strings of the data-integrity guards: damaged workspaces, incomplete grids, SQL limits."""

STRINGS = {
    "store.damaged": (
        "La base de datos del espacio de trabajo {path} está dañada o no es de clinsum.",
        "The workspace database {path} is damaged or is not a clinsum database.",
    ),
    "store.damaged.hint": (
        "Restaure clinsum.duckdb desde una copia de seguridad, o apártelo y abra un espacio de "
        "trabajo nuevo; no se ha cambiado nada.",
        "Restore clinsum.duckdb from a backup, or move it aside and open a new workspace; "
        "nothing was changed.",
    ),
    "grids.incomplete": (
        "{missing} de {total} celdas no están guardadas.",
        "{missing} of {total} cells are not stored.",
    ),
    "grids.cells_failed": (
        "{failed} de {total} celdas fallaron; los errores se guardan con cada celda y al reanudar "
        "solo se reintentan esas.",
        "{failed} of {total} cells failed; the errors are stored with each cell and a resume "
        "retries only those.",
    ),
    "sql.truncated_bytes": (
        "Se muestran las primeras {n} filas: el resultado llegó a {mb} MB. Seleccione menos "
        "columnas o más cortas.",
        "Showing the first {n} rows: the result reached {mb} MB. Select fewer or shorter columns.",
    ),
    "sql.snapshot": (
        "Datos leídos de una copia del espacio de trabajo tomada a las {time}.",
        "Data read from a copy of the workspace taken at {time}.",
    ),
}
