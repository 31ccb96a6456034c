"""The reviews application factory."""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.exceptions import HTTPException

from bookinfo_common.app_base import base_app
from bookinfo_common.mesh_http import MeshHttp

from .api import reviews_blueprint
from .body import Pod
from .config import Config
from .health import health_blueprint
from .http_errors import http_error_response
from .ratings_client import RatingsClient


def create_app(config: Config) -> Flask:
    """reviews v1, v2 or v3, as ``config`` says (the versions differ only in settings)."""
    app = base_app(__name__, "reviews", os.environ)
    app.extensions["reviews.pod"] = Pod(config.podname, config.clustername, config.star_color)
    app.extensions["reviews.ratings"] = (
        RatingsClient(config.ratings_url, config.ratings_timeout_seconds,
                      MeshHttp(config.reuse_connections))
        if config.ratings_enabled else None
    )
    app.register_error_handler(HTTPException, http_error_response)
    app.register_blueprint(health_blueprint)
    app.register_blueprint(reviews_blueprint)
    return app
