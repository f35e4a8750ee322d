"""A real browser (Debian's Chromium driven by Playwright) against `streamlit run`."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def llm():
    """A loopback Ollama for the app (it answers key-idea prompts with ideas)."""
    from tests.fakes.llm_server import LLMServer, rag_responder

    with LLMServer(latency=0.2) as fake:
        fake.responder = rag_responder
        yield fake


@pytest.fixture(scope="module")
def server(tmp_path_factory, llm):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it with apt)")
    pytest.importorskip("playwright")
    workspace = tmp_path_factory.mktemp("browser") / "ws"
    env = dict(os.environ, CLINSUM_WORKSPACE=str(workspace), OLLAMA_HOST=llm.ollama_host)
    subprocess.run([sys.executable, "-m", "clinsum", "demo"], env=env, check=True,
                   capture_output=True, timeout=120)
    port = free_port()
    log_path = workspace.parent / "streamlit.log"  # a file, not a pipe nobody reads (it would fill and block)
    log = open(log_path, "wb")  # noqa: SIM115 - closed after the server stops
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "Home.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("streamlit did not start: " + log_path.read_text(errors="replace")[-2000:])
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    log.close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def open_page(browser, url: str, wait_text: str):
    page = browser.new_page()
    page.goto(url, timeout=60000)
    page.get_by_text(wait_text).first.wait_for(timeout=60000)
    page.wait_for_timeout(1500)  # let the script run finish
    return page


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').first.inner_text()


def wait_text(page, text, timeout: float = 60000, state: str = "visible") -> None:
    """Wait for ``text`` (a string or pattern); on time-out fail with what the page shows."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.get_by_text(text).last.wait_for(timeout=timeout, state=state)
    except PlaywrightTimeout:
        pytest.fail(f"{text!r} not shown; the page shows:\n{main_text(page)[-3000:]}")


def errors_on(page) -> list[str]:
    nodes = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    return [nodes.nth(i).inner_text() for i in range(nodes.count())]


def nav_items(page) -> list[str]:
    links = page.locator('[data-testid="stSidebarNav"] a')
    return [links.nth(i).inner_text().strip() for i in range(links.count())]


def test_home_and_records_open_without_errors(server, browser, tmp_path) -> None:
    # a deep link as the server's first request gets the app's navigation, not pages/ file names
    first = open_page(browser, f"{server}/records", "Registros clínicos")
    assert nav_items(first)[:3] == ["Inicio", "Registros", "Resumir"], nav_items(first)
    first.close()

    home = open_page(browser, server, "clinsum")
    assert errors_on(home) == []
    assert home.get_by_text("Registros").count() >= 1
    home.screenshot(path=str(tmp_path / "home.png"), full_page=True)

    records = open_page(browser, f"{server}/records", "Registros clínicos")
    records.get_by_text("24 registros").first.wait_for(timeout=30000)
    assert errors_on(records) == []
    records.get_by_role("tab", name="Importar").click()
    records.get_by_text("Archivos a importar").first.wait_for(timeout=30000)
    assert errors_on(records) == []


def _medmcqa_file(path: Path, n: int) -> Path:
    import json

    organs = ["kidney", "heart", "liver", "lung"]
    path.write_text("\n".join(json.dumps({
        "id": f"m{i}", "question": f"Which finding is typical of {organs[i % 4]} disease {i}?", "opa": "Edema",
        "opb": f"Finding {i}", "opc": "Rash", "opd": "Fever", "cop": 1, "exp": f"Finding {i} follows from the"
        f" physiology of the {organs[i % 4]}.", "subject_name": "Medicine", "topic_name": organs[i % 4]})
        for i in range(n)) + "\n", encoding="utf-8")
    return path


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.click()
    page.get_by_role("option", name=option).first.click()
    page.wait_for_timeout(1500)


def test_knowledge_base_ingest_with_progress_then_search(server, browser, tmp_path) -> None:
    page = open_page(browser, f"{server}/knowledge_base", "Bases de conocimiento (RAG)")
    assert errors_on(page) == []
    page.get_by_label("Nombre (minúsculas, cifras, - o _)").fill("medmcqa")
    page.get_by_role("button", name="Crear", exact=True).click()
    page.get_by_text("Base «medmcqa» creada").first.wait_for(timeout=30000)
    page.wait_for_timeout(1500)
    page.get_by_role("tab", name="Cargar datos").click()
    page.get_by_text("Archivo (CSV, TSV, JSONL, JSON o Parquet)").first.wait_for(timeout=30000)
    page.wait_for_timeout(1500)  # the tab switch reruns the page
    page.locator('input[type="file"]').set_input_files(str(_medmcqa_file(tmp_path / "medmcqa.jsonl", 30)))
    page.get_by_text("medmcqa.jsonl").first.wait_for(timeout=30000)
    start = page.get_by_role("button", name="Cargar", exact=True)
    for _ in range(60):  # enabled once the upload reached the server
        if start.is_enabled():
            break
        page.wait_for_timeout(500)
    start.click()
    page.locator('[data-testid="stProgress"]').first.wait_for(timeout=60000)
    page.get_by_text("30 añadidas").first.wait_for(timeout=120000)
    assert errors_on(page) == []
    page.reload()
    page.get_by_text("Bases de conocimiento (RAG)").first.wait_for(timeout=60000)
    page.get_by_label("Consulta").fill("typical kidney disease finding 12")
    page.get_by_label("Consulta").press("Enter")
    page.get_by_text("Finding 12").first.wait_for(timeout=60000)
    assert page.get_by_text("distancia").count() >= 1
    assert errors_on(page) == []
    page.screenshot(path=str(tmp_path / "kb.png"), full_page=True)


def test_live_page_runs_parallel_strategies_against_ollama(server, browser, llm, tmp_path) -> None:
    page = open_page(browser, f"{server}/summarize", "Resumen en vivo")
    assert errors_on(page) == []
    page.get_by_role("button", name="Resumir", exact=True).click()  # default: by parts, in parallel
    page.get_by_text("Etapa «merge» lista").first.wait_for(timeout=90000, state="attached")  # folded status
    page.get_by_text(re.compile(r"^(Resumen|Summary): ")).first.wait_for(timeout=30000)  # the fake model
    assert errors_on(page) == []
    n_calls = len(llm.calls)
    assert n_calls >= 3 and llm.peak_concurrency >= 2

    _choose(page, "Estrategia", "RAG multipregunta / Multi-question RAG")
    page.get_by_role("button", name="Resumir", exact=True).click()
    wait_text(page, "Ideas clave y pasajes por apartado", timeout=120000)
    assert errors_on(page) == []
    found = page.locator('[data-testid="stExpander"] summary').filter(has_text=re.compile(r" · [1-9]\d*$"))
    found.first.click()
    page.get_by_text("furosemida intravenosa").first.wait_for(timeout=30000)
    page.get_by_text(re.compile(r"distancia \d\.\d{3}")).first.wait_for(timeout=30000)  # a passage
    assert len(llm.calls) > n_calls + 3
    page.screenshot(path=str(tmp_path / "rag.png"), full_page=True)
