"""Shared fixtures: a fresh workspace per test, the demo workspace, paths to shared data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# jobs are not tracked in MLflow (seconds per job) except by the tests of tracking, which turn it on
os.environ["CLINSUM_TRACKING"] = "off"
os.environ.pop("MLFLOW_TRACKING_URI", None)
os.environ.pop("OPENAI_API_KEY", None)

from clinsum.store import Store  # noqa: E402
from tests.fakes.fixtures import llm_server  # noqa: E402, F401 - loopback Ollama/OpenAI server

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
MEDDOCAN = SHARED / "data" / "meddocan"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """An empty workspace in a temporary folder."""
    return Store.open(tmp_path / "ws")


@pytest.fixture
def demo_store(tmp_path: Path) -> Store:
    """A workspace with the demo records and references loaded."""
    from clinsum.demo import load_demo

    s = Store.open(tmp_path / "demo-ws")
    load_demo(s)
    return s


@pytest.fixture
def meddocan_dir() -> Path:
    """``../shared/data/meddocan`` (skips the test where it is absent)."""
    if not (MEDDOCAN / "dev").is_dir():
        pytest.skip("../shared/data/meddocan is not available here")
    return MEDDOCAN


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory) -> Store:
    """A workspace with the demo records and the seed knowledge base (embedded once a session)."""
    from clinsum.demo import load_demo
    from clinsum.rag.seed import load_seed

    store = Store.open(tmp_path_factory.mktemp("rag") / "ws")
    load_demo(store)
    report = load_seed(store)
    assert report.added == 200 and report.n_problems == 0
    return store
