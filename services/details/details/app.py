"""The details application factory."""
from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import HTTPException

from bookinfo_common.app_base import base_app
from bookinfo_common.routing import upstream_routing

from .api import details_blueprint
from .config import Config
from .health import health_blueprint
from .http_errors import http_error_page
from .runtime import attach_runtime


def create_app(config: Config) -> Flask:
    """details v1 (fixed record) or v2 (Google Books), as ``config`` says."""
    app = base_app(__name__, "details", config.shared)
    attach_runtime(app, config)
    upstream_routing(app)
    app.register_error_handler(HTTPException, http_error_page)
    app.register_blueprint(health_blueprint)
    app.register_blueprint(details_blueprint)
    return app
