"""A RAG run that needs the seed base builds it first and says so (the slow part of a first run)."""

from __future__ import annotations

from clinsum.rag import seed
from clinsum.rag.bases import get_base
from clinsum.store import Store
from clinsum.ui import rag_view


class Status:
    """What a page's ``st.status`` was told, in order."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def update(self, label: str, **_: object) -> None:
        self.said.append(label)

    def write(self, text: str) -> None:
        self.said.append(text)


def test_first_use_builds_the_seed_base_with_a_status_line(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CLINSUM_LANG", "en")
    small = tmp_path / "seed.jsonl"
    small.write_text("\n".join(seed.SEED_PATH.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8")
    monkeypatch.setattr("clinsum.rag.seed.SEED_PATH", small)
    store = Store.open(tmp_path / "ws")
    status = Status()
    rag_view.build_seed_first(store, {"kb": "seed", "top_k": 3}, status)
    assert get_base(store, "seed")["n_passages"] == 3
    assert status.said[0] == "Seed base (first use only): loading the embedding model…"  # before the wait
    assert status.said[2].startswith("Building the seed knowledge base")
    assert "Seed base ready: 3 passages." in status.said
    again = Status()
    rag_view.build_seed_first(store, {"kb": "seed"}, again)  # built: nothing to wait for, nothing said
    rag_view.build_seed_first(store, {"kb": "mine"}, again)
    assert again.said == []


def test_building_the_seed_base_counts_its_passages_as_it_goes(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CLINSUM_LANG", "es")
    small = tmp_path / "seed.jsonl"
    small.write_text("\n".join(seed.SEED_PATH.read_text(encoding="utf-8").splitlines()[:7]) + "\n", encoding="utf-8")
    monkeypatch.setattr("clinsum.rag.seed.SEED_PATH", small)
    monkeypatch.setattr("clinsum.rag.seed.SEED_BATCH", 3)
    status = Status()
    rag_view.build_seed_first(Store.open(tmp_path / "ws"), {"kb": "seed"}, status)
    counts = [line for line in status.said if line.startswith("Creando la base semilla")]
    assert counts[:2] == ["Creando la base semilla (solo la primera vez): 3 de 7 pasajes…",
                          "Creando la base semilla (solo la primera vez): 6 de 7 pasajes…"], status.said
    assert counts[-1].endswith(": 7 de 7 pasajes…") and status.said[-2] == "Base semilla lista: 7 pasajes."


def test_embedding_with_progress_counts_up_and_gives_the_same_vectors() -> None:
    import numpy as np

    from clinsum.embeddings import embed

    texts = [f"Paciente {i} con {'disnea ' * (i % 7)}y fiebre." for i in range(150)]
    seen: list[tuple[int, int]] = []
    counted = embed(texts, batch_size=16, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(32 * k, 150) for k in range(1, 5)] + [(150, 150)]
    assert np.allclose(counted, embed(texts, batch_size=16), atol=1e-5)
