"""HTTP GETs to other Bookinfo services, sent as upstream's ``requests.get`` sends them.

Upstream productpage calls ``requests.get`` for every back-end call, which builds a
Session and, because it trusts the environment, scans every variable for proxy
settings and looks for a ``.netrc`` file each time: about half of productpage's CPU
per page (py-spy under ``make bench``). This client goes to urllib3 (the library
under requests) directly, with requests' default headers, its redirect following and
its timeouts, and never an environment proxy (mesh calls go to in-mesh names; the
sidecar is the proxy).
Measured per call against a local gunicorn (client CPU, two runs): ``requests.get``
1.6-2.2 ms; this client 0.85-1.0 ms with a new connection, 0.6-0.7 ms with a kept one
(in one run, a kept ``requests.Session`` with ``trust_env=False`` cost 0.7 ms where
urllib3 on a kept connection cost 0.5 ms).

Connections are not kept by default: each call opens a new one and closes it, as
upstream does (docs/compatibility.md: under ztunnel, kube-proxy or docker-compose,
balancing is per connection). With ``BOOKINFO_REUSE_CONNECTIONS=true`` connections are
kept alive and reused; ``bookinfo up`` sets it, since there every call goes to the
pod's own Envoy listener, which balances each request.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import urllib3
from requests.utils import default_headers

from .settings import ConfigError

REUSE_CONNECTIONS_VARIABLE = "BOOKINFO_REUSE_CONNECTIONS"

# What requests.get sends unless the caller names the header (upstream-bookinfo.md §2.7):
# User-Agent python-requests/<version>, Accept-Encoding, Accept */*, Connection keep-alive.
DEFAULT_HEADERS = dict(default_headers())
# requests follows up to 30 redirects and retries nothing else.
RETRIES = urllib3.Retry(total=None, connect=0, read=0, status=0, other=0, redirect=30,
                        raise_on_redirect=True)
# Connections kept per host: one per server thread in flight is the most ever used.
POOL_SIZE = 32


def reuse_connections(environ: Mapping[str, str]) -> bool:
    """``BOOKINFO_REUSE_CONNECTIONS``: ``true`` or ``false`` (the default when unset)."""
    raw = environ.get(REUSE_CONNECTIONS_VARIABLE, "").strip().lower()
    if raw in ("", "false"):
        return False
    if raw == "true":
        return True
    raise ConfigError(f"{REUSE_CONNECTIONS_VARIABLE} must be true or false, got {raw!r}")


class CallFailed(Exception):
    """No answer: refused, reset, timed out, too many redirects, or a bad header value."""


@dataclass(frozen=True)
class Answer:
    """The final response of a call: status and body (decoded from gzip/deflate)."""

    status: int
    body: bytes


class MeshHttp:
    """GET with requests' semantics; connections kept only when ``reuse_connections``.

    Safe to share between threads (urllib3's pools are).
    """

    def __init__(self, reuse_connections: bool = False):
        self.reuse_connections = reuse_connections
        self._kept = urllib3.PoolManager(maxsize=POOL_SIZE) if reuse_connections else None

    def get(self, url: str, headers: Mapping[str, str | bytes],
            timeout: float | tuple[float, float]) -> Answer:
        """The final answer after redirects; CallFailed when there is none."""
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        sent = urllib3.HTTPHeaderDict(DEFAULT_HEADERS)
        for name, value in headers.items():
            sent[name] = value.decode("latin-1") if isinstance(value, bytes) else value
        # Without reuse, a pool for this call only, emptied (its connection closed)
        # afterwards: what requests.get does with its one-call Session.
        pools = self._kept if self._kept is not None else urllib3.PoolManager()
        try:
            response = pools.request("GET", url, headers=sent, retries=RETRIES,
                                     timeout=urllib3.Timeout(connect=connect, read=read))
        except (urllib3.exceptions.HTTPError, ValueError) as exc:
            raise CallFailed(str(exc)) from exc
        finally:
            if pools is not self._kept:
                pools.clear()
        return Answer(response.status, response.data)
