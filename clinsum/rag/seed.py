"""The seed knowledge base written for clinsum (``data/kb/seed_kb.jsonl``), for the demo."""

from __future__ import annotations

from clinsum.config import DATA_DIR
from clinsum.rag.bases import base_exists, create_base, get_base
from clinsum.rag.ingest import IngestReport, ingest_file
from clinsum.store import Store

SEED_NAME = "seed"
SEED_PATH = DATA_DIR / "kb" / "seed_kb.jsonl"


def ensure_seed(store: Store, name: str = SEED_NAME) -> dict:
    """The seed base, created and loaded on first use (a few seconds of embedding)."""
    if base_exists(store, name) and get_base(store, name)["n_passages"]:
        return get_base(store, name)
    load_seed(store, name)
    return get_base(store, name)


def load_seed(store: Store, name: str = SEED_NAME) -> IngestReport:
    """Create ``name`` if needed and ingest the seed file into it (what is stored is skipped)."""
    create_base(store, name, description="Seed knowledge base written for clinsum (es/en)", exist_ok=True)
    return ingest_file(store, name, SEED_PATH, layout="qa")
