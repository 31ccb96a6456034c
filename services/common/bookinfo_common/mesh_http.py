"""HTTP GETs to other Bookinfo services, sent as upstream's ``requests.get`` sends them.

Upstream productpage calls ``requests.get`` for every back-end call. These calls use
requests too, with one difference: the Session does not trust the environment
(``trust_env = False``), so no proxy variable or ``.netrc`` file is read for each call:
mesh calls go to in-mesh names and the sidecar is the proxy. What goes on the wire is
requests' own: its default headers, its redirect handling (up to 30, credentials dropped
when the host changes), gzip/deflate decoding and separate connect and read timeouts.

Connections are not kept by default: each call opens a new one and closes it, as
upstream does (docs/compatibility.md: under ztunnel, kube-proxy or docker-compose,
balancing is per connection). That is ``requests.get``'s own way: a Session per call,
closed (with its connection) when the call returns. With
``BOOKINFO_REUSE_CONNECTIONS=true`` one Session per process keeps its connections in a
pool and reuses them; ``bookinfo up`` sets it, since there every call goes to the pod's
own Envoy listener, which balances each request.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy

import requests
from requests.adapters import HTTPAdapter
from requests.utils import check_header_validity

from .settings import REUSE_CONNECTIONS_VARIABLE, ConfigError

# What requests.get sends unless the caller names the header
# (docs/upstream-behaviour.md#productpage-back-end-calls-timeouts-and-retry):
# User-Agent python-requests/<version>, Accept-Encoding, Accept */*, Connection keep-alive.
# Accept-Encoding is upstream's exact value (requests adds br or zstd when their
# decoders happen to be installed).
ACCEPT_ENCODING = "gzip, deflate"
# Idle connections kept per back-end when reusing: one per call in flight is the most ever
# used; more calls at once than this (a gevent worker has no fixed limit) each open a
# connection of their own, closed afterwards.
POOL_SIZE = 32
# URLs whose prepared GET is kept: the few a service calls again and again (product 0's
# details and reviews, ratings per product); an id only the API asked for is prepared
# on each call, as before.
PREPARED_URLS = 64


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


def mesh_session(pool_size: int = 1) -> requests.Session:
    """A Session for in-mesh calls: plain HTTP only, no environment, no cookie memory.

    Cookies from answers are never stored: a Session shared by every request of a
    process must not carry one user's cookies into another user's calls (the callers
    forward each request's own ``Cookie`` header).
    """
    session = requests.Session()
    session.trust_env = False
    session.headers["Accept-Encoding"] = ACCEPT_ENCODING
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    # Mesh calls are plain HTTP (the sidecar or ztunnel adds mTLS), redirects included.
    del session.adapters["https://"]
    session.mount("http://", HTTPAdapter(pool_maxsize=pool_size))
    return session


class MeshHttp:
    """GET with requests; connections kept only when ``reuse_connections``.

    Safe to share between threads and greenlets: the kept Session is never changed after
    it is built (its connection pool has its own lock), and a call without reuse has a
    Session of its own.
    """

    def __init__(self, reuse_connections: bool = False):
        self.reuse_connections = reuse_connections
        self._kept = mesh_session(POOL_SIZE) if reuse_connections else None

    def get(self, url: str, headers: Mapping[str, str | bytes],
            timeout: float | tuple[float, float]) -> Answer:
        """The final answer after redirects; CallFailed when there is none.

        ``timeout`` is the connect and the read timeout, or a ``(connect, read)`` pair.
        """
        if not url.startswith("http://"):
            raise CallFailed(f"only http:// URLs are called, not {url}")
        try:
            if self._kept is not None:
                response = self._get_kept(url, headers, timeout)
            else:
                with mesh_session() as session:
                    response = send_get(session, url, headers, timeout)
        # ValueError: a header value outside Latin-1, which http.client refuses to send.
        except (requests.RequestException, ValueError) as exc:
            raise CallFailed(f"GET {url}: {exc or type(exc).__name__}") from exc
        return Answer(response.status_code, response.content)

    def _get_kept(self, url: str, headers: Mapping[str, str | bytes],
                  timeout: float | tuple[float, float]) -> requests.Response:
        """The call on a kept connection, tried once more when the connection failed
        before any answer: a server may close an idle connection just as it is reused
        (the pool skips those it already sees closed). Timeouts are never tried again."""
        try:
            return send_get(self._kept, url, headers, timeout)
        except requests.ConnectionError as exc:
            if isinstance(exc, requests.ConnectTimeout):
                raise
            return send_get(self._kept, url, headers, timeout)


def send_get(session: requests.Session, url: str, headers: Mapping[str, str | bytes],
             timeout: float | tuple[float, float]) -> requests.Response:
    """``session.get(url, headers=headers, timeout=timeout)`` for a :func:`mesh_session`,
    the same request on the wire, with requests' preparation of the URL and of the
    session's default headers done once per URL (:func:`prepared_get`): each call copies
    that prepared request and adds its own headers, checked as requests checks them.

    The keyword arguments are those ``Session.request`` passes to ``Session.send`` for a
    session that does not trust the environment.
    """
    prepared = prepared_get(url).copy()
    for header in headers.items():
        check_header_validity(header)
        prepared.headers[header[0]] = header[1]
    return session.send(prepared, timeout=timeout, allow_redirects=True, proxies={},
                        stream=False, verify=True, cert=None)


@functools.lru_cache(maxsize=PREPARED_URLS)
def prepared_get(url: str) -> requests.PreparedRequest:
    """A GET of ``url`` as a :func:`mesh_session` prepares it (never sent as it is)."""
    return _PREPARING_SESSION.prepare_request(requests.Request("GET", url))


# Prepares requests for every call's Session: they all have the same defaults.
_PREPARING_SESSION = mesh_session()
