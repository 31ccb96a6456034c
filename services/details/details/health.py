"""``/health``: a WEBrick prefix mount upstream, so ``/health/anything`` answers too."""
from __future__ import annotations

from flask import Blueprint

from bookinfo_common.errors import json_response

from .mount import mount_prefix

health_blueprint = Blueprint("health", __name__)


def health(rest: str = ""):
    """Always healthy: details has no dependency it could lose."""
    return json_response({"status": "Details is healthy"})


mount_prefix(health_blueprint, "/health", health)
