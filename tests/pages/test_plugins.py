"""A new backend, strategy and metric, each one module (``tests/plugin_examples.py``) plus one
registration plus its strings: pages, the grid estimate and scoring pick them up with no
other file changed (the recipes in docs/DEVELOPING.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinsum.backends import BACKENDS, backend_status, preferred_backend, settings_fingerprint
from clinsum.backends.base import backend_concurrency, get_backend
from clinsum.cluster.endpoints import endpoint_key, uses_local_model
from clinsum.experiments import estimate_grid, parse_grid
from clinsum.generation import save_generation, summarize
from clinsum.metrics.base import METRICS
from clinsum.metrics.scoring import build_metrics, local_metrics, score_workspace
from clinsum.store import Store
from clinsum.strategies import STRATEGIES, get_strategy
from clinsum.ui.i18n import catalog
from tests.plugin_examples import ECHO_URL, STRINGS, ShoutMetric, TwoStepStrategy


@pytest.fixture
def plugins(monkeypatch):
    """The three plugins registered (the backend lazily, by ``"module:attr"``) and their strings."""
    import clinsum.metrics  # noqa: F401 - the built-in families first
    import clinsum.strategies  # noqa: F401

    BACKENDS.register("echo", "tests.plugin_examples:EchoBackend")
    STRATEGIES.register("two_step", TwoStepStrategy())
    METRICS.register("shout", ShoutMetric)
    for key, pair in STRINGS.items():
        monkeypatch.setitem(catalog(), key, pair)
    yield
    BACKENDS.unregister("echo")
    STRATEGIES.unregister("two_step")
    METRICS.unregister("shout")


@pytest.fixture(scope="module")
def workspace(module_demo_workspace) -> Path:
    """This module's copy of the session's demo workspace."""
    return module_demo_workspace


def test_the_backend_describes_itself_to_the_library(plugins, monkeypatch):
    assert "echo" in BACKENDS and BACKENDS.target("echo") == "tests.plugin_examples:EchoBackend"
    status = next(s for s in backend_status() if s.name == "echo")
    assert status.available and status.label_key == "backends.echo.label"
    assert status.server_config == {"url": ECHO_URL} and status.default_concurrency == 5
    assert preferred_backend(["extractive", "ollama", "echo"]) == "echo"
    assert preferred_backend(["extractive", "transformers"]) == "extractive"
    assert f"echo={ECHO_URL}" in settings_fingerprint()
    assert backend_concurrency("echo") == 5
    assert endpoint_key("echo") == "url"  # a grid's endpoints fill the backend's own setting
    monkeypatch.setenv("CLINSUM_CONCURRENCY_ECHO", "3")
    assert backend_concurrency("echo") == 3 and backend_concurrency("echo", {"concurrency": 7}) == 7


def test_a_grids_endpoints_fill_the_setting_each_backend_names(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    keys = {name: endpoint_key(name) for name in ("ollama", "openai", "openai-compatible",
                                                   "extractive", "transformers")}
    assert keys == {"ollama": "host", "openai": "base_url", "openai-compatible": "base_url",
                    "extractive": None, "transformers": None}
    for name, key in keys.items():  # what server_config writes is that same setting, or nothing
        assert set(BACKENDS.get(name).server_config()) <= ({key} if key else set()), name


def test_only_backends_that_run_their_model_here_ask_a_cluster_for_a_gpu(plugins):
    names = ("ollama", "openai", "openai-compatible", "extractive", "transformers", "echo")
    assert {name for name in names if uses_local_model(name)} == {"transformers"}
    assert not uses_local_model("no-such-backend")


def test_the_summarize_page_offers_and_runs_them(plugins, page_app, workspace):
    at = page_app("20_summarize.py", workspace)  # no Ollama: echo is the only LLM
    assert not at.error, [e.value for e in at.error]
    backend = at.selectbox(key="summarize.backend")
    assert backend.value == "echo"  # the lowest preference rank among the available ones
    assert any(o.startswith("Echo (test backend)") for o in backend.options)
    at.selectbox(key="summarize.record").set_value("es02_neumologia_epoc")
    at.selectbox(key="summarize.strategy").set_value("two_step").run()
    assert "Retrieval (RAG)" in [e.label for e in at.expander]  # it retrieves: the RAG settings
    assert any("A draft, then a summary." in c.value for c in at.caption)
    at.button(key="summarize.run").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert any("ECHO Summarize: ECHO" in m.value for m in at.markdown)


def test_the_grids_page_uses_its_server_settings_and_concurrency(plugins, page_app, workspace):
    at = page_app("25_grids.py", workspace)
    assert not at.error, [e.value for e in at.error]
    assert at.multiselect(key="grids.models.echo").value == ["echo-1"]  # preferred: preselected
    assert at.number_input(key="grids.concurrency.echo").value == 5
    at.multiselect(key="grids.strategies").set_value(["two_step"]).run()
    toml_text = next(c.value for c in at.code if "[[models]]" in c.value)
    assert f'url = "{ECHO_URL}"' in toml_text  # the CLI reaches the same server
    cells = estimate_grid(Store(workspace), parse_grid(toml_text)).cells
    assert any(f"about {2 * cells} model calls" in s.value for s in at.success), [s.value for s in at.success]


def test_the_estimate_counts_the_strategys_calls(plugins, demo_store):
    grid = parse_grid('strategies = ["two_step", "template", "rag_multi", "by_parts"]\n'
                      'records = ["es02_neumologia_epoc"]\n[[models]]\nbackend = "echo"\nmodel = "echo-1"\n')
    record = demo_store.fetch_one("SELECT * FROM records WHERE id = 'es02_neumologia_epoc'")
    from clinsum.records import Record
    from clinsum.records.parts import split_parts

    parts = len(split_parts(record["text"], Record.from_row(record).sections))
    assert parts >= 2
    # two_step 2, template 1, rag_multi ideas + summary per part + merge, by_parts parts + merge
    assert estimate_grid(demo_store, grid).calls == 2 + 1 + (2 * parts + 1) + (parts + 1)


def test_scoring_computes_the_new_local_metric(plugins, demo_store):
    assert "shout" in local_metrics() and "judge" not in local_metrics()
    assert "shout" in [m.name for m in build_metrics()]
    result = summarize(demo_store, "es02_neumologia_epoc", "echo", "echo-1", "two_step")
    assert get_strategy("two_step").calls_per_record() == 2 and len(result.stages) == 2
    save_generation(demo_store, "es02_neumologia_epoc", result)
    score_workspace(demo_store, ["shout"], targets=["generation"])
    value = demo_store.scalar("SELECT value FROM metrics WHERE name = 'shout_share'")
    assert value is not None and value > 0.5  # "ECHO SUMMARIZE: ECHO ..." is mostly capitals


def test_a_lazy_target_is_imported_only_when_looked_up():
    from clinsum.registry import Registry

    reg: Registry = Registry("thing")
    reg.register("later", "tests.no_such_module_here:Thing")
    assert "later" in reg and reg.target("later") == "tests.no_such_module_here:Thing"
    with pytest.raises(ModuleNotFoundError):
        reg.get("later")
    assert get_backend("extractive", "").default_concurrency == 2
