"""The seed knowledge base written for clinsum (``data/kb/seed_kb.jsonl``), for the demo."""

from __future__ import annotations

from clinsum.config import DATA_DIR
from clinsum.rag.bases import base_exists, create_base, get_base
from clinsum.rag.ingest import IngestReport, Progress, ingest_file
from clinsum.store import Store

SEED_NAME = "seed"
SEED_PATH = DATA_DIR / "kb" / "seed_kb.jsonl"


#: passages per commit and progress report while the seed base is built (200 in all)
SEED_BATCH = 40


def ensure_seed(store: Store, name: str = SEED_NAME, progress: Progress | None = None) -> dict:
    """The seed base, created and loaded on first use (a few seconds of embedding);
    ``progress(done, total, message, eta_s)`` as for :func:`clinsum.rag.ingest.ingest_items`."""
    if base_exists(store, name) and get_base(store, name)["n_passages"]:
        return get_base(store, name)
    load_seed(store, name, progress)
    return get_base(store, name)


def load_seed(store: Store, name: str = SEED_NAME, progress: Progress | None = None) -> IngestReport:
    """Create ``name`` if needed and ingest the seed file into it (what is stored is skipped)."""
    create_base(store, name, description="Seed knowledge base written for clinsum (es/en)", exist_ok=True)
    return ingest_file(store, name, SEED_PATH, layout="qa", batch_size=SEED_BATCH, progress=progress)
