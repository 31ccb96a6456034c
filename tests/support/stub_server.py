"""The one local HTTP server tests put where the code under test calls out: canned or
computed replies, every request recorded.

It stands in for productpage's back-ends, for ratings behind reviews, for the Google
Books API behind details v2, for the endpoints behind a real Envoy and for an OTLP
receiver. A reply can be delayed (a slow back-end) or held until the server closes
(a back-end that never answers); every request is recorded with its method, path
(query included), header bytes as sent, body and client port.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Longest a held reply waits if the test forgets to close the server.
HOLD_LIMIT_SECONDS = 60.0


@dataclass(frozen=True)
class Reply:
    """What the server answers.

    ``delay``: seconds to wait first; None holds the reply until the server closes, and
    then sends nothing. ``hang_up``: close the connection after this reply without
    saying so, as a server does when a kept-alive connection's idle timeout ends.
    """

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float | None = 0.0
    hang_up: bool = False


@dataclass(frozen=True)
class Request:
    """One request as the server received it."""

    method: str
    path: str  # with the query string
    raw_headers: tuple[tuple[str, bytes], ...]  # names and value bytes as sent, in order
    body: bytes
    client_port: int

    @property
    def headers(self) -> dict[str, str]:
        """Lower-case names; repeated headers joined with ", "; values decoded as Latin-1."""
        joined: dict[str, str] = {}
        for name, value in self.raw_headers:
            key, text = name.lower(), value.decode("latin-1")
            joined[key] = f"{joined[key]}, {text}" if key in joined else text
        return joined

    def header(self, name: str) -> bytes | None:
        """The bytes of the first header called ``name`` (any case), or None."""
        return next((v for k, v in self.raw_headers if k.lower() == name.lower()), None)

    @property
    def names(self) -> set[str]:
        return {k.lower() for k, _ in self.raw_headers}


Answer = Reply | Callable[[Request], Reply]


class _Server(ThreadingHTTPServer):
    # Tests open dozens of connections at once; socketserver's backlog of 5 would make
    # the kernel drop SYNs and the client retry a second later.
    request_queue_size = 128
    daemon_threads = True


class StubServer:
    """Answers each request with the replies set for its path (:meth:`reply`), else with
    ``answer``: one :class:`Reply`, or a function of the :class:`Request` (settable)."""

    def __init__(self, answer: Answer = Reply(404)):
        self.answer = answer
        self._lock = threading.Lock()
        self._replies: dict[str, list[Reply]] = {}
        self._requests: list[Request] = []
        self._closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # A short poll keeps close() quick: modules close several servers.
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def reply(self, path: str, *replies: Reply) -> None:
        """Answer ``path`` (query included, exactly) with these replies in turn; the last
        one repeats."""
        with self._lock:
            self._replies[path] = list(replies)

    def requests(self, prefix: str = "/") -> list[Request]:
        """The requests received so far whose path starts with ``prefix``, in order."""
        with self._lock:
            return [r for r in self._requests if r.path.startswith(prefix)]

    def clear(self) -> None:
        """Forget the requests received and the replies set per path."""
        with self._lock:
            self._requests.clear()
            self._replies.clear()

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def _reply_to(self, request: Request) -> Reply:
        with self._lock:
            self._requests.append(request)
            queue = self._replies.get(request.path)
            if queue:
                return queue.pop(0) if len(queue) > 1 else queue[0]
        return self.answer(request) if callable(self.answer) else self.answer

    def _handler_class(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 65536  # head and body leave in one write (no Nagle/delayed-ACK stall)
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                # http.server decodes header bytes as Latin-1: encoding back gives the raw bytes.
                raw = tuple((k, v.encode("latin-1")) for k, v in self.headers.items())
                reply = stub._reply_to(Request(self.command, self.path, raw, self._body(),
                                               self.client_address[1]))
                # A slow or silent back-end (what the test is about), not synchronisation.
                stub._closing.wait(HOLD_LIMIT_SECONDS if reply.delay is None else reply.delay)
                if stub._closing.is_set() and reply.delay is None:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)
                if reply.hang_up:
                    self.close_connection = True

            do_POST = do_GET

            def _body(self) -> bytes:
                """The request body, sent with a length or in chunks (as Envoy's OTLP exporter sends)."""
                if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                    return self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = b""
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    body += self.rfile.read(size)
                    self.rfile.readline()
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return body

            def log_message(self, *args) -> None:
                pass

        return Handler
