"""The one call reviews v2/v3 make: ``GET <ratings>/ratings/<id>``
(docs/upstream-behaviour.md#reviews-the-ratings-call).

Any failure (no connection, timeout, a status other than 200, a body without usable
ratings) leaves the affected reviewers without stars; it never fails the reviews
response. Upstream answers 500 when ratings sends a 200 whose body is not a JSON
object of integers; here that counts as "ratings unavailable" too.

Each call opens its own connection (closed afterwards), as upstream builds a new
JAX-RS client per request: no connection is shared between gunicorn threads, and no
pooled connection can go stale behind a mesh proxy's idle timeout. The local runner,
where the call goes to the pod's own Envoy listener, turns keep-alive on
(``BOOKINFO_REUSE_CONNECTIONS``, ``bookinfo_common.mesh_http``).
"""
from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping

from bookinfo_common.mesh_http import CallFailed, MeshHttp

from .body import REVIEWERS
from .product_id import INT_MAX, INT_MIN

log = logging.getLogger(__name__)

Stars = dict[str, int | None]


class RatingsClient:
    """Fetches the stars of both reviewers for a product from the ratings service."""

    def __init__(self, service_url: str, timeout_seconds: float, http: MeshHttp):
        self.base_url = f"{service_url}/ratings"
        self.timeout = timeout_seconds
        self.http = http

    def stars(self, product_id: int, headers: Mapping[str, str]) -> Stars:
        """Each reviewer's stars, None for a reviewer whose rating could not be had."""
        ratings = self._ratings(product_id, headers)
        if ratings is None:
            return dict.fromkeys(REVIEWERS)
        return {reviewer: _stars(ratings.get(reviewer)) for reviewer in REVIEWERS}

    def _ratings(self, product_id: int, headers: Mapping[str, str]) -> dict | None:
        """The ``ratings`` object of the answer, or None when there is none to use."""
        url = f"{self.base_url}/{product_id}"
        outbound = {**headers, "Accept": "application/json"}
        try:
            response = self.http.get(url, outbound, (self.timeout, self.timeout))
        except CallFailed as exc:
            log.warning("Error: unable to contact %s got exception %s", self.base_url, exc)
            return None
        if response.status != 200:
            log.warning("Error: unable to contact %s got status of %s", self.base_url, response.status)
            return None
        try:
            ratings = json.loads(response.body)["ratings"]
        except (ValueError, TypeError, KeyError):
            log.warning("Error: %s answered 200 without a JSON ratings object", self.base_url)
            return None
        return ratings if isinstance(ratings, dict) else None


def _stars(value) -> int | None:
    """A rating as Java's ``JsonNumber.intValue()`` reads it; None if not a 32-bit number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = math.trunc(value)
    return value if INT_MIN <= value <= INT_MAX else None
