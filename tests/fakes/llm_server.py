"""A loopback HTTP server speaking the real Ollama and OpenAI Chat Completions wire protocols.

Use it as a context manager (``with LLMServer(latency=0.2, capacity=2) as server:``) or
through the ``llm_server`` fixture in :mod:`tests.fakes.fixtures`. Point clients at
``server.ollama_host`` (Ollama) or ``server.openai_base_url`` (``…/v1``).

Endpoints:

- Ollama: ``GET /``, ``GET /api/version``, ``GET /api/tags``, ``POST /api/show``,
  ``POST /api/chat`` (NDJSON stream by default, one JSON object with ``"stream": false``);
  unknown models get 404 ``{"error": "model 'x' not found"}``.
- OpenAI: ``GET /v1/models``, ``POST /v1/chat/completions`` (one JSON object, or SSE
  ``data: {...}`` chunks ending with ``data: [DONE]``; usage in the last chunk when
  ``stream_options.include_usage`` is set); 401 for a wrong key when ``api_key`` is set.

Knobs (attributes, change them at any time): ``latency`` (seconds before the first token of
each generation call), ``token_delay`` (seconds between pieces), ``capacity`` (at most this
many generation calls are served at once; the others wait), ``responder(messages, model)``,
``models``; ``fail_next(n, status)`` answers the next n generation calls with an HTTP error;
``disconnect_next(n, after)`` drops the connection after ``after`` pieces. Every generation
call is recorded in ``calls`` (:class:`Call`, timestamps from ``time.perf_counter``), and
``peak_concurrency`` / ``peak_requests`` hold the most calls served / received at once.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from clinsum.serve import ConcurrentHTTPServer
from clinsum.text import detect_language, sentences

Responder = Callable[[list[dict[str, Any]], str], str]
DEFAULT_MODELS = ["llama3.2:1b", "phi4:latest", "qwen3:0.6b"]
_PIECE_RE = re.compile(r"\s*\S+|\s+$")


def default_responder(messages: list[dict[str, Any]], model: str) -> str:
    """A deterministic summary-like text: the first sentences of the last user message."""
    last = next((m.get("content") or "" for m in reversed(messages) if m.get("role") == "user"), "")
    picked = " ".join(sentences(last)[:2]) or last
    tokens = picked.split()[:40]
    lead = "Summary:" if last and detect_language(last) == "en" else "Resumen:"
    return " ".join([lead, *tokens]) if tokens else f"{lead} (sin contenido)"


KEY_IDEAS = "- insuficiencia cardiaca descompensada\n- furosemida intravenosa\n- potasio normal"


def rag_responder(messages: list[dict[str, Any]], model: str) -> str:
    """Three key ideas when asked for them (the RAG strategies' first stage), else as default."""
    last = messages[-1]["content"]
    if "ideas clave" in last or "key ideas" in last:
        return KEY_IDEAS
    return default_responder(messages, model)


def pieces_of(text: str) -> list[str]:
    """How the server streams a text: one piece per word, leading whitespace attached."""
    return _PIECE_RE.findall(text) or [""]


@dataclass
class Call:
    """One generation request as the server saw it."""

    protocol: str  # "ollama" | "openai"
    model: str
    messages: list[dict[str, Any]]
    options: dict[str, Any]
    stream: bool
    body: dict[str, Any]
    headers: dict[str, str]  # lower-case names
    start: float = 0.0  # when it started being served (after waiting for capacity)
    end: float = 0.0
    received: float = 0.0
    status: int = 200
    outcome: str = "ok"  # ok | error | disconnected | client_gone


@dataclass
class _Plan:
    status: int | None = None
    disconnect_after: int | None = None


@dataclass
class LLMServer:
    """The server; see the module docstring."""

    latency: float = 0.0
    token_delay: float = 0.0
    capacity: int | None = None
    api_key: str | None = None
    models: list[str] = field(default_factory=lambda: list(DEFAULT_MODELS))
    responder: Responder = default_responder
    calls: list[Call] = field(default_factory=list)
    peak_concurrency: int = 0
    peak_requests: int = 0

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._serving = 0
        self._received = 0
        self._plans: list[_Plan] = []
        self._httpd: ConcurrentHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> LLMServer:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ConcurrentHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ollama_host(self) -> str:
        return self.url

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    # -- scripting --------------------------------------------------------------------------
    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """Answer the next ``n`` generation calls with HTTP ``status`` (500, 503, 429 …)."""
        with self._cond:
            self._plans.extend(_Plan(status=status) for _ in range(n))

    def disconnect_next(self, n: int = 1, after: int = 2) -> None:
        """Drop the connection of the next ``n`` generation calls after ``after`` pieces."""
        with self._cond:
            self._plans.extend(_Plan(disconnect_after=after) for _ in range(n))

    def reset(self) -> None:
        """Forget recorded calls, peaks and pending plans."""
        with self._cond:
            self.calls.clear()
            self._plans.clear()
            self.peak_concurrency = self.peak_requests = 0

    def calls_for(self, protocol: str) -> list[Call]:
        return [c for c in self.calls if c.protocol == protocol]

    # -- used by the handler ----------------------------------------------------------------
    def _admit(self, call: Call) -> _Plan:
        with self._cond:
            self.calls.append(call)
            self._received += 1
            self.peak_requests = max(self.peak_requests, self._received)
            while self.capacity and self._serving >= self.capacity:
                self._cond.wait()
            self._serving += 1
            self.peak_concurrency = max(self.peak_concurrency, self._serving)
            call.start = time.perf_counter()
            return self._plans.pop(0) if self._plans else _Plan()

    def _release(self, call: Call) -> None:
        with self._cond:
            call.end = time.perf_counter()
            self._serving -= 1
            self._received -= 1
            self._cond.notify_all()


class _ClientGone(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    fake: LLMServer
    protocol_version = "HTTP/1.1"
    server_version = "clinsum-fake-llm/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence the log
        pass

    # -- plumbing ---------------------------------------------------------------------------
    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {"__invalid__": True}

    def _send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _start_chunked(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        except OSError as exc:
            raise _ClientGone from exc

    def _end_chunked(self) -> None:
        self._chunk(b"")  # zero-length chunk ends the body

    def _drop(self) -> None:
        """Close the socket abruptly (the body stays incomplete)."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- routing ----------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        fake = self.fake
        if self.path == "/":
            data = b"Ollama is running"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif self.path == "/api/version":
            self._send_json(200, {"version": "0.6.0"})
        elif self.path == "/api/tags":
            self._send_json(200, {"models": [_ollama_model(m) for m in fake.models]})
        elif self.path == "/v1/models":
            if self._openai_auth_ok():
                self._send_json(200, {"object": "list", "data": [
                    {"id": m, "object": "model", "created": 1700000000, "owned_by": "library"}
                    for m in fake.models]})
        else:
            self._send_json(404, {"error": f"not found: {self.path}"})

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = self._body()
        if body.get("__invalid__"):
            self._send_json(400, {"error": "invalid JSON body"})
        elif self.path == "/api/show":
            self._ollama_show(body)
        elif self.path == "/api/chat":
            self._generation("ollama", body)
        elif self.path == "/v1/chat/completions":
            if self._openai_auth_ok():
                self._generation("openai", body)
        else:
            self._send_json(404, {"error": f"not found: {self.path}"})

    # -- Ollama -----------------------------------------------------------------------------
    def _ollama_show(self, body: dict[str, Any]) -> None:
        name = body.get("model") or body.get("name") or ""
        if name not in self.fake.models:
            self._send_json(404, {"error": f"model '{name}' not found"})
            return
        self._send_json(200, {
            "modelfile": f"FROM {name}\n", "parameters": "temperature 0.7", "template": "{{ .Prompt }}",
            "details": _ollama_model(name)["details"],
            "model_info": {"general.architecture": "llama", "llama.context_length": 8192},
            "capabilities": ["completion"],
        })

    # -- OpenAI -----------------------------------------------------------------------------
    def _openai_auth_ok(self) -> bool:
        key = self.fake.api_key
        if not key or self.headers.get("Authorization", "") == f"Bearer {key}":
            return True
        self._send_json(401, {"error": {
            "message": "Incorrect API key provided.", "type": "invalid_request_error",
            "param": None, "code": "invalid_api_key"}})
        return False

    # -- generation (both protocols) --------------------------------------------------------
    def _generation(self, protocol: str, body: dict[str, Any]) -> None:
        fake = self.fake
        model = str(body.get("model") or "")
        messages = list(body.get("messages") or [])
        if protocol == "ollama":
            stream = body.get("stream", True) is not False
            options = dict(body.get("options") or {})
        else:
            stream = bool(body.get("stream"))
            options = {k: v for k, v in body.items() if k not in {"model", "messages", "stream"}}
        call = Call(protocol, model, messages, options, stream, body,
                    {k.lower(): v for k, v in self.headers.items()},
                    received=time.perf_counter())
        plan = fake._admit(call)
        try:
            self._serve_generation(call, plan)
        except _ClientGone:
            call.outcome = "client_gone"
            self.close_connection = True
        finally:
            fake._release(call)

    def _serve_generation(self, call: Call, plan: _Plan) -> None:
        fake = self.fake
        if call.model not in fake.models:
            call.status, call.outcome = 404, "error"
            if call.protocol == "ollama":
                self._send_json(404, {"error": f"model '{call.model}' not found"})
            else:
                self._send_json(404, {"error": {
                    "message": f"The model `{call.model}` does not exist.",
                    "type": "invalid_request_error", "param": "model", "code": "model_not_found"}})
            return
        if plan.status:
            call.status, call.outcome = plan.status, "error"
            message = {429: "rate limit exceeded", 503: "server overloaded"}.get(
                plan.status, "internal server error")
            payload: Any = ({"error": message} if call.protocol == "ollama"
                            else {"error": {"message": message, "type": "server_error", "code": None}})
            self._send_json(plan.status, payload)
            return
        text = fake.responder(call.messages, call.model)
        prompt_tokens = sum(len(str(m.get("content") or "").split()) for m in call.messages)
        pieces = pieces_of(text)
        if fake.latency:
            time.sleep(fake.latency)
        if not call.stream:
            if plan.disconnect_after is not None:
                call.outcome = "disconnected"
                self._drop()
                return
            time.sleep(fake.token_delay * len(pieces))
            self._send_json(200, _full_response(call, text, prompt_tokens, len(pieces)))
            return
        ollama = call.protocol == "ollama"
        self._start_chunked("application/x-ndjson" if ollama else "text/event-stream")
        for i, piece in enumerate(pieces):
            if plan.disconnect_after is not None and i >= plan.disconnect_after:
                call.outcome = "disconnected"
                self._drop()
                return
            if i and fake.token_delay:
                time.sleep(fake.token_delay)
            self._chunk(_stream_piece(call, piece, first=i == 0))
        self._chunk(_stream_final(call, prompt_tokens, len(pieces)))
        if not ollama:
            self._chunk(b"data: [DONE]\n\n")
        self._end_chunked()


def _ollama_model(name: str) -> dict[str, Any]:
    return {
        "name": name, "model": name, "modified_at": "2025-01-01T00:00:00Z",
        "size": 1_300_000_000, "digest": uuid.uuid5(uuid.NAMESPACE_DNS, name).hex * 2,
        "details": {"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"],
                    "parameter_size": "1.2B", "quantization_level": "Q4_K_M"},
    }


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())


def _full_response(call: Call, text: str, prompt_tokens: int, completion_tokens: int) -> dict:
    if call.protocol == "ollama":
        return {
            "model": call.model, "created_at": _now_iso(),
            "message": {"role": "assistant", "content": text},
            "done": True, "done_reason": "stop", "total_duration": 1_000_000,
            "load_duration": 1000, "prompt_eval_count": prompt_tokens,
            "prompt_eval_duration": 1000, "eval_count": completion_tokens, "eval_duration": 1000,
        }
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion",
        "created": int(time.time()), "model": call.model, "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                     "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def _sse(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


def _chunk_payload(call: Call, choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"id": f"chatcmpl-{id(call):x}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": call.model, "system_fingerprint": "fp_fake",
            "choices": choices, **extra}


def _stream_piece(call: Call, piece: str, first: bool) -> bytes:
    if call.protocol == "ollama":
        line = {"model": call.model, "created_at": _now_iso(),
                "message": {"role": "assistant", "content": piece}, "done": False}
        return (json.dumps(line) + "\n").encode()
    delta = {"role": "assistant", "content": piece} if first else {"content": piece}
    return _sse(_chunk_payload(call, [{"index": 0, "delta": delta, "logprobs": None,
                                       "finish_reason": None}]))


def _stream_final(call: Call, prompt_tokens: int, completion_tokens: int) -> bytes:
    if call.protocol == "ollama":
        done = _full_response(call, "", prompt_tokens, completion_tokens)
        return (json.dumps(done) + "\n").encode()
    out = _sse(_chunk_payload(call, [{"index": 0, "delta": {}, "logprobs": None,
                                      "finish_reason": "stop"}]))
    if (call.body.get("stream_options") or {}).get("include_usage"):
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                 "total_tokens": prompt_tokens + completion_tokens}
        out += _sse(_chunk_payload(call, [], usage=usage))
    return out


def free_port_url() -> str:
    """A loopback URL where nothing listens (for server-down tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
