"""Calls to details, reviews and ratings with upstream's timeouts and retry
(docs/upstream-behaviour.md#productpage-back-end-calls-timeouts-and-retry).

Each call opens a new connection, as upstream does. Behind an Istio sidecar Envoy
balances every request anyway, but under ambient's ztunnel (L4), kube-proxy or
docker-compose the balancing is per connection: a pooled keep-alive connection would
pin a worker to one reviews pod and the round-robin over v1/v2/v3 that the tasks show
would disappear; the CPU that pooling saves does not pay for that (docs/compatibility.md).
Only the local runner, whose every call goes to Envoy, turns reuse on
(``BOOKINFO_REUSE_CONNECTIONS``, see ``bookinfo_common.mesh_http``).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bookinfo_common.mesh_http import CallFailed, MeshHttp

from .metrics import record_result

log = logging.getLogger(__name__)

# Connect and read timeout of every attempt (the fault-injection task depends on it).
CALL_TIMEOUT_SECONDS = 3.0
# Characters allowed unescaped in a URL path segment besides letters and digits
# (RFC 3986 pchar). Everything else in an id is percent-encoded, so an id stays one
# segment and cannot add a query string or fragment to the back-end URL.
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"


@dataclass(frozen=True)
class BackendAnswer:
    """The outcome of one call: 200 with the parsed JSON, or the failure status.

    ``status`` is the back-end's status when it answered something other than 200,
    and 500 when the call raised (refused, timeout, DNS) or a 200 body was not JSON.
    """

    status: int
    body: Any = None

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class Backend:
    """One back-end service: its name (the metric label), base URL and path."""

    name: str
    base_url: str
    path: str
    http: MeshHttp
    attempts: int = 1
    # The fixed error sentence of the API route and the page's error block.
    unavailable_message: str = ""

    def url(self, product_id: str | int) -> str:
        return f"{self.base_url}/{self.path}/{quote(str(product_id), safe=_SEGMENT_SAFE)}"

    def fetch(self, product_id: str | int, headers: Mapping[str, str | bytes]) -> BackendAnswer:
        """Call up to ``attempts`` times back to back; count the final outcome once."""
        url = self.url(product_id)
        for _ in range(self.attempts):
            answer = _attempt(self.http, url, headers)
            if answer.ok:
                break
        record_result(self.name, answer.status)
        return answer


def _attempt(http: MeshHttp, url: str, headers: Mapping[str, str | bytes]) -> BackendAnswer:
    """One GET; never raises."""
    try:
        response = http.get(url, headers, CALL_TIMEOUT_SECONDS)
    except CallFailed as exc:
        log.warning("GET %s failed: %s", url, exc)
        return BackendAnswer(500)
    if response.status != 200:
        log.info("GET %s answered %d", url, response.status)
        return BackendAnswer(response.status)
    try:
        return BackendAnswer(200, json.loads(response.body))
    except (ValueError, RecursionError):
        log.warning("GET %s answered 200 with a body that is not JSON", url)
        return BackendAnswer(500)


@dataclass(frozen=True)
class Backends:
    """The three back-ends productpage calls, built from its configuration."""

    details: Backend
    reviews: Backend
    ratings: Backend

    @classmethod
    def from_urls(cls, details_url: str, reviews_url: str, ratings_url: str,
                  http: MeshHttp) -> "Backends":
        return cls(
            details=Backend(
                "details", details_url, "details", http,
                unavailable_message="Sorry, product details are currently unavailable for this book."),
            # Two attempts: upstream's retry "introduced explicitly for illustration in the
            # fault injection task" (3 s + 3 s worst case).
            reviews=Backend(
                "reviews", reviews_url, "reviews", http, attempts=2,
                unavailable_message="Sorry, product reviews are currently unavailable for this book."),
            ratings=Backend(
                "ratings", ratings_url, "ratings", http,
                unavailable_message="Sorry, product ratings are currently unavailable for this book."),
        )
