"""The reviews application factory."""
from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import HTTPException

from bookinfo_common.app_base import base_app

from .api import reviews_blueprint
from .config import Config
from .health import health_blueprint
from .http_errors import http_error_response
from .runtime import attach_runtime


def create_app(config: Config) -> Flask:
    """reviews v1, v2 or v3, as ``config`` says (the versions differ only in settings)."""
    app = base_app(__name__, "reviews", config.shared)
    attach_runtime(app, config)
    app.register_error_handler(HTTPException, http_error_response)
    app.register_blueprint(health_blueprint)
    app.register_blueprint(reviews_blueprint)
    return app
