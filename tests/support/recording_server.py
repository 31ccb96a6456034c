"""A real local HTTP server that stands in for a back-end: canned replies, recorded requests.

Used where a service calls out (reviews -> ratings, details v2 -> Google Books). Each
reply can be delayed, or held until the server closes (a back-end that never answers);
every request is recorded with its path (query included) and headers.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Longest a held reply waits if the test forgets to close the server.
HOLD_LIMIT_SECONDS = 60.0


@dataclass(frozen=True)
class Reply:
    """What the server answers: status, body, and an optional delay (None holds forever)."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float | None = 0.0


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "


class RecordingServer:
    """Answers every request with ``reply`` (settable) and records it."""

    def __init__(self, reply: Reply = Reply()):
        self.reply = reply
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                headers: dict[str, str] = {}
                for name, value in self.headers.items():
                    key = name.lower()
                    headers[key] = f"{headers[key]}, {value}" if key in headers else value
                with server._lock:
                    server._received.append(Received(self.command, self.path, headers))
                reply = server.reply
                # A slow or silent back-end (what the test is about), not synchronisation.
                server._closing.wait(HOLD_LIMIT_SECONDS if reply.delay is None else reply.delay)
                if server._closing.is_set() and reply.delay is None:
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args) -> None:
                pass

        return Handler
