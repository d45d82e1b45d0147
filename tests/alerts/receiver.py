"""A local HTTP receiver for webhook tests: records every request; can answer slowly, fail, redirect, or go down."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() on arrival

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """`status`: what to answer; `delay`: seconds to wait before answering; `redirect_to`: a 302 target."""

    status: int = 200
    delay: float = 0.0
    redirect_to: str | None = None
    fail_ids: set[str] = field(default_factory=set)  # events (Crm-Event-Id) answered with 500
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                      body, time.time()))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = 500 if self.headers.get("crm-event-id") in receiver.fail_ids else receiver.status
                self.send_response(302 if receiver.redirect_to else status)
                if receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up (a delivery timeout) closed the connection: expected here

        server = Server(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.json() for r in self.received]

    def ids(self) -> list[str]:
        with self._lock:
            return [r.headers.get("crm-event-id", "") for r in self.received]
