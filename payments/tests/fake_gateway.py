"""A local HTTP server that plays a gateway's API for the SDKs, and records what they sent.

The SDKs run for real (their request building, auth, serialisation, error mapping); only the
far end is ours. Responses are queued per (method, path); the last one for a path repeats.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        """A form-encoded body (Stripe's bracket notation kept as flat keys)."""
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), None)


class FakeGateway:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._responses: dict[tuple[str, str], deque[tuple[int, bytes]]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def start(self) -> FakeGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def respond(self, method: str, path: str, body: Any, *, status: int = 200) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        with self._lock:
            self._responses[(method.upper(), path)].append((status, payload))

    def respond_with_file(self, method: str, path: str, fixture: Path, *, status: int = 200) -> None:
        self.respond(method, path, fixture.read_bytes(), status=status)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    def _next_response(self, method: str, path: str) -> tuple[int, bytes]:
        with self._lock:
            queue = self._responses.get((method, path))
            if not queue:
                return 404, json.dumps({"error": {"message": f"fake gateway: no route {method} {path}"}}).encode()
            return queue.popleft() if len(queue) > 1 else queue[0]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                gateway.requests.append(
                    RecordedRequest(
                        method=self.command,
                        path=parts.path,
                        query=parse_qs(parts.query),
                        headers=dict(self.headers.items()),
                        body=body,
                    )
                )
                status, payload = gateway._next_response(self.command, parts.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", "req_fake")
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
