"""/predict and /health over real HTTP on loopback, with the fake LLM server behind."""

from __future__ import annotations

import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from clinsum.serve import ConcurrentHTTPServer, make_server
from clinsum.store import Store
from tests.fakes.llm_server import LLMServer, free_port_url

TEXT = ("Motivo de ingreso: dolor torácico opresivo.\nAntecedentes: fumador, dislipemia.\n"
        "Evolución: troponinas negativas, alta a domicilio.\nJuicio clínico: dolor torácico atípico.")


@pytest.fixture(scope="module")
def llm():
    with LLMServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("serve") / "ws")
    server = make_server(store, port=0, max_bytes=20_000)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    with httpx.Client(base_url=f"http://{host}:{port}", timeout=30) as client:
        client.store = store
        yield client
    server.shutdown()
    server.server_close()


def test_health_and_binding(api):
    assert api.base_url.host == "127.0.0.1"
    r = api.get("/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert api.get("/nothing").status_code == 404


def test_predict_through_loopback_ollama(api, llm, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", llm.ollama_host)
    llm.reset()
    r = api.post("/predict", json={"text": TEXT, "backend": "ollama", "model": "phi4:latest",
                                   "strategy": "refine", "options": {"decoding": "greedy", "seed": 5}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["summary"].startswith("Resumen:") and body["strategy"] == "refine"
    assert set(body["timings"]) == {"draft", "critique", "revise", "total"}
    assert body["prompt_tokens"] > 0 and len(llm.calls) == 3
    assert llm.calls[0].options["seed"] == 5 and llm.calls[0].options["temperature"] == 0.0
    assert TEXT in llm.calls[0].messages[-1]["content"]


def test_predict_can_save_into_the_workspace(api, llm, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", llm.ollama_host)
    r = api.post("/predict", json={"text": TEXT, "backend": "ollama", "model": "phi4:latest", "save": True})
    assert r.status_code == 200, r.text
    row = api.store.fetch_one("SELECT * FROM generations WHERE id = ?", [r.json()["generation_id"]])
    assert row["record_id"] == r.json()["record_id"] and row["text"] == r.json()["summary"]


@pytest.mark.parametrize(("payload", "status", "words"), [
    ({"text": "   "}, 400, "empty"),
    ({"texto": TEXT}, 400, "Missing 'text'"),
    ({"text": TEXT, "strategy": "nope"}, 400, "Unknown strategy"),
    ({"text": TEXT, "options": {"decoding": "fancy"}}, 400, "Unknown decoding"),
    ({"text": TEXT, "options": {"beam_width": 3}}, 400, "Unknown option"),
    ([1, 2], 400, "JSON object"),
])
def test_bad_requests_get_clear_json_errors(api, payload, status, words):
    r = api.post("/predict", json=payload)
    assert r.status_code == status and words in r.json()["error"]["message"], r.text


def test_invalid_json_and_oversized_bodies(api):
    r = api.post("/predict", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["error"]["message"]
    r = api.post("/predict", json={"text": "x" * 30_000})
    assert r.status_code == 413 and "limit" in r.json()["error"]["message"]


def test_backend_down_or_slow_is_503(api, llm, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", free_port_url())
    r = api.post("/predict", json={"text": TEXT, "backend": "ollama", "model": "phi4:latest"})
    assert r.status_code == 503 and "not reachable" in r.json()["error"]["message"]
    assert r.json()["error"]["hint"]
    monkeypatch.setenv("OLLAMA_HOST", llm.ollama_host)
    llm.latency = 1.5
    try:
        r = api.post("/predict", json={"text": TEXT, "backend": "ollama", "model": "phi4:latest",
                                       "options": {"timeout": 0.3}})
    finally:
        llm.latency = 0.0
    assert r.status_code == 503 and "did not answer" in r.json()["error"]["message"], r.text


def _handshakes_completed(server_class, n: int = 64) -> int:
    """Connect ``n`` sockets at once to a server that is not accepting yet; count the
    connections the kernel completed (the others' SYNs were dropped: a 1 s retry later)."""
    server = server_class(("127.0.0.1", 0), BaseHTTPRequestHandler)
    sockets = [socket.socket() for _ in range(n)]
    try:
        for sock in sockets:
            sock.setblocking(False)
            sock.connect_ex(server.server_address)
        time.sleep(0.3)
        _, writable, _ = select.select([], sockets, [], 0)
        return sum(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 for sock in writable)
    finally:
        for sock in sockets:
            sock.close()
        server.server_close()


def test_server_queues_a_burst_of_parallel_connections():
    """A strategy's parallel stages connect together; the standard library's backlog of 5
    drops the rest, which then wait a second (what the fake servers and `serve` share)."""
    assert _handshakes_completed(ThreadingHTTPServer) < 16  # the problem, shown
    assert _handshakes_completed(ConcurrentHTTPServer) == 64
