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


# -- data integrity: race-free saving, tokens, bad requests, timeouts, busy workspace ---------
def _serving(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    return f"http://127.0.0.1:{port}" if host in ("0.0.0.0", "::") else f"http://{host}:{port}"


@pytest.fixture
def fresh(tmp_path):
    """A server on its own workspace with short timeouts; stopped after the test."""
    servers = []

    def start(**kwargs):
        store = Store.open(tmp_path / f"ws{len(servers)}")
        server = make_server(store, port=0, **kwargs)
        servers.append(server)
        return _serving(server), store

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_concurrent_saves_of_the_same_new_text_make_one_record(fresh, llm, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("OLLAMA_HOST", llm.ollama_host)
    url, store = fresh(busy_wait=120)  # 20 saves queue for the lock: none of them is "busy"
    text = TEXT + "\nPlan: control en 20 días."
    barrier = threading.Barrier(20)

    def save(_):
        with httpx.Client(base_url=url, timeout=120) as client:
            barrier.wait()
            return client.post("/predict", json={"text": text, "save": True, "backend": "ollama",
                                                 "model": "phi4:latest"})

    llm.latency = 0.3  # the answers come back together, as from a busy model server
    try:
        with ThreadPoolExecutor(20) as pool:
            replies = list(pool.map(save, range(20)))
    finally:
        llm.latency = 0.0
    assert [r.status_code for r in replies] == [200] * 20, [r.text for r in replies if r.status_code != 200]
    assert store.scalar("SELECT count(*) FROM records") == 1
    record_id = store.scalar("SELECT id FROM records")
    assert {r.json()["record_id"] for r in replies} == {record_id}
    assert store.scalar("SELECT count(*) FROM generations") == 20
    assert store.scalar("SELECT count(*) FROM generations g WHERE NOT EXISTS"
                        " (SELECT 1 FROM records r WHERE r.id = g.record_id)") == 0


def test_beyond_loopback_needs_a_token_and_warns(tmp_path, monkeypatch, caplog, capsys):
    from clinsum.cli import main
    from clinsum.errors import ConfigError

    monkeypatch.delenv("CLINSUM_SERVE_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="token is required"):
        make_server(None, host="0.0.0.0", port=0)
    assert main(["--workspace", str(tmp_path / "ws"), "serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "token" in capsys.readouterr().err
    monkeypatch.setenv("CLINSUM_SERVE_TOKEN", "s3cret-token")
    with caplog.at_level("WARNING", logger="clinsum.serve"):
        server = make_server(None, host="0.0.0.0", port=0)
    assert any("beyond this machine" in r.getMessage() for r in caplog.records)
    assert not any("s3cret" in r.getMessage() for r in caplog.records)
    url = _serving(server)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-token"}):
                for reply in (client.get("/health", headers=headers),
                              client.post("/predict", json={"text": TEXT}, headers=headers)):
                    assert reply.status_code == 401 and "token" in reply.json()["error"]["message"]
            good = {"Authorization": "Bearer s3cret-token"}
            assert client.get("/health", headers=good).status_code == 200
            r = client.post("/predict", json={"text": " "}, headers=good)  # past the gate: the empty text
            assert r.status_code == 400 and "empty" in r.json()["error"]["message"]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("payload", "words"), [
    ({"text": 5}, "Missing 'text'"),
    ({"text": TEXT, "backend": 3}, "'backend' must be a string"),
    ({"text": TEXT, "model": ["a"]}, "'model' must be a string"),
    ({"text": TEXT, "strategy": {"x": 1}}, "'strategy' must be a string"),
    ({"text": TEXT, "language": 1}, "'language' must be a string"),
    ({"text": TEXT, "params": [1]}, "'params' must be an object"),
    ({"text": TEXT, "save": "yes"}, "'save' must be true or false"),
    ({"text": TEXT, "options": {"seed": "x"}}, "'seed' must be a whole number"),
    ({"text": TEXT, "options": {"max_new_tokens": 2.5}}, "'max_new_tokens' must be a whole number"),
    ({"text": TEXT, "options": {"temperature": "hot"}}, "'temperature' must be a number"),
    ({"text": TEXT, "options": {"top_k": True}}, "'top_k' must be a whole number"),
    ({"text": TEXT, "options": {"decoding": 3}}, "'decoding' must be a string"),
])
def test_wrong_types_are_400(api, payload, words):
    r = api.post("/predict", json=payload)
    assert r.status_code == 400 and words in r.json()["error"]["message"], r.text


def test_deep_json_unknown_methods_and_short_bodies_get_json_4xx(api):
    for depth in (40, 5000):
        body = b"[" * depth + b"]" * depth
        r = api.post("/predict", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "nested too deeply" in r.json()["error"]["message"]
    r = api.put("/predict", json={"text": TEXT})
    assert r.status_code == 405 and r.json()["error"]["message"] and r.headers["Allow"] == "GET, POST"
    assert api.get("/health").status_code == 200  # the server still answers


def _closed_within(sock: socket.socket, seconds: float) -> bytes:
    """What the server sent before closing (b'' if nothing); fails if it is still open."""
    sock.settimeout(seconds)
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk


def test_held_open_and_trickling_connections_are_closed(fresh):
    url, _ = fresh(idle_timeout=0.5, request_timeout=1.0)
    address = (httpx.URL(url).host, httpx.URL(url).port)
    with socket.create_connection(address) as idle:  # connects, never sends
        assert _closed_within(idle, 20) == b""
    with socket.create_connection(address) as slow:  # sends its headers a byte at a time
        slow.sendall(b"POST /predict HTTP/1.1\r\n")
        closed = False
        for byte in b"Content-Type: application/json\r\n" * 20:
            try:
                slow.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(0.05)
            readable, _, _ = select.select([slow], [], [], 0)
            if readable:
                closed = True
                break
        assert closed  # cut off long before the 640 bytes were sent
    with socket.create_connection(address) as stalled:  # a body that never comes: 408
        stalled.sendall(b"POST /predict HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"text\"")
        reply = _closed_within(stalled, 20)
        assert reply.startswith(b"HTTP/1.1 408") and b"did not arrive" in reply


def test_connections_beyond_the_limit_get_503_at_once(fresh):
    url, _ = fresh(max_connections=3, idle_timeout=30)
    address = (httpx.URL(url).host, httpx.URL(url).port)
    held = [socket.create_connection(address) for _ in range(3)]
    try:
        time.sleep(0.2)  # let the server take the three
        with socket.create_connection(address) as extra:
            reply = _closed_within(extra, 20)
        assert reply.startswith(b"HTTP/1.1 503") and b"Too many connections" in reply
    finally:
        for sock in held:
            sock.close()
    with httpx.Client(base_url=url, timeout=30) as client:  # slots are given back
        assert client.get("/health").status_code == 200


def test_busy_workspace_is_503_before_the_model_runs(fresh, llm, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", llm.ollama_host)
    llm.reset()
    url, store = fresh(busy_wait=1)
    holding, release = threading.Event(), threading.Event()

    def hold():
        with store.connect():
            holding.set()
            release.wait(60)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    holding.wait(10)
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            r = client.post("/predict", json={"text": TEXT, "backend": "ollama", "model": "phi4:latest",
                                              "save": True})
    finally:
        release.set()
        holder.join()
    assert r.status_code == 503 and "busy" in r.json()["error"]["message"], r.text
    assert r.headers["Retry-After"]
    assert llm.calls == []  # the model never ran
    assert store.scalar("SELECT count(*) FROM generations") == 0
