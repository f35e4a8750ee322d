"""Shared fixtures: a fresh workspace per test, the demo workspace (built once a session and
copied), a page-app factory for AppTest page tests, paths to shared data."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
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
PAGES = ROOT / "clinsum" / "ui" / "pages"
SHARED = ROOT.parent / "shared"
MEDDOCAN = SHARED / "data" / "meddocan"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """An empty workspace in a temporary folder."""
    return Store.open(tmp_path / "ws")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo workspace (records and references), built once a session: copy it before
    changing it (``demo_workspace``, ``demo_store``)."""
    from clinsum.demo import load_demo

    path = tmp_path_factory.mktemp("demo-template") / "ws"
    load_demo(Store.open(path))
    return path


@pytest.fixture
def demo_workspace(demo_template: Path, tmp_path: Path) -> Path:
    """This test's own copy of the demo workspace."""
    target = tmp_path / "demo-ws"
    shutil.copytree(demo_template, target)
    return target


@pytest.fixture(scope="module")
def module_demo_workspace(demo_template: Path, tmp_path_factory) -> Path:
    """This test module's own copy of the demo workspace, shared by its tests."""
    target = tmp_path_factory.mktemp("module-demo") / "ws"
    shutil.copytree(demo_template, target)
    return target


@pytest.fixture
def demo_store(demo_workspace: Path) -> Store:
    """A workspace with the demo records and references loaded (this test's own copy)."""
    return Store.open(demo_workspace)


@pytest.fixture
def page_app(monkeypatch) -> Callable[..., object]:
    """``page_app(page, workspace, lang="en", ollama_host=None, timeout=90, run=True, **query)``:
    an AppTest of ``clinsum/ui/pages/<page>`` (or ``Home.py``) on ``workspace``; ``ollama_host`` (default:
    a port where nothing listens, so no Ollama) and query parameters set; run once and checked
    for exceptions unless ``run=False``."""
    from streamlit.testing.v1 import AppTest

    from tests.fakes.llm_server import free_port_url

    def make(page: str, workspace: Path, lang: str = "en", ollama_host: str | None = None,
             timeout: float = 90, run: bool = True, **query: str) -> AppTest:
        monkeypatch.setenv("CLINSUM_WORKSPACE", str(workspace))
        monkeypatch.setenv("CLINSUM_LANG", lang)
        monkeypatch.setenv("OLLAMA_HOST", ollama_host or free_port_url())
        path = ROOT / page if page == "Home.py" else PAGES / page
        at = AppTest.from_file(str(path), default_timeout=timeout)
        for key, value in query.items():
            at.query_params[key] = value
        if run:
            at.run()
            assert not at.exception, [e.value for e in at.exception]
        return at

    return make


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
