"""A loopback server speaking the OpenAI Files and Batches wire protocols.

Endpoints: ``POST /v1/files`` (multipart: ``purpose``, ``file``), ``GET /v1/files/{id}``,
``GET /v1/files/{id}/content``, ``POST /v1/batches``, ``GET /v1/batches``,
``GET /v1/batches/{id}``, ``POST /v1/batches/{id}/cancel``. A batch advances one state per
poll (``validating`` → ``in_progress`` → ``finalizing`` → ``completed``; ``polls_per_step``
changes the pace); on completion each JSONL request is answered by ``responder(messages,
model)`` into the output file, except those for which ``fail(custom_id, body)`` returns an
error message: they go to the error file with status 500, as the real service does. Input
lines that are not valid requests fail the whole batch (``status: failed``, ``errors``).
``uploads`` keeps every uploaded file's bytes, so tests can check exactly what left.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from clinsum.serve import ConcurrentHTTPServer

Responder = Callable[[list[dict[str, Any]], str], str]
Failer = Callable[[str, dict[str, Any]], str | None]
STATES = ("validating", "in_progress", "finalizing", "completed")


def echo_responder(messages: list[dict[str, Any]], model: str) -> str:
    """``Resumen: `` + the first 12 words of the last user message (placeholders kept)."""
    last = next((m.get("content") or "" for m in reversed(messages) if m.get("role") == "user"), "")
    return "Resumen: " + " ".join(last.split()[:12])


@dataclass
class BatchServer:
    api_key: str | None = None
    responder: Responder = echo_responder
    fail: Failer = lambda custom_id, body: None  # noqa: E731
    polls_per_step: int = 1
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: list[bytes] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._polls: dict[str, int] = {}
        self._httpd: ConcurrentHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> BatchServer:
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = ConcurrentHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> BatchServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    # -- state -------------------------------------------------------------------------------
    def add_file(self, data: bytes, filename: str, purpose: str) -> dict[str, Any]:
        file_id = f"file-{uuid.uuid4().hex[:24]}"
        obj = {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
               "filename": filename, "purpose": purpose, "status": "processed"}
        self.files[file_id] = obj
        self.contents[file_id] = data
        return obj

    def create_batch(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        file_id = body.get("input_file_id")
        if file_id not in self.files:
            return 400, _error(f"No file with id {file_id}.", "invalid_request_error")
        if body.get("endpoint") not in ("/v1/chat/completions", "/v1/embeddings", "/v1/responses"):
            return 400, _error("Invalid endpoint.", "invalid_request_error")
        now = int(time.time())
        batch = {
            "id": f"batch_{uuid.uuid4().hex[:24]}", "object": "batch", "endpoint": body["endpoint"],
            "errors": None, "input_file_id": file_id, "completion_window": body.get("completion_window", "24h"),
            "status": "validating", "output_file_id": None, "error_file_id": None, "created_at": now,
            "in_progress_at": None, "expires_at": now + 86400, "finalizing_at": None, "completed_at": None,
            "failed_at": None, "expired_at": None, "cancelling_at": None, "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata") or {},
        }
        self.batches[batch["id"]] = batch
        self._polls[batch["id"]] = 0
        return 200, batch

    def poll(self, batch_id: str) -> dict[str, Any]:
        """The batch, advanced one state every ``polls_per_step`` polls."""
        batch = self.batches[batch_id]
        if batch["status"] in ("completed", "failed", "cancelled", "expired"):
            return batch
        if batch["status"] == "cancelling":
            batch.update(status="cancelled", cancelled_at=int(time.time()))
            return batch
        self._polls[batch_id] += 1
        if self._polls[batch_id] % self.polls_per_step:
            return batch
        nxt = STATES[STATES.index(batch["status"]) + 1]
        if nxt == "in_progress":
            problems, lines = self._validate(batch)
            if problems:
                batch.update(status="failed", failed_at=int(time.time()),
                             errors={"object": "list", "data": problems})
                return batch
            batch["request_counts"]["total"] = len(lines)
            batch.update(status=nxt, in_progress_at=int(time.time()))
        elif nxt == "finalizing":
            batch.update(status=nxt, finalizing_at=int(time.time()))
        else:
            self._complete(batch)
        return batch

    def _validate(self, batch: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        problems, lines, seen = [], [], set()
        for n, raw in enumerate(self.contents[batch["input_file_id"]].decode("utf-8").splitlines(), 1):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                problems.append({"code": "invalid_json_line", "line": n, "message": "Invalid JSON."})
                continue
            cid = line.get("custom_id")
            if not cid or cid in seen:
                problems.append({"code": "duplicate_custom_id" if cid else "missing_custom_id", "line": n,
                                 "message": "custom_id must be present and unique."})
            elif line.get("method") != "POST" or line.get("url") != batch["endpoint"]:
                problems.append({"code": "invalid_url", "line": n, "message": "Wrong method or url."})
            elif not isinstance(line.get("body"), dict) or not line["body"].get("model"):
                problems.append({"code": "missing_required_parameter", "line": n, "message": "body.model missing."})
            seen.add(cid)
            lines.append(line)
        return problems, lines

    def _complete(self, batch: dict[str, Any]) -> None:
        out, err = [], []
        for raw in self.contents[batch["input_file_id"]].decode("utf-8").splitlines():
            if not raw.strip():
                continue
            line = json.loads(raw)
            body = line["body"]
            req_id = f"req_{uuid.uuid4().hex[:16]}"
            problem = self.fail(line["custom_id"], body)
            if problem:
                err.append({"id": f"batch_req_{uuid.uuid4().hex[:16]}", "custom_id": line["custom_id"],
                            "response": {"status_code": 500, "request_id": req_id,
                                         "body": _error(problem, "server_error")},
                            "error": None})
                continue
            text = self.responder(body.get("messages") or [], body["model"])
            prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages") or [])
            out.append({"id": f"batch_req_{uuid.uuid4().hex[:16]}", "custom_id": line["custom_id"],
                        "response": {"status_code": 200, "request_id": req_id, "body": {
                            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion",
                            "created": int(time.time()), "model": body["model"],
                            "choices": [{"index": 0, "finish_reason": "stop",
                                         "message": {"role": "assistant", "content": text}}],
                            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(text.split()),
                                      "total_tokens": prompt_tokens + len(text.split())}}},
                        "error": None})
        now = int(time.time())
        if out:
            batch["output_file_id"] = self.add_file(_jsonl(out), f"{batch['id']}_output.jsonl", "batch_output")["id"]
        if err:
            batch["error_file_id"] = self.add_file(_jsonl(err), f"{batch['id']}_error.jsonl", "batch_output")["id"]
        batch["request_counts"].update(completed=len(out), failed=len(err))
        batch.update(status="completed", completed_at=now)


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


class _Handler(BaseHTTPRequestHandler):
    server_state: BatchServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence the log
        pass

    def _send(self, status: int, payload: Any, raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream" if raw is not None else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorized(self) -> bool:
        key = self.server_state.api_key
        if key and self.headers.get("Authorization") != f"Bearer {key}":
            self._send(401, _error("Incorrect API key provided.", "invalid_request_error"))
            return False
        return True

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        state = self.server_state
        body = self._body()
        del body
        state.requests.append(("GET", self.path))
        if not self._authorized():
            return
        parts = self.path.split("?")[0].strip("/").split("/")
        with state._lock:
            if parts[:2] == ["v1", "files"] and len(parts) == 4 and parts[3] == "content":
                if parts[2] not in state.contents:
                    return self._send(404, _error("No such file.", "invalid_request_error"))
                return self._send(200, None, state.contents[parts[2]])
            if parts[:2] == ["v1", "files"] and len(parts) == 3 and parts[2] in state.files:
                return self._send(200, state.files[parts[2]])
            if parts == ["v1", "batches"]:
                data = sorted(state.batches.values(), key=lambda b: b["created_at"], reverse=True)
                return self._send(200, {"object": "list", "data": data, "has_more": False,
                                        "first_id": data[0]["id"] if data else None,
                                        "last_id": data[-1]["id"] if data else None})
            if parts[:2] == ["v1", "batches"] and len(parts) == 3 and parts[2] in state.batches:
                return self._send(200, state.poll(parts[2]))
        self._send(404, _error(f"Unknown path {self.path}.", "invalid_request_error"))

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        state = self.server_state
        raw = self._body()
        state.requests.append(("POST", self.path))
        if not self._authorized():
            return
        parts = self.path.split("?")[0].strip("/").split("/")
        with state._lock:
            if parts == ["v1", "files"]:
                fields = _multipart(self.headers.get("Content-Type", ""), raw)
                if "file" not in fields or fields.get("purpose", (None, b""))[1] != b"batch":
                    return self._send(400, _error("Need 'file' and purpose=batch.", "invalid_request_error"))
                filename, data = fields["file"]
                state.uploads.append(data)
                return self._send(200, state.add_file(data, filename or "upload.jsonl", "batch"))
            if parts == ["v1", "batches"]:
                status, payload = state.create_batch(json.loads(raw or b"{}"))
                return self._send(status, payload)
            if parts[:2] == ["v1", "batches"] and len(parts) == 4 and parts[3] == "cancel":
                batch = state.batches.get(parts[2])
                if batch is None:
                    return self._send(404, _error("No such batch.", "invalid_request_error"))
                if batch["status"] not in ("completed", "failed", "cancelled", "expired"):
                    batch.update(status="cancelling", cancelling_at=int(time.time()))
                return self._send(200, batch)
        self._send(404, _error(f"Unknown path {self.path}.", "invalid_request_error"))


def _multipart(content_type: str, raw: bytes) -> dict[str, tuple[str | None, bytes]]:
    """name -> (filename, bytes) of a multipart/form-data body."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    out = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        out[name] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return out
