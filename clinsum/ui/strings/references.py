STRINGS = {
    "nav.references": ("Resúmenes de referencia", "Reference summaries"),
    "references.title": ("Resúmenes de referencia", "Reference summaries"),
    "references.intro": (
        "Genere resúmenes de referencia con un modelo de lenguaje: unos pocos ahora, o muchos por la "
        "API Batch de OpenAI. Por defecto los datos personales se sustituyen por marcadores antes de "
        "enviar nada; verá exactamente lo que sale del equipo y tendrá que confirmarlo.",
        "Generate reference summaries with a language model: a few now, or many through the OpenAI "
        "Batch API. By default personal data is replaced by placeholders before anything is sent; you "
        "see exactly what leaves this computer and must confirm it.",
    ),
    "references.no_records": (
        "No hay registros en el espacio de trabajo. Importe registros o cargue la demo en Inicio.",
        "There are no records in the workspace. Import records or load the demo on Home.",
    ),
    "references.step.choose": ("1. Qué enviar", "1. What to send"),
    "references.records": ("Registros", "Records"),
    "references.records_help": (
        "Elija los registros; cada registro × instrucción es una petición.",
        "Choose records; each record × prompt is one request.",
    ),
    "references.only_missing": ("Seleccionar los que no tienen referencia", "Select those without a reference"),
    "references.prompt": ("Instrucción", "Prompt"),
    "references.prompt.default": ("Predeterminada según el idioma del registro", "Default for the record's language"),
    "references.prompt.custom": ("Escribir la mía", "Write my own"),
    "references.prompt.custom_text": (
        "Su instrucción ({record} marca dónde va el registro)",
        "Your prompt ({record} marks where the record goes)",
    ),
    "references.step.privacy": ("2. Privacidad", "2. Privacy"),
    "references.deid": ("Desidentificar antes de enviar (recomendado)", "De-identify before sending (recommended)"),
    "references.deid_off_warning": (
        "Sin desidentificación los registros salen tal cual, con nombres, fechas e identificadores. "
        "Hágalo solo con datos sintéticos o con autorización expresa.",
        "Without de-identification the records leave as they are, with names, dates and identifiers. "
        "Only do this with synthetic data or explicit authorization.",
    ),
    "references.keep": ("Tipos que se conservan (no se sustituyen)", "Types to keep (not replaced)"),
    "references.keep_help": (
        "La edad y el sexo suelen importar para el resumen e identifican poco por sí solos.",
        "Age and sex often matter for a summary and identify little on their own.",
    ),
    "references.reidentify": (
        "Restaurar los datos originales en las respuestas (solo en este equipo)",
        "Put the original data back into the answers (on this computer only)",
    ),
    "references.step.how": ("3. Cómo", "3. How"),
    "references.mode": ("Modo", "Mode"),
    "references.mode.batch": ("API Batch de OpenAI (muchos registros, más barato, hasta 24 h)",
                              "OpenAI Batch API (many records, cheaper, up to 24 h)"),
    "references.mode.now": ("Ahora, con cualquier motor (pocos registros)", "Now, through any backend (a few records)"),
    "references.backend": ("Motor", "Backend"),
    "references.model": ("Modelo", "Model"),
    "references.base_url": ("URL del servidor (opcional)", "Server URL (optional)"),
    "references.max_tokens": ("Máximo de tokens por respuesta", "Most tokens per answer"),
    "references.no_key": (
        "No hay clave de OpenAI configurada: puede preparar la vista previa y la estimación, pero no enviar.",
        "No OpenAI key is set: you can prepare the preview and estimate, but not send.",
    ),
    "references.no_key_hint": (
        "Defina OPENAI_API_KEY en el entorno o añada OPENAI_API_KEY = \"sk-…\" a .streamlit/secrets.toml "
        "y recargue la página. La clave nunca se guarda en el espacio de trabajo.",
        "Set OPENAI_API_KEY in the environment or add OPENAI_API_KEY = \"sk-…\" to .streamlit/secrets.toml "
        "and reload the page. The key is never stored in the workspace.",
    ),
    "references.step.preview": ("4. Vista previa y estimación", "4. Preview and estimate"),
    "references.make_preview": ("Preparar la vista previa", "Prepare the preview"),
    "references.preview_running": (
        "Desidentificando el registro {i} de {n}… (la primera vez se carga el modelo de desidentificación)",
        "De-identifying record {i} of {n}… (the first time loads the de-identification model)"),
    "references.preview_preparing": ("Preparando el registro {i} de {n}…", "Preparing record {i} of {n}…"),
    "references.preview_ready": ("Vista previa lista en {seconds:.1f} s", "Preview ready in {seconds:.1f} s"),
    "references.preview_failed": ("La vista previa no se pudo preparar", "The preview could not be prepared"),
    "references.preview_stale": (
        "Ha cambiado la selección: prepare de nuevo la vista previa.",
        "The selection changed: prepare the preview again.",
    ),
    "references.estimate": (
        "{requests} petición(es) a {model}: ~{tokens_in} tokens de entrada, como mucho {tokens_out} de salida.",
        "{requests} request(s) to {model}: ~{tokens_in} input tokens, at most {tokens_out} output tokens.",
    ),
    "references.cost": ("Coste estimado: ~{cost} USD (como mucho {cost_max} USD).",
                        "Estimated cost: ~{cost} USD (at most {cost_max} USD)."),
    "references.cost_unknown": (
        "El modelo no está en la tabla de precios; añádalo en prices.toml del espacio de trabajo.",
        "The model is not in the price table; add it to prices.toml in the workspace.",
    ),
    "references.role.system": ("Sistema", "System"),
    "references.role.user": ("Usuario", "User"),
    "references.role.assistant": ("Modelo", "Model"),
    "references.preview_item": ("{custom_id} — {n} dato(s) personales sustituidos",
                                 "{custom_id} — {n} personal data item(s) replaced"),
    "references.preview_legend": (
        "Resaltado: marcadores que sustituyen datos personales, y los datos de tipos conservados "
        "(«kept»; pase el ratón por encima). Esto es exactamente lo que se enviará.",
        "Highlighted: placeholders replacing personal data, and data of kept types (\"kept\"; hover "
        "to see the type). This is exactly what will be sent.",
    ),
    "references.residues": (
        "Quedan {n} posibles identificadores tras la desidentificación (en rojo en la vista previa). "
        "No se enviará nada hasta que cada uno se enmascare o se marque como seguro.",
        "{n} possible identifier(s) remain after de-identification (red in the preview). Nothing is "
        "sent until each one is masked or marked safe.",
    ),
    "references.residues_mask": ("Enmascarar (se envía [PHI_n])", "Mask (sent as [PHI_n])"),
    "references.residues_safe": ("Marcar como seguros (se envían tal cual)", "Mark safe (sent as they are)"),
    "references.residues_apply": ("Aplicar y rehacer la vista previa", "Apply and redo the preview"),
    "references.residues_done": (
        "No queda ningún posible identificador: {masked} enmascarado(s), {safe} marcado(s) como seguro(s).",
        "No possible identifier is left: {masked} masked, {safe} marked safe.",
    ),
    "references.residues_block": (
        "Bloqueado: enmascare o marque como seguro cada posible identificador de arriba.",
        "Blocked: mask or mark safe each possible identifier above.",
    ),
    "references.audit": ("Registro de envíos", "Send log"),
    "references.audit_help": (
        "Cada envío fuera del equipo, guardado solo aquí: cuándo, quién, adónde, qué registros, la huella "
        "del contenido y los posibles identificadores aceptados (también `clinsum refs audit`).",
        "Every send off this computer, kept only here: when, who, where to, which records, the payload "
        "hash and the possible identifiers accepted (also `clinsum refs audit`).",
    ),
    "references.audit_empty": ("Aún no se ha enviado nada fuera del equipo.", "Nothing has been sent off this computer yet."),
    "references.step.send": ("5. Enviar", "5. Send"),
    "references.confirm": (
        "He revisado la vista previa y autorizo enviar este contenido fuera del equipo.",
        "I have checked the preview and authorize sending this content off this computer.",
    ),
    "references.confirm_local": (
        "He revisado la vista previa y autorizo enviarlo al motor elegido.",
        "I have checked the preview and authorize sending it to the chosen backend.",
    ),
    "references.follow": (
        "Seguir el lote en segundo plano (los resultados se guardan solos al terminar)",
        "Follow the batch in the background (results are stored by themselves when it finishes)",
    ),
    "references.send": ("Enviar", "Send"),
    "references.sent_batch": ("Lote {batch} enviado.", "Batch {batch} sent."),
    "references.generated": ("{ok} referencia(s) guardada(s), {failed} con error.",
                             "{ok} reference(s) stored, {failed} failed."),
    "references.generate_failed": ("{record}: {error}", "{record}: {error}"),
    "references.batches": ("Lotes", "Batches"),
    "references.no_batches": ("Todavía no hay lotes: prepare una vista previa y envíela (arriba).",
                              "No batches yet: prepare a preview and send it (above)."),
    "references.batch_pick": ("Lote", "Batch"),
    "references.refresh": ("Actualizar estado", "Refresh status"),
    "references.retry": ("Reintentar los fallidos", "Retry the failed ones"),
    "references.cancel": ("Cancelar el lote", "Cancel the batch"),
    "references.batch_state": ("Estado: {status} · remoto: {remote} · {done} hechas, {failed} fallidas de {total}",
                               "Status: {status} · remote: {remote} · {done} done, {failed} failed of {total}"),
    "references.retried": ("Los fallidos se enviaron de nuevo como {batch}.", "The failed ones were sent again as {batch}."),
    "references.results": ("Resultados enlazados a sus registros", "Results linked to their records"),
    "references.failures": ("Peticiones fallidas", "Failed requests"),
}
