"""Strings of the fine-tuning page."""
STRINGS = {
    "nav.finetune": ("Ajuste fino", "Fine-tuning"),
    "finetune.title": ("Ajuste fino (LoRA / QLoRA)", "Fine-tuning (LoRA / QLoRA)"),
    "finetune.intro": (
        "Entrene un adaptador LoRA de un modelo local con los resúmenes de referencia validados: "
        "1) construya un conjunto de datos, 2) configure y lance el entrenamiento, 3) siga las curvas "
        "de pérdida, 4) use el adaptador en la página de resumen o expórtelo.",
        "Train a LoRA adapter of a local model on the validated reference summaries: 1) build a "
        "dataset, 2) configure and launch training, 3) watch the loss curves, 4) use the adapter on "
        "the summarization page or export it.",
    ),
    "finetune.no_gpu": (
        "Este equipo no tiene GPU NVIDIA (CUDA): solo se pueden entrenar modelos muy pequeños en CPU "
        "(por ejemplo el preajuste tiny-cpu). Los preajustes de Llama 3.2 3B, Qwen2.5 0.5B y Mistral 7B "
        "necesitan una GPU; la opción de 4 bits y adamw_8bit se sustituyen por precisión completa y adamw_torch.",
        "This machine has no NVIDIA GPU (CUDA): only very small models can be trained on CPU (e.g. "
        "the tiny-cpu preset). The Llama 3.2 3B, Qwen2.5 0.5B and Mistral 7B presets need a GPU; "
        "4-bit loading and adamw_8bit fall back to full precision and adamw_torch.",
    ),
    "finetune.gpu": ("GPU disponible: {name}. Motor: {engine}.", "GPU available: {name}. Engine: {engine}."),
    "finetune.tab.dataset": ("1. Conjunto de datos", "1. Dataset"),
    "finetune.tab.config": ("2. Configurar y lanzar", "2. Configure and launch"),
    "finetune.tab.watch": ("3. Entrenamientos", "3. Training runs"),
    "finetune.tab.adapters": ("4. Adaptadores", "4. Adapters"),
    "finetune.base_model": ("Modelo base (carpeta local o id del hub)", "Base model (local folder or hub id)"),
    "finetune.base_model.help": (
        "La carpeta de un modelo de Hugging Face en este equipo (config.json, pesos, tokenizador). "
        "Su plantilla de chat da formato a los ejemplos.",
        "The folder of a Hugging Face model on this machine (config.json, weights, tokenizer). Its "
        "chat template formats the examples.",
    ),
    "finetune.source": ("Origen de los ejemplos", "Source of the examples"),
    "finetune.source.references": ("Referencias validadas o editadas", "Validated or edited references"),
    "finetune.source.jsonl": ("Archivo JSONL", "JSONL file"),
    "finetune.jsonl.help": (
        "Una línea por ejemplo: {\"instruction\", \"input\", \"output\"} (input puede ser un objeto con "
        "diagnoses, procedures, treatments, evolution, discharge_medication) o {\"messages\": [...]}.",
        "One example per line: {\"instruction\", \"input\", \"output\"} (input may be an object with "
        "diagnoses, procedures, treatments, evolution, discharge_medication) or {\"messages\": [...]}.",
    ),
    "finetune.jsonl.upload": ("Subir JSONL", "Upload JSONL"),
    "finetune.template": ("Plantilla de chat", "Chat template"),
    "finetune.val_fraction": ("Fracción de validación (por registro)", "Validation fraction (by record)"),
    "finetune.cut_percentile": ("Descartar ejemplos por encima del percentil de longitud",
                                "Drop examples above the length percentile"),
    "finetune.max_tokens": ("Longitud máxima en tokens (0: sin límite)", "Maximum length in tokens (0: no limit)"),
    "finetune.preview": ("Vista previa", "Preview"),
    "finetune.need_model": ("Indique primero el modelo base.", "Give the base model first."),
    "finetune.stats": ("{train} de entrenamiento, {val} de validación, {dropped} descartados por longitud "
                       "(corte {cutoff} tokens); plantilla {template}.",
                       "{train} training, {val} validation, {dropped} dropped by length (cut-off "
                       "{cutoff} tokens); template {template}."),
    "finetune.problems": ("{n} líneas no se pudieron usar:", "{n} lines could not be used:"),
    "finetune.example": ("Ejemplo {id} ({n} tokens; la respuesta empieza tras la línea)",
                         "Example {id} ({n} tokens; the answer starts after the line)"),
    "finetune.dataset_name": ("Nombre del conjunto de datos", "Dataset name"),
    "finetune.save_dataset": ("Guardar nueva versión", "Save new version"),
    "finetune.saved_dataset": ("Guardado como {ref}.", "Saved as {ref}."),
    "finetune.datasets": ("Conjuntos de datos guardados", "Saved datasets"),
    "finetune.no_datasets": ("Todavía no hay conjuntos de datos: construya uno en la pestaña 1.",
                             "No datasets yet: build one in tab 1."),
    "finetune.preset": ("Preajuste", "Preset"),
    "finetune.dataset": ("Conjunto de datos", "Dataset"),
    "finetune.knobs": ("Todos los parámetros", "All parameters"),
    "finetune.command": ("Comando equivalente (la configuración se guarda con el trabajo)",
                         "Equivalent command (the configuration is saved with the job)"),
    "finetune.launch": ("Lanzar entrenamiento", "Launch training"),
    "finetune.launched": ("Trabajo {job} lanzado (en cola si la GPU está ocupada). Sígalo en la pestaña 3.",
                          "Job {job} launched (queued if the GPU is busy). Follow it in tab 3."),
    "finetune.no_jobs": ("Todavía no hay entrenamientos: lance uno en «2. Configurar y lanzar» (o en «5. Preferencias (DPO)»).",
                         "No training runs yet: launch one in “2. Configure and launch” (or in “5. Preferences (DPO)”)."),
    "finetune.job": ("Entrenamiento", "Training run"),
    "finetune.chart.loss": ("Pérdida (entrenamiento y validación)", "Loss (training and validation)"),
    "finetune.curve.train": ("Entrenamiento", "Training"),
    "finetune.curve.validation": ("Validación", "Validation"),
    "finetune.curve.step": ("Paso", "Step"),
    "finetune.chart.ppl": ("Perplejidad en validación", "Validation perplexity"),
    "finetune.metric.loss": ("Pérdida", "Loss"),
    "finetune.metric.eval": ("Pérdida de validación", "Validation loss"),
    "finetune.metric.ppl": ("Perplejidad", "Perplexity"),
    "finetune.metric.speed": ("Tokens/s", "Tokens/s"),
    "finetune.metric.ram": ("RAM (MB)", "RAM (MB)"),
    "finetune.waiting": ("Esperando el primer paso (cargando el modelo)…", "Waiting for the first step (loading the model)…"),
    "finetune.crash_log": ("El detalle técnico del fallo está en {path}.", "The technical details are in {path}."),
    "finetune.result": (
        "Adaptador listo: {trainable} parámetros entrenables ({pct}% del modelo), {adapter_mb} MB frente a "
        "{base_mb} MB del modelo base, {seconds} s de entrenamiento, pico de RAM {ram} MB, VRAM {vram} MB.",
        "Adapter ready: {trainable} trainable parameters ({pct}% of the model), {adapter_mb} MB against "
        "{base_mb} MB of the base model, {seconds} s of training, peak RAM {ram} MB, VRAM {vram} MB.",
    ),
    "finetune.no_adapters": ("Todavía no hay adaptadores entrenados: aparecen aquí en cuanto termina un entrenamiento.",
                             "No trained adapters yet: they appear here as soon as a training run finishes."),
    "finetune.use_adapter": (
        "Para usarlo: página de resumen, motor «transformers», modelo {base}, adaptador {name}.",
        "To use it: summarization page, backend \"transformers\", model {base}, adapter {name}.",
    ),
    "finetune.adapter": ("Adaptador", "Adapter"),
    "finetune.export_merged": ("Exportar pesos fusionados", "Export merged weights"),
    "finetune.export_gguf": ("Exportar GGUF + Modelfile de Ollama", "Export GGUF + Ollama Modelfile"),
    "finetune.exported": ("Exportado en {path}", "Exported to {path}"),
    "finetune.gguf_missing": ("Para GGUF falta: {what}", "GGUF needs: {what}"),
    "finetune.tiny.create": (
        "Crear un modelo de demostración diminuto (pesos aleatorios, para probar el flujo en CPU)",
        "Create a tiny demonstration model (random weights, for trying the flow on CPU)",
    ),
    "finetune.tiny.help": (
        "Un Llama diminuto con pesos aleatorios y un tokenizador entrenado con los textos de este espacio "
        "de trabajo, guardado en models/tiny-demo. No sabe lenguaje ni medicina: solo aprende lo que se "
        "le entrena. Sirve para probar conjunto de datos → entrenamiento → adaptador → resumen sin GPU ni descargas.",
        "A tiny Llama with random weights and a tokenizer trained on this workspace's texts, saved in "
        "models/tiny-demo. It knows no language and no medicine: it learns only what it is trained on. "
        "It lets you try dataset → training → adapter → summary without a GPU or downloads.",
    ),
    "finetune.tiny.building": ("Creando el modelo de demostración…", "Creating the demonstration model…"),
    "finetune.tiny.created": (
        "Modelo de demostración (pesos aleatorios) en {path}, elegido como modelo base.",
        "Demonstration model (random weights) in {path}, chosen as base model.",
    ),
    "finetune.local_models": ("Modelos de este espacio de trabajo (carpeta models/)",
                              "Models in this workspace (models/ folder)"),
    "finetune.local_models.none": ("(escribir una ruta abajo)", "(type a path below)"),
    "finetune.tiny_tag": ("demostración, pesos aleatorios", "demonstration, random weights"),
}
