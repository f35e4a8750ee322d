"""Knowledge bases (persistent Chroma collections in the workspace) and retrieval for RAG.

- :mod:`~clinsum.rag.bases`: create, list, stats, browse, delete named bases
- :mod:`~clinsum.rag.ingest`: files (CSV/JSONL/Parquet, MedMCQA / HEAD-QA / QA / text
  layouts) and validated references into a base; resumable, de-duplicated
- :mod:`~clinsum.rag.search`: search, and retrieval for many queries with de-duplication
- :mod:`~clinsum.rag.seed`: the seed base written for clinsum (demo)
"""

from __future__ import annotations

from clinsum.rag.bases import browse, create_base, delete_base, get_base, list_bases
from clinsum.rag.ingest import base_stats
from clinsum.rag.search import Hit, Retrieval, retrieve, search, search_many

__all__ = ["Hit", "Retrieval", "base_stats", "browse", "create_base", "delete_base", "get_base",
           "list_bases", "retrieve", "search", "search_many"]
