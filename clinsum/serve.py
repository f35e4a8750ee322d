"""``clinsum serve``: a small HTTP API for other hospital systems.

- ``GET /health`` → ``{"status": "ok", "version": …}`` (``?backends=1`` adds what is available)
- ``POST /predict`` with JSON ``{"text": "…", "backend": "extractive", "model": "",
  "strategy": "template", "language": "es", "options": {"decoding": "greedy",
  "temperature": 0.2, "max_new_tokens": 512, "seed": 1, …}, "params": {…}}`` → the summary,
  its timings per stage, token counts and the prompt version.

Bound to 127.0.0.1 unless told otherwise; any other address needs a token (``--token`` or
``$CLINSUM_SERVE_TOKEN``), sent as ``Authorization: Bearer TOKEN``: without it a request
gets 401. Every bad request is a 4xx with a JSON message: wrong types and too deeply
nested JSON 400, no Content-Length 411, bodies over ``max_bytes`` 413 before they are read,
a client that sends too slowly 408; an unavailable backend, a busy workspace (checked
before the model runs) or too many connections 503 (with the hint); an unexpected failure
500 with a reference, never a traceback. Idle keep-alive connections are closed after
``idle_timeout`` s, a request must arrive whole within ``request_timeout`` s, and at most
``max_connections`` are served at once. Nothing is saved unless ``"save": true`` and a
workspace is configured; saving is one transaction (record found or added, then the
generation), so concurrent saves of the same new text make one record.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import socket
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from clinsum import __version__
from clinsum.errors import BackendUnavailable, ClinsumError, ConfigError, WorkspaceBusy
from clinsum.generation import (
    decoding_options,
    ensure_record,
    record_from_text,
    save_generation,
    summarize,
)
from clinsum.store import Store

log = logging.getLogger("clinsum.serve")
DEFAULT_MAX_BYTES = 2_000_000
TOKEN_ENV = "CLINSUM_SERVE_TOKEN"
MAX_DEPTH = 16                 # nesting of the request JSON
IDLE_TIMEOUT = 30.0            # s a kept-alive connection may wait for its next request
REQUEST_TIMEOUT = 60.0         # s from a request's first line to its last body byte
MAX_CONNECTIONS = 64           # served at once; more get 503 at once
BUSY_WAIT = 10.0               # s /predict waits for a busy workspace before 503
INT_OPTIONS = {"top_k", "num_beams", "max_new_tokens", "seed"}
FLOAT_OPTIONS = {"temperature", "top_p", "repetition_penalty", "timeout"}
OPTION_KEYS = INT_OPTIONS | FLOAT_OPTIONS
STRING_FIELDS = ("backend", "model", "strategy", "language")


class ApiError(Exception):
    def __init__(self, status: int, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.hint = status, message, hint


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (iterative: any depth is safe)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            todo.extend((v, level + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def parse_body(body: bytes) -> Any:
    """The request JSON; too deep or invalid → ApiError(400)."""
    try:
        payload = json.loads(body or b"null")
    except RecursionError:
        raise ApiError(400, f"The JSON is nested too deeply (the limit is {MAX_DEPTH} levels).") from None
    except ValueError:
        raise ApiError(400, "The body is not valid JSON.") from None
    if _depth(payload) > MAX_DEPTH:
        raise ApiError(400, f"The JSON is nested too deeply (the limit is {MAX_DEPTH} levels).")
    return payload


def _check_option(key: str, value: Any) -> None:
    if key == "seed" and value is None:
        return
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if key in INT_OPTIONS and not (number and float(value).is_integer()):
        raise ApiError(400, f"Option '{key}' must be a whole number, not {json.dumps(value)[:40]}.")
    if key in FLOAT_OPTIONS and not number:
        raise ApiError(400, f"Option '{key}' must be a number, not {json.dumps(value)[:40]}.")


def check_payload(payload: Any) -> dict[str, Any]:
    """The /predict body with every field of the right type, else ApiError(400)."""
    if not isinstance(payload, dict):
        raise ApiError(400, "The body must be a JSON object.")
    text = payload.get("text")
    if not isinstance(text, str):
        raise ApiError(400, "Missing 'text': the clinical record to summarize, as a string.")
    for name in STRING_FIELDS:
        if payload.get(name) is not None and not isinstance(payload[name], str):
            raise ApiError(400, f"'{name}' must be a string.")
    if payload.get("params") is not None and not isinstance(payload["params"], dict):
        raise ApiError(400, "'params' must be an object.")
    if payload.get("save") is not None and not isinstance(payload["save"], bool):
        raise ApiError(400, "'save' must be true or false.")
    raw_options = payload.get("options") or {}
    if not isinstance(raw_options, dict):
        raise ApiError(400, "'options' must be an object.")
    unknown = set(raw_options) - OPTION_KEYS - {"decoding"}
    if unknown:
        raise ApiError(400, f"Unknown option(s): {', '.join(sorted(unknown))}.",
                       hint=f"Known: decoding, {', '.join(sorted(OPTION_KEYS))}.")
    if not isinstance(raw_options.get("decoding", "greedy"), str):
        raise ApiError(400, "Option 'decoding' must be a string.")
    for key, value in raw_options.items():
        if key != "decoding":
            _check_option(key, value)
    return payload


def workspace_ready(store: Store, wait: float = BUSY_WAIT) -> None:
    """Raise WorkspaceBusy unless the workspace lock can be taken within ``wait`` s (taken
    and given back at once; the database itself is not opened)."""
    probe = Store(store.root, busy_timeout=wait)
    thread_lock, file_lock = getattr(probe, "_thread_lock", None), getattr(probe, "_file_lock", None)
    if thread_lock is None or file_lock is None:  # a Store without these: open it briefly
        with probe.connect(read_only=True):
            return
    if not thread_lock.acquire(timeout=wait):
        raise probe._busy()
    try:
        with file_lock():
            pass
    finally:
        thread_lock.release()


def save_prediction(store: Store, record: Any, result: Any, options: Any) -> tuple[str, str]:
    """(record id, generation id), found-or-added and written in one transaction."""
    with store.transaction():
        record_id = ensure_record(store, record)
        return record_id, save_generation(store, record_id, result, options=options)


def predict(payload: dict[str, Any], store: Store | None = None, busy_wait: float = BUSY_WAIT) -> dict[str, Any]:
    """The /predict work, independent of HTTP (raises ClinsumError on bad input)."""
    payload = check_payload(payload)
    raw_options = payload.get("options") or {}
    try:
        options = decoding_options(str(raw_options.get("decoding", "greedy")),
                                   **{k: v for k, v in raw_options.items() if k in OPTION_KEYS})
    except (TypeError, ValueError) as exc:
        raise ApiError(400, f"Bad option value: {exc}") from None
    record = record_from_text(payload["text"], language=payload.get("language"))
    if payload.get("save"):
        if store is None:
            raise ApiError(400, "'save' needs a workspace: start the server with --workspace.")
        workspace_ready(store, busy_wait)  # busy → 503 now, not after the model has run
    backend = payload.get("backend") or "extractive"
    result = summarize(store, record, backend, payload.get("model") or "",
                       payload.get("strategy") or "template", options,
                       language=payload.get("language"), params=payload.get("params") or {})
    out = {
        "summary": result.text, "raw": result.raw, "backend": result.backend, "model": result.model,
        "strategy": result.strategy, "prompt_version": result.prompt_version,
        "language": result.language, "extractive": result.extractive, "timings": result.timings,
        "prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
        "notes": result.notes, "retrieval": result.retrieval,
    }
    if payload.get("save"):
        out["record_id"], out["generation_id"] = save_prediction(store, record, result, options)
    return out


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ConcurrentHTTPServer(ThreadingHTTPServer):
    """A thread per request and a listen backlog sized for bursts of parallel calls.

    The standard library's backlog of 5 makes the kernel drop the 7th simultaneous connect,
    which the client retries one second later: parallel strategies would wait for nothing.
    ``max_connections`` bounds the threads: one more connection gets 503 and is closed.
    """

    daemon_threads = True
    request_queue_size = 128
    max_connections: int | None = None

    def server_bind(self) -> None:
        super().server_bind()
        self._slots = threading.BoundedSemaphore(self.max_connections) if self.max_connections else None

    def process_request(self, request: Any, client_address: Any) -> None:
        slots = getattr(self, "_slots", None)
        if slots is not None and not slots.acquire(blocking=False):
            _refuse(request, 503, "Too many connections at once; try again in a moment.")
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            if getattr(self, "_slots", None) is not None:
                self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, TimeoutError)):
            return  # the client went away or stalled: nothing to report
        super().handle_error(request, client_address)


def _refuse(request: socket.socket, status: int, message: str) -> None:
    body = json.dumps({"error": {"status": status, "message": message, "hint": None}}).encode()
    head = (f"HTTP/1.1 {status} Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n")
    try:
        request.settimeout(1.0)
        request.sendall(head.encode("ascii") + body)
    except OSError:
        pass


def make_server(store: Store | None = None, host: str = "127.0.0.1", port: int = 8765,
                max_bytes: int = DEFAULT_MAX_BYTES, token: str | None = None,
                idle_timeout: float = IDLE_TIMEOUT, request_timeout: float = REQUEST_TIMEOUT,
                max_connections: int = MAX_CONNECTIONS, busy_wait: float = BUSY_WAIT) -> ConcurrentHTTPServer:
    """A ready (not yet serving) server; ``port=0`` picks a free one. An address other than
    loopback needs ``token`` (default ``$CLINSUM_SERVE_TOKEN``)."""
    token = token if token is not None else os.environ.get(TOKEN_ENV) or None
    if not is_loopback(host) and not token:
        raise ConfigError(
            f"Serving on {host} lets anyone who reaches this machine write to the workspace: "
            "a token is required beyond 127.0.0.1.",
            hint=f"Start with --token SECRET (or set ${TOKEN_ENV}); clients send "
                 "'Authorization: Bearer SECRET'.",
        )
    if not is_loopback(host):
        log.warning("clinsum serve is reachable beyond this machine on %s; every request needs the token",
                    host)
    handler = type("Handler", (_Handler,), {
        "store": store, "max_bytes": max_bytes, "token": token, "idle_timeout": idle_timeout,
        "request_timeout": request_timeout, "busy_wait": busy_wait,
    })
    server_class = type("Server", (ConcurrentHTTPServer,), {"max_connections": max_connections})
    return server_class((host, port), handler)


class _DeadlineReader:
    """The request stream with timeouts: ``idle`` s for a request to start, then the whole
    request (line, headers, body) within ``request_timeout`` s, however slowly it trickles."""

    def __init__(self, raw: Any, handler: _Handler) -> None:
        self.raw, self.handler = raw, handler
        self.deadline: float | None = None

    def _arm(self) -> None:
        sock = self.handler.connection
        if self.deadline is None:
            sock.settimeout(self.handler.idle_timeout)
            return
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        sock.settimeout(left)

    def readline(self, limit: int = -1) -> bytes:
        """A line, each wait on the socket bounded by what is left of the deadline."""
        out = bytearray()
        while limit < 0 or len(out) < limit:
            self._arm()
            ahead = self.raw.peek(1)  # at most one recv; what is buffered otherwise
            if not ahead:
                break
            newline = ahead.find(b"\n")
            take = len(ahead) if newline < 0 else newline + 1
            if limit >= 0:
                take = min(take, limit - len(out))
            out += self.raw.read(take)  # already buffered: no wait
            if newline >= 0 and out.endswith(b"\n"):
                break
        if self.deadline is None and out:
            self.deadline = time.monotonic() + self.handler.request_timeout
        return bytes(out)

    def read(self, n: int = -1) -> bytes:
        """``n`` bytes (fewer at end of stream), each wait bounded by the deadline."""
        out = bytearray()
        while n < 0 or len(out) < n:
            self._arm()
            chunk = self.raw.read1(65536 if n < 0 else min(65536, n - len(out)))
            if not chunk:
                break
            out += chunk
        return bytes(out)

    def done(self) -> None:
        """The request is read: the next one waits ``idle`` s again."""
        self.deadline = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


class _Handler(BaseHTTPRequestHandler):
    store: Store | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    token: str | None = None
    idle_timeout: float = IDLE_TIMEOUT
    request_timeout: float = REQUEST_TIMEOUT
    busy_wait: float = BUSY_WAIT
    server_version = f"clinsum/{__version__}"
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.rfile = _DeadlineReader(self.rfile, self)  # type: ignore[assignment]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server API
        log.info("%s - %s", self.address_string(), format % args)

    def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self.rfile.done()
        self.connection.settimeout(self.request_timeout)  # a reader that never reads is dropped
        data = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, hint: str | None = None,
               headers: dict[str, str] | None = None) -> None:
        self._send(status, {"error": {"status": status, "message": message, "hint": hint}}, headers)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's own refusals (bad request line, unknown method…) as JSON."""
        self.close_connection = True
        if code == 501:  # a method other than GET/POST: the client's mistake, not ours
            self._error(405, f"Method {self.command} is not allowed.", "Use GET /health or POST /predict.",
                        headers={"Allow": "GET, POST"})
            return
        short, _long = self.responses.get(code, ("Error", ""))
        self._error(code, message or short, explain)

    def _authorized(self) -> bool:
        """True when no token is set or the request carries it; else answers 401."""
        if not self.token:
            return True
        given = self.headers.get("Authorization") or ""
        scheme, _, value = given.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), self.token.encode()):
            return True
        self.close_connection = True  # a body, if any, is not read
        self._error(401, "This server needs a token.", hint="Send 'Authorization: Bearer TOKEN'.",
                    headers={"WWW-Authenticate": 'Bearer realm="clinsum"'})
        return False

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        if not self._authorized():
            return
        url = urlsplit(self.path)
        if url.path != "/health":
            self._error(404, f"No endpoint {url.path}.", hint="Use GET /health or POST /predict.")
            return
        body: dict[str, Any] = {"status": "ok", "version": __version__,
                                "workspace": str(self.store.root) if self.store else None}
        if parse_qs(url.query).get("backends"):
            from clinsum.backends import backend_status

            body["backends"] = [{"name": s.name, "available": s.available, "detail": s.detail}
                                for s in backend_status()]
        self._send(200, body)

    def _body(self) -> bytes | None:
        """The request body, or None once an error has been answered."""
        try:
            length = int(self.headers.get("Content-Length") or -1)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._error(411, "The request needs a Content-Length header.")
            return None
        if length > self.max_bytes:
            self.close_connection = True  # the body is not read
            self._error(413, f"The request is {length:,} bytes; the limit is {self.max_bytes:,}.",
                        hint="Send a shorter record or start the server with a larger --max-bytes.")
            return None
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            self.close_connection = True
            self._error(408, f"The request did not arrive within {self.request_timeout:g} s.")
            return None
        if len(body) < length:
            self.close_connection = True
            self._error(400, "The body is shorter than its Content-Length.")
            return None
        self.rfile.done()
        return body

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        if not self._authorized():
            return
        if urlsplit(self.path).path != "/predict":
            self.close_connection = True
            self._error(404, f"No endpoint {self.path}.", hint="Use POST /predict.")
            return
        body = self._body()
        if body is None:
            return
        try:
            self._send(200, predict(parse_body(body), self.store, self.busy_wait))
        except ApiError as exc:
            self._error(exc.status, exc.message, exc.hint)
        except (BackendUnavailable, WorkspaceBusy) as exc:
            self._error(503, exc.message, exc.hint, headers={"Retry-After": "2"})
        except ClinsumError as exc:
            self._error(400, exc.message, exc.hint)
        except Exception:  # noqa: BLE001 - logged with a reference, never sent to the client
            ref = uuid.uuid4().hex[:8]
            log.error("predict failed (ref %s)\n%s", ref, traceback.format_exc())
            self._error(500, f"Unexpected failure (reference {ref}); see the server log.")
