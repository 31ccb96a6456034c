"""``/health`` (exactly: ``/health/`` is 404, as upstream)."""
from __future__ import annotations

from flask import Blueprint, Response

from .responses import json_answer
from .runtime import runtime

health_blueprint = Blueprint("health", __name__)


@health_blueprint.get("/health")
def health() -> Response:
    """200, or 500 during the unhealthy phases of v-unhealthy.

    v2 adds ``"database": "reachable"|"unreachable"`` but stays 200 during a database
    outage: a failing liveness probe would restart a pod that recovers by itself, and
    a pod taken out of the Service would answer reviews with 503s instead of the
    contract's error bodies.
    """
    rt = runtime()
    if not rt.faults.healthy():
        return json_answer({"status": "Ratings is not healthy"}, 500)
    body = {"status": "Ratings is healthy"}
    if rt.config.database_backed:
        reachable = rt.store.healthy()
        body["database"] = "reachable" if reachable else "unreachable"
    return json_answer(body)
