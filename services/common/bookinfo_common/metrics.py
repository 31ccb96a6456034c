"""``/metrics`` for every service, served with the Prometheus content type."""
from __future__ import annotations

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

metrics_blueprint = Blueprint("metrics", __name__)


@metrics_blueprint.get("/metrics")
def metrics() -> Response:
    """The default registry in text exposition format."""
    return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)
