"""``/health``, with the space after the colon that upstream's literal has."""
from __future__ import annotations

from flask import Blueprint, Response

health_blueprint = Blueprint("health", __name__)

HEALTHY_BODY = '{"status": "Reviews is healthy"}'


@health_blueprint.get("/health")
def health() -> Response:
    """Always healthy: reviews stays up (without stars) when ratings is down."""
    return Response(HEALTHY_BODY, content_type="application/json")
