"""What is available here: the same checks for ``clinsum doctor`` and the Home page."""

from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass

from clinsum.secrets import get_secret, mask
from clinsum.store import Store


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    hint: str = ""


def ollama_host() -> str:
    """Kept for callers of the old name: the backend's own :func:`default_host`."""
    from clinsum.backends.ollama import default_host

    return default_host()


def check_workspace(store: Store) -> Check:
    counts = store.counts()
    detail = f"{store.root} (schema v{store.schema_version()}; " + ", ".join(
        f"{v} {k}" for k, v in counts.items()
    ) + ")"
    return Check("workspace", True, detail)


def check_backend(name: str, hint: str = "", **config: object) -> Check:
    """The backend's own ``status`` as a doctor line; ``hint`` (else its needs) when unavailable."""
    from clinsum.backends import BACKENDS

    cls = BACKENDS.get(name)
    ok, detail = cls.status(**config)
    return Check(name, ok, detail, "" if ok else (hint or cls.needs))


def check_ollama(timeout: float = 1.5) -> Check:
    return check_backend("ollama", "Install Ollama and run `ollama serve`, or set OLLAMA_HOST.",
                         timeout=timeout)


def check_openai() -> Check:
    key = get_secret("OPENAI_API_KEY")
    base = os.environ.get("OPENAI_BASE_URL", "")
    where = f" (base URL {base})" if base else ""
    if key:
        return Check("openai", True, f"API key present {mask(key)}{where}")
    return Check("openai", False, "no OPENAI_API_KEY" + where,
                 "Set OPENAI_API_KEY or add it to .streamlit/secrets.toml.")


def check_cuda() -> Check:
    try:
        import torch
    except ImportError:
        return Check("cuda", False, "PyTorch is not installed")
    if torch.cuda.is_available():
        return Check("cuda", True, f"{torch.cuda.device_count()} GPU(s): {torch.cuda.get_device_name(0)}")
    unsloth = importlib.util.find_spec("unsloth") is not None
    return Check("cuda", False, f"no CUDA GPU (torch {torch.__version__}); fine-tuning and local models run on CPU"
                 + ("" if not unsloth else "; unsloth installed"))


def check_embeddings() -> Check:
    from clinsum.embeddings import bundled_model_path
    from clinsum.errors import ClinsumError

    try:
        return Check("embeddings", True, f"all-MiniLM-L6-v2 at {bundled_model_path()}")
    except ClinsumError as exc:
        return Check("embeddings", False, exc.message, exc.hint or "")


def check_browser() -> Check:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    return Check("chromium", bool(path), path or "not installed (only the browser test needs it)",
                 "" if path else "apt-get install chromium")


def run_checks(store: Store, quick: bool = False) -> list[Check]:
    """Every check; ``quick`` skips the slow ones (CUDA needs importing torch)."""
    checks = [check_workspace(store), check_ollama(), check_openai(), check_embeddings()]
    if os.environ.get("OPENAI_BASE_URL"):  # an OpenAI-compatible server (vLLM, llama.cpp, …)
        checks.append(check_backend("openai-compatible"))
    if not quick:
        checks += [check_cuda(), check_browser()]
    return checks
