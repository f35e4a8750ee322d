"""``clinsum serve``: a small HTTP API for other hospital systems.

- ``GET /health`` → ``{"status": "ok", "version": …}`` (``?backends=1`` adds what is available)
- ``POST /predict`` with JSON ``{"text": "…", "backend": "extractive", "model": "",
  "strategy": "template", "language": "es", "options": {"decoding": "greedy",
  "temperature": 0.2, "max_new_tokens": 512, "seed": 1, …}, "params": {…}}`` → the summary,
  its timings per stage, token counts and the prompt version.

Bound to 127.0.0.1 unless told otherwise. Bodies over ``max_bytes`` get 413 before they are
read; bad input 400; an unavailable backend 503 (with the hint); an unexpected failure 500
with a reference, never a traceback. Nothing is saved unless ``"save": true`` and a workspace
is configured.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from clinsum import __version__
from clinsum.errors import BackendUnavailable, ClinsumError
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
OPTION_KEYS = {"temperature", "top_k", "top_p", "num_beams", "repetition_penalty",
               "max_new_tokens", "seed", "timeout"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.hint = status, message, hint


def predict(payload: dict[str, Any], store: Store | None = None) -> dict[str, Any]:
    """The /predict work, independent of HTTP (raises ClinsumError on bad input)."""
    if not isinstance(payload, dict):
        raise ApiError(400, "The body must be a JSON object.")
    text = payload.get("text")
    if not isinstance(text, str):
        raise ApiError(400, "Missing 'text': the clinical record to summarize, as a string.")
    raw_options = payload.get("options") or {}
    if not isinstance(raw_options, dict):
        raise ApiError(400, "'options' must be an object.")
    unknown = set(raw_options) - OPTION_KEYS - {"decoding"}
    if unknown:
        raise ApiError(400, f"Unknown option(s): {', '.join(sorted(unknown))}.",
                       hint=f"Known: decoding, {', '.join(sorted(OPTION_KEYS))}.")
    try:
        options = decoding_options(str(raw_options.get("decoding", "greedy")),
                                   **{k: v for k, v in raw_options.items() if k in OPTION_KEYS})
    except (TypeError, ValueError) as exc:
        raise ApiError(400, f"Bad option value: {exc}") from None
    record = record_from_text(text, language=payload.get("language"))
    backend = str(payload.get("backend") or "extractive")
    result = summarize(store, record, backend, str(payload.get("model") or ""),
                       str(payload.get("strategy") or "template"), options,
                       language=payload.get("language"), params=payload.get("params") or {})
    out = {
        "summary": result.text, "raw": result.raw, "backend": result.backend, "model": result.model,
        "strategy": result.strategy, "prompt_version": result.prompt_version,
        "language": result.language, "extractive": result.extractive, "timings": result.timings,
        "prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
        "notes": result.notes, "retrieval": result.retrieval,
    }
    if payload.get("save"):
        if store is None:
            raise ApiError(400, "'save' needs a workspace: start the server with --workspace.")
        record_id = ensure_record(store, record)
        out["generation_id"] = save_generation(store, record_id, result, options=options)
        out["record_id"] = record_id
    return out


class ConcurrentHTTPServer(ThreadingHTTPServer):
    """A thread per request and a listen backlog sized for bursts of parallel calls.

    The standard library's backlog of 5 makes the kernel drop the 7th simultaneous connect,
    which the client retries one second later: parallel strategies would wait for nothing.
    """

    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return  # the client went away (closed a stream early): nothing to report
        super().handle_error(request, client_address)


def make_server(store: Store | None = None, host: str = "127.0.0.1", port: int = 8765,
                max_bytes: int = DEFAULT_MAX_BYTES) -> ConcurrentHTTPServer:
    """A ready (not yet serving) server; ``port=0`` picks a free one."""
    handler = type("Handler", (_Handler,), {"store": store, "max_bytes": max_bytes})
    return ConcurrentHTTPServer((host, port), handler)


class _Handler(BaseHTTPRequestHandler):
    store: Store | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    server_version = f"clinsum/{__version__}"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server API
        log.info("%s - %s", self.address_string(), format % args)

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, hint: str | None = None, **extra: Any) -> None:
        self._send(status, {"error": {"status": status, "message": message, "hint": hint, **extra}})

    def do_GET(self) -> None:  # noqa: N802 - http.server API
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

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        if urlsplit(self.path).path != "/predict":
            self._error(404, f"No endpoint {self.path}.", hint="Use POST /predict.")
            return
        try:
            length = int(self.headers.get("Content-Length") or -1)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._error(411, "The request needs a Content-Length header.")
            return
        if length > self.max_bytes:
            self.close_connection = True  # the body is not read
            self._error(413, f"The request is {length:,} bytes; the limit is {self.max_bytes:,}.",
                        hint="Send a shorter record or start the server with a larger --max-bytes.")
            return
        try:
            payload = json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            self._error(400, "The body is not valid JSON.")
            return
        try:
            self._send(200, predict(payload, self.store))
        except ApiError as exc:
            self._error(exc.status, exc.message, exc.hint)
        except BackendUnavailable as exc:
            self._error(503, exc.message, exc.hint)
        except ClinsumError as exc:
            self._error(400, exc.message, exc.hint)
        except Exception:  # noqa: BLE001 - logged with a reference, never sent to the client
            ref = uuid.uuid4().hex[:8]
            log.error("predict failed (ref %s)\n%s", ref, traceback.format_exc())
            self._error(500, f"Unexpected failure (reference {ref}); see the server log.")
