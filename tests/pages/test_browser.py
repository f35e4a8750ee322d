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

ROOT = Path(__file__).resolve().parents[2]
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


class Beacon:
    """A loopback HTTP server that counts the requests it gets, by path."""

    def __init__(self) -> None:
        import threading
        from collections import Counter
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        hits: Counter[str] = Counter()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                hits[self.path] += 1
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.hits = hits
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def beacon():
    fake = Beacon()
    yield fake
    fake.close()


def beacon_title(beacon: Beacon) -> str:
    return f"![t]({beacon.url}/beacon.png)"


def plant_beacon(workspace: Path, beacon: Beacon) -> None:
    """Give the record Compare opens on a title (and one of its summaries a model name) written
    as a Markdown image pointing at the beacon server."""
    from clinsum import compare
    from clinsum.store import Store

    store = Store.open(workspace)
    first = compare.record_ids(store)[0]
    store.execute("UPDATE records SET title = ? WHERE id = ?", [beacon_title(beacon), first])
    store.execute("UPDATE generations SET model = ? WHERE id = (SELECT min(id) FROM generations"
                  " WHERE record_id = ?)", [f"![m]({beacon.url}/beacon.png)", first])


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory, llm, beacon) -> Path:
    """A fresh ``clinsum demo`` workspace (with the beacon title planted)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it with apt)")
    pytest.importorskip("playwright")
    workspace = tmp_path_factory.mktemp("browser") / "ws"
    env = dict(os.environ, CLINSUM_WORKSPACE=str(workspace), OLLAMA_HOST=llm.ollama_host)
    subprocess.run([sys.executable, "-m", "clinsum", "demo"], env=env, check=True,
                   capture_output=True, timeout=900)  # minutes on a busy 2-core machine
    plant_beacon(workspace, beacon)
    return workspace


@pytest.fixture(scope="module")
def server(demo_ws, llm):
    workspace = demo_ws
    env = dict(os.environ, CLINSUM_WORKSPACE=str(workspace), OLLAMA_HOST=llm.ollama_host)
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


# -- every page, both languages, on the fresh demo ---------------------------------------------
#: (kind, CSS selector) of what a user reads, as the page-language checker classifies it
READ = [
    ("Caption", '[data-testid="stCaptionContainer"]'),
    ("Info", '[data-testid="stAlertContentInfo"]'),
    ("Warning", '[data-testid="stAlertContentWarning"]'),
    ("Success", '[data-testid="stAlertContentSuccess"]'),
    ("Error", '[data-testid="stAlertContentError"]'),
    ("Title", '[data-testid="stHeading"]'),
    ("Widget.label", '[data-testid="stWidgetLabel"]'),
    ("Button.label", 'button[data-testid^="stBaseButton"]'),
    ("Tab.label", '[role="tab"]'),
    ("Expander.label", '[data-testid="stExpander"] summary'),
    ("Metric.label", '[data-testid="stMetricLabel"]'),
    ("Select.option", '[data-testid="stSelectbox"], [data-testid="stMultiSelect"]'),
    ("Radio.option", '[data-testid="stRadio"] label'),
    ("Markdown", '[data-testid="stMarkdownContainer"]'),
    ("Plot.label", '.js-plotly-plot .g-xtitle, .js-plotly-plot .g-ytitle, .js-plotly-plot .legendtitletext,'
                   ' .js-plotly-plot .cbtitle, .js-plotly-plot .gtitle'),
    ("Plot.option", '.js-plotly-plot .legendtext'),
]
COLLECT = """(read) => {
  const out = [];
  const seen = new Set();
  for (const [kind, selector] of read) {
    for (const node of document.querySelectorAll(selector)) {
      if (!node.checkVisibility || !node.checkVisibility()) continue;
      if (kind === "Markdown" && node.closest('[data-testid="stCaptionContainer"], [role="alert"],'
          + ' [data-testid="stWidgetLabel"], [data-testid="stExpander"] summary, [role="tab"], button,'
          + ' [data-testid="stHeading"], [data-testid="stMetricLabel"]')) continue;
      let text = node.innerText || node.textContent || "";
      for (const icon of node.querySelectorAll('[data-testid="stIconMaterial"]')) {
        text = text.replace(icon.textContent, "");  // an icon's ligature name, drawn as an icon
      }
      text = text.trim();
      if (!text || seen.has(kind + text)) continue;
      seen.add(kind + text);
      out.push([kind, text]);
    }
  }
  return out;
}"""
#: text on a page that says it has nothing to show (the demo must open on content)
EMPTY_KEYS = ("compare.empty", "compare.no_candidates", "explorer.no_generations", "explorer.empty",
              "explorer.ratings.none", "explorer.ratings.few", "explorer.time.none",
              "explorer.corr.few")


EXPLORER_TABS = ("groups", "temperature", "matrix", "time", "pareto", "distribution", "correlation",
                 "ratings", "sql")


def settle(page, quiet_ms: int = 1500, timeout_s: float = 240) -> None:
    """Wait until the script run is over (the app's script state stays ``notRunning`` for
    ``quiet_ms``, so the last messages are drawn)."""
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        state = page.locator('[data-testid="stApp"]').first.get_attribute("data-test-script-state")
        if state != "notRunning":
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif (time.monotonic() - quiet_since) * 1000 >= quiet_ms:
            return
        page.wait_for_timeout(200)
    pytest.fail("the page kept running: " + main_text(page)[-1500:])


def read_page(page) -> list[tuple[str, str]]:
    return [(kind, text) for kind, text in page.evaluate(COLLECT, READ)]


FIGURES = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .filter((gd) => gd.checkVisibility && gd.checkVisibility())
  .map((gd) => ({layout: JSON.parse(JSON.stringify(gd.layout || {})), data: (gd.data || []).map((t) => ({
    type: t.type, name: t.name, showlegend: t.showlegend, hovertemplate: t.hovertemplate,
    x: Array.isArray(t.x) ? t.x.filter((v) => typeof v === "string").slice(0, 60) : null,
    y: Array.isArray(t.y) ? t.y.filter((v) => typeof v === "string").slice(0, 60) : null}))}))"""


def page_problems(page, lang: str, allowed: set[str], where: str) -> list[str]:
    from test_pages_i18n import ALLOWED, chart_problems, problems, raw_columns

    texts = [(k, v) for k, v in read_page(page) if v not in ALLOWED]
    found = [f"{where}: {p}" for p in problems(texts, lang, allowed)]
    found += [f"{where}: {k}: raw column name {v!r}" for k, v in texts
              if k.startswith("Plot") and v in raw_columns(lang)]
    # what the drawn charts hold: legends, categories and the hover labels (shown on hover only)
    found += [f"{where}: chart: {p}" for p in chart_problems(page.evaluate(FIGURES), lang, allowed)]
    found += [f"{where}: error element: {e[:200]}" for e in errors_on(page)]
    return found


def empty_states(page, lang: str) -> list[str]:
    from clinsum.ui.i18n import translate

    shown = main_text(page)
    return [key for key in EMPTY_KEYS if translate(key, lang).split("{")[0].strip()[:40] in shown]


def go_to(page, name: str) -> None:
    link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{"" if name == "home" else name}"]').first
    link.click()
    page.wait_for_timeout(500)
    settle(page)


def visible_in_panel(page, selector: str) -> int:
    panel = page.locator('[role="tabpanel"]:visible')
    return panel.locator(selector).count()


def test_every_page_in_both_languages_opens_on_content_and_fetches_no_beacon(demo_ws, server, browser,
                                                                            beacon) -> None:
    from clinsum.store import Store
    from clinsum.ui.i18n import translate

    ids = {r["id"] for r in Store.open(demo_ws).fetch_dicts("SELECT id FROM records UNION SELECT id FROM generations")}
    names = [p.stem.split("_", 1)[1] for p in sorted((ROOT / "clinsum" / "ui" / "pages").glob("[0-9]*_*.py"))]
    page = browser.new_page()
    page.goto(server, timeout=60000)
    settle(page)
    found: list[str] = []
    for lang in ("es", "en"):
        if lang == "en":
            page.locator('[data-testid="stSidebar"] [data-testid="stRadio"] label').filter(
                has_text="English").first.click()
            settle(page)
        for name in names:
            go_to(page, name)
            where = f"{lang}/{name}"
            found += page_problems(page, lang, ids, where)
            if name == "compare":
                assert page.locator("mark").count() > 0, f"{where}: no marked candidate: {main_text(page)[:1500]}"
                assert beacon_title(beacon) in main_text(page)  # the title shown as text
            if name == "explorer":
                for i, tab in enumerate(translate(f"explorer.tab.{t}", lang) for t in EXPLORER_TABS):
                    page.get_by_role("tab", name=tab, exact=True).first.click()
                    settle(page)
                    drawn = visible_in_panel(page, '[data-testid="stPlotlyChart"], [data-testid="stDataFrame"],'
                                                   ' [data-testid="stTextArea"]')
                    if EXPLORER_TABS[i] == "temperature" and not drawn:  # extractive demo: no temperature
                        drawn = translate("explorer.temperature.none", lang)[:40] in main_text(page)
                    assert drawn, f"{where}: tab {tab!r} drew nothing: {main_text(page)[-800:]}"
                    found += page_problems(page, lang, ids, f"{where}/{EXPLORER_TABS[i]}")
            if name == "annotate":
                if page.get_by_label(translate("annotate.name", lang)).count():
                    page.get_by_label(translate("annotate.name", lang)).fill("walker")
                    page.get_by_role("button", name=translate("annotate.start", lang)).click()
                    settle(page)
                page.locator('[data-testid="stMain"] [data-testid="stRadio"] label').filter(
                    has_text=translate("annotate.tab.agreement", lang)).first.click()
                settle(page)
                assert page.locator('[data-testid="stMain"] [data-testid="stDataFrame"],'
                                    ' [data-testid="stMain"] [data-testid="stMetric"]').count(), \
                    f"{where}: agreement shows nothing"
                found += page_problems(page, lang, ids, f"{where}/agreement")
            empty = empty_states(page, lang) if name in ("compare", "explorer") else []
            assert not empty, f"{where}: empty state {empty}"
    page.goto(f"{beacon.url}/probe", timeout=30000)  # the counter itself works
    page.close()
    assert beacon.hits["/probe"] == 1
    assert beacon.hits["/beacon.png"] == 0, "a title or model name was drawn as an image"
    assert found == [], "\n".join(found)
