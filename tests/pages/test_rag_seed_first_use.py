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
    assert status.said[0].startswith("Building the seed knowledge base")
    assert "Seed base ready: 3 passages." in status.said
    again = Status()
    rag_view.build_seed_first(store, {"kb": "seed"}, again)  # built: nothing to wait for, nothing said
    rag_view.build_seed_first(store, {"kb": "mine"}, again)
    assert again.said == []
