"""HTTP GETs to other Bookinfo services, sent as upstream's ``requests.get`` sends them.

Upstream productpage calls ``requests.get`` for every back-end call, which builds a
Session and, because it trusts the environment, scans every variable for proxy
settings and looks for a ``.netrc`` file each time: about half of productpage's CPU
per page (py-spy under ``make bench``). This client sends the same request (requests'
default headers, its redirect following, its timeouts, never an environment proxy:
mesh calls go to in-mesh names and the sidecar is the proxy) with the standard
library's ``http.client``, the layer under urllib3 and requests.
Client CPU per call against a local Envoy (``benchmarks/client_bench.py``):
``requests.get`` 2.4 ms, a kept ``requests.Session`` 1.2 ms; urllib3 alone (this
client's first version) 0.87 ms with a new connection and 0.59 ms with a kept one; this
client 0.58 and 0.31 ms. productpage makes two calls per page.

Connections are not kept by default: each call opens a new one and closes it, as
upstream does (docs/compatibility.md: under ztunnel, kube-proxy or docker-compose,
balancing is per connection). With ``BOOKINFO_REUSE_CONNECTIONS=true`` connections are
kept alive and reused; ``bookinfo up`` sets it, since there every call goes to the
pod's own Envoy listener, which balances each request.
"""
from __future__ import annotations

import gzip
import http.client
import socket
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from requests.utils import default_headers
from urllib3.util import wait_for_read

from .settings import ConfigError

REUSE_CONNECTIONS_VARIABLE = "BOOKINFO_REUSE_CONNECTIONS"

# What requests.get sends unless the caller names the header
# (docs/upstream-behaviour.md#productpage-back-end-calls-timeouts-and-retry):
# User-Agent python-requests/<version>, Accept-Encoding, Accept */*, Connection keep-alive.
# Accept-Encoding is upstream's exact value (requests adds br or zstd when their
# decoders happen to be installed; this client decodes gzip and deflate).
DEFAULT_HEADERS = {**default_headers(), "Accept-Encoding": "gzip, deflate"}
# requests follows up to 30 redirects, for these statuses, and retries nothing else.
MAX_REDIRECTS = 30
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Dropped when a redirect leads to another host (as urllib3 and requests do).
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
# Idle connections kept per host: one per request in flight is the most ever used.
POOL_SIZE = 32
# What a kept connection that the server closed meanwhile fails with before any answer.
STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def reuse_connections(environ: Mapping[str, str]) -> bool:
    """``BOOKINFO_REUSE_CONNECTIONS``: ``true`` or ``false`` (the default when unset)."""
    raw = environ.get(REUSE_CONNECTIONS_VARIABLE, "").strip().lower()
    if raw in ("", "false"):
        return False
    if raw == "true":
        return True
    raise ConfigError(f"{REUSE_CONNECTIONS_VARIABLE} must be true or false, got {raw!r}")


class CallFailed(Exception):
    """No answer: refused, reset, timed out, too many redirects, a bad header value, or a
    body that its Content-Encoding does not decode."""


@dataclass(frozen=True)
class Answer:
    """The final response of a call: status and body (decoded from gzip/deflate)."""

    status: int
    body: bytes


@dataclass(frozen=True)
class _Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class MeshHttp:
    """GET with requests' semantics; connections kept only when ``reuse_connections``.

    Safe to share between threads and greenlets (the idle pool is behind a lock).
    """

    def __init__(self, reuse_connections: bool = False):
        self.reuse_connections = reuse_connections
        self._idle: dict[tuple[str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def get(self, url: str, headers: Mapping[str, str | bytes],
            timeout: float | tuple[float, float]) -> Answer:
        """The final answer after redirects; CallFailed when there is none."""
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        # Case-insensitive merge, the caller's spelling and value winning (requests does so).
        sent = {name.lower(): (name, value) for name, value in DEFAULT_HEADERS.items()}
        sent.update({name.lower(): (name, value) for name, value in headers.items()})
        try:
            for _ in range(MAX_REDIRECTS + 1):
                target = urlsplit(url)
                response = self._exchange(target.hostname or "", target.port or 80,
                                          _request_target(target.path, target.query),
                                          sent, connect, read, target.scheme)
                location = response.headers.get("location")
                if response.status not in REDIRECT_STATUSES or location is None:
                    return Answer(response.status,
                                  _decoded(response.body, response.headers.get("content-encoding")))
                next_url = urljoin(url, location)
                if urlsplit(next_url).netloc != target.netloc:
                    sent = {k: v for k, v in sent.items() if k not in CREDENTIAL_HEADERS}
                url = next_url
        except (OSError, http.client.HTTPException, ValueError, zlib.error, EOFError) as exc:
            # OSError covers refused, reset and timed out; ValueError a header value with a
            # line break or outside Latin-1, which http.client refuses before sending.
            raise CallFailed(f"GET {url}: {exc or type(exc).__name__}") from exc
        raise CallFailed(f"GET {url}: more than {MAX_REDIRECTS} redirects")

    def _exchange(self, host: str, port: int, target: str, sent: Mapping[str, tuple[str, str | bytes]],
                  connect: float, read: float, scheme: str) -> _Response:
        """One request and its whole response, on a kept connection or a new one."""
        if scheme != "http" or not host:
            raise CallFailed(f"only http:// URLs with a host are called, not {scheme}://{host}")
        kept = self._take_idle(host, port)
        if kept is not None:
            try:
                return self._send(kept, host, port, target, sent, read)
            except STALE_CONNECTION_ERRORS:
                pass  # closed by the server while idle: once more on a new connection
        connection = http.client.HTTPConnection(host, port, timeout=connect)
        connection.connect()
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._send(connection, host, port, target, sent, read)

    def _send(self, connection: http.client.HTTPConnection, host: str, port: int, target: str,
              sent: Mapping[str, tuple[str, str | bytes]], read: float) -> _Response:
        """Send on ``connection`` (whose socket timeout becomes the read timeout), read the
        whole response, then keep or close the connection."""
        try:
            connection.sock.settimeout(read)
            connection.putrequest("GET", target, skip_accept_encoding=True)
            for name, value in sent.values():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
        except BaseException:
            connection.close()
            raise
        if self.reuse_connections and not response.will_close:
            self._keep_idle(host, port, connection)
        else:
            connection.close()
        return _Response(response.status, response.headers, body)

    def _take_idle(self, host: str, port: int) -> http.client.HTTPConnection | None:
        """A kept connection to ``host:port`` that the server has not closed, if any."""
        if not self.reuse_connections:
            return None
        while True:
            with self._lock:
                idle = self._idle.get((host, port))
                connection = idle.pop() if idle else None
            if connection is None:
                return None
            # Readable while idle means closed by the server (or stray bytes): not usable.
            if connection.sock is not None and not wait_for_read(connection.sock, timeout=0.0):
                return connection
            connection.close()

    def _keep_idle(self, host: str, port: int, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault((host, port), [])
            if len(idle) < POOL_SIZE:
                idle.append(connection)
                return
        connection.close()


def _request_target(path: str, query: str) -> str:
    """The origin-form request target: the path (``/`` when empty) and the query."""
    return (path or "/") + (f"?{query}" if query else "")


def _decoded(body: bytes, content_encoding: str | None) -> bytes:
    """The body with its gzip/deflate codings undone, last applied first (as urllib3
    does); other codings are left as they are, as requests leaves them."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:  # raw deflate, without the zlib wrapper, as some servers send
                body = zlib.decompress(body, -zlib.MAX_WBITS)
        else:
            break
    return body
