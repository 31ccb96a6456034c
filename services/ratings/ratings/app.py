"""The ratings application factory."""
from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import HTTPException

from bookinfo_common.app_base import base_app
from bookinfo_common.errors import ServiceError
from bookinfo_common.routing import upstream_routing

from .api import ratings_blueprint
from .config import Config
from .health import health_blueprint
from .responses import http_error_answer, reject_unrouted_methods, service_error_answer
from .runtime import attach_runtime


def create_app(config: Config) -> Flask:
    """ratings v1, v2 or a fault mode, as ``config`` says."""
    app = base_app(__name__, "ratings", config.shared)
    attach_runtime(app, config)
    upstream_routing(app)
    app.before_request(reject_unrouted_methods)
    app.register_error_handler(ServiceError, service_error_answer)
    app.register_error_handler(HTTPException, http_error_answer)
    app.register_blueprint(health_blueprint)
    app.register_blueprint(ratings_blueprint)
    return app
