"""A real HTTP server standing in for details, reviews and ratings at once.

productpage is pointed at it with DETAILS_/REVIEWS_/RATINGS_HOSTNAME=127.0.0.1 and the
stub's port; the request path tells the three apart. Every request is recorded with
its raw header bytes, and each path answers from a programmable sequence of replies.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DETAILS_0 = (b'{"id":0,"author":"William Shakespeare","year":1595,"type":"paperback","pages":200,'
             b'"publisher":"PublisherA","language":"English","ISBN-10":"1234567890",'
             b'"ISBN-13":"123-1234567890"}')
RATINGS_0 = b'{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}'
TEXT1 = "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"
TEXT2 = ("Absolutely fun and entertaining. The play lacks thematic depth when compared to other "
         "plays by Shakespeare.")


def reviews_body(pod: str = "reviews-v1-abc", cluster: str = "null", rating1: str = "",
                 rating2: str = "") -> bytes:
    """A reviews answer spelled exactly as upstream's string concatenation spells it."""
    return ('{"id": "0","podname": "%s","clustername": "%s","reviews": [{  "reviewer": "Reviewer1",'
            '  "text": "%s"%s},{  "reviewer": "Reviewer2",  "text": "%s"%s}]}'
            % (pod, cluster, TEXT1, rating1, TEXT2, rating2)).encode()


def stars(n: int, color: str) -> str:
    return ', "rating": {"stars": %d, "color": "%s"}' % (n, color)


RATING_ERROR = ', "rating": {"error": "Ratings service is currently unavailable"}'
REVIEWS_V1 = reviews_body()
REVIEWS_V2 = reviews_body("reviews-v2-abc", rating1=stars(5, "black"), rating2=stars(4, "black"))
REVIEWS_V3 = reviews_body("reviews-v3-abc", rating1=stars(5, "red"), rating2=stars(4, "red"))
REVIEWS_RATINGS_DOWN = reviews_body("reviews-v3-abc", rating1=RATING_ERROR, rating2=RATING_ERROR)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0


@dataclass(frozen=True)
class Recorded:
    """One request the stub received: its raw path and its headers as sent."""

    path: str
    headers: list[tuple[str, bytes]] = field(default_factory=list)

    def header(self, name: str) -> bytes | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[0] if values else None

    @property
    def names(self) -> set[str]:
        return {k.lower() for k, _ in self.headers}


class _Server(ThreadingHTTPServer):
    # Tests open dozens of back-end connections at once; socketserver's backlog of 5
    # would make the kernel drop SYNs and the client retry a second later.
    request_queue_size = 128


class StubBackend:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replies: dict[str, list[Reply]] = {}
        self._recorded: list[Recorded] = []
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.reset()

    @property
    def env(self) -> dict[str, str]:
        """The environment that points productpage at this stub."""
        env = {}
        for service in ("DETAILS", "REVIEWS", "RATINGS"):
            env[f"{service}_HOSTNAME"] = "127.0.0.1"
            env[f"{service}_SERVICE_PORT"] = str(self.port)
        return env

    def reset(self) -> None:
        """Healthy details v1, reviews v1 and ratings v1 for product 0; nothing recorded."""
        with self._lock:
            self._recorded.clear()
            self._replies = {"/details/0": [Reply(body=DETAILS_0)],
                             "/reviews/0": [Reply(body=REVIEWS_V1)],
                             "/ratings/0": [Reply(body=RATINGS_0)]}

    def reply(self, path: str, *replies: Reply) -> None:
        """Answer ``path`` with these replies in turn; the last one repeats."""
        with self._lock:
            self._replies[path] = list(replies)

    def requests(self, prefix: str = "/") -> list[Recorded]:
        with self._lock:
            return [r for r in self._recorded if r.path.startswith(prefix)]

    def close(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _next_reply(self, path: str) -> Reply:
        with self._lock:
            queue = self._replies.get(path)
            if not queue:
                return Reply(404)
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _handler_class(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                # http.server decodes header bytes as Latin-1: encoding back gives the raw bytes.
                headers = [(k, v.encode("latin-1")) for k, v in self.headers.items()]
                with stub._lock:
                    stub._recorded.append(Recorded(self.path, headers))
                reply = stub._next_reply(self.path)
                if reply.delay:
                    stub._stopping.wait(reply.delay)  # a slow back-end, not test synchronisation
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args) -> None:
                pass

        return Handler
