"""Strings of the cluster engine (Ray) and of models served by several endpoints."""

STRINGS = {
    "cluster.unavailable": ("El clúster Ray no está disponible.", "The Ray cluster is not available."),
    "cluster.ray_missing": (
        "Hay un clúster Ray configurado ({address}), pero Ray no está instalado.",
        "A Ray cluster is configured ({address}), but Ray is not installed.",
    ),
    "cluster.ray_missing.hint": (
        "Instálelo con `pip install 'clinsum[cluster]'`, o quite la dirección del clúster "
        "($CLINSUM_RAY_ADDRESS, --cluster, [cluster] en clinsum.toml) para trabajar en local.",
        "Install it with `pip install 'clinsum[cluster]'`, or unset the cluster address "
        "($CLINSUM_RAY_ADDRESS, --cluster, [cluster] in clinsum.toml) to run locally.",
    ),
    "cluster.unreachable": (
        "No se puede conectar con el clúster Ray en {address}.",
        "The Ray cluster at {address} cannot be reached.",
    ),
    "cluster.unreachable.hint": (
        "Compruebe la dirección (`ray status` en el nodo principal) o quítela para trabajar en local.",
        "Check the address (`ray status` on the head node) or unset it to run locally.",
    ),
    "endpoints.all_failed": (
        "Ninguno de los {n} servidores del modelo «{model}» respondió.",
        "None of the {n} servers of the model '{model}' answered.",
    ),
    "endpoints.all_failed.hint": (
        "Compruebe que los servidores están en marcha y que las direcciones son correctas.",
        "Check that the servers are running and their addresses are right.",
    ),
    "summarize.endpoints": ("Otros servidores del mismo modelo (uno por línea)",
                            "Other servers of the same model (one per line)"),
    "summarize.endpoints.help": (
        "Si el servidor principal falla, el resumen se pide al siguiente que responda.",
        "When the main server fails, the summary is asked of the next one that answers.",
    ),
}
