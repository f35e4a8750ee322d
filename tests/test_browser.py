"""A real browser (Debian's Chromium driven by Playwright) against `streamlit run`."""

from __future__ import annotations

import os
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
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it with apt)")
    pytest.importorskip("playwright")
    workspace = tmp_path_factory.mktemp("browser") / "ws"
    env = dict(os.environ, CLINSUM_WORKSPACE=str(workspace))
    subprocess.run([sys.executable, "-m", "clinsum", "demo"], env=env, check=True,
                   capture_output=True, timeout=120)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "Home.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
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
            pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
        time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(10)


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


def errors_on(page) -> list[str]:
    nodes = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    return [nodes.nth(i).inner_text() for i in range(nodes.count())]


def test_home_and_records_open_without_errors(server, browser, tmp_path) -> None:
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
