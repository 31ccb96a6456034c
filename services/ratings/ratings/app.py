"""The ratings application factory."""
from __future__ import annotations

import atexit
import os

from flask import Flask
from werkzeug.exceptions import HTTPException

from bookinfo_common.app_base import base_app
from bookinfo_common.errors import ServiceError
from bookinfo_common.routing import upstream_routing

from .api import ratings_blueprint
from .config import Config
from .databases import open_store
from .faults import Faults
from .health import health_blueprint
from .responses import http_error_answer, reject_unrouted_methods, service_error_answer
from .store import MemoryStore, RatingsStore


def open_ratings_store(config: Config) -> RatingsStore:
    """The database store for v2, process memory for every other version."""
    if config.database_backed:
        return open_store(config)
    return MemoryStore(config.max_stored_products)


def create_app(config: Config) -> Flask:
    """ratings v1, v2 or a fault mode, as ``config`` says."""
    app = base_app(__name__, "ratings", os.environ)
    app.extensions["ratings.config"] = config
    store = open_ratings_store(config)
    atexit.register(store.close)
    app.extensions["ratings.store"] = store
    # Created with the app, at process start: the fault phases count from here.
    app.extensions["ratings.faults"] = Faults(config)
    upstream_routing(app)
    app.before_request(reject_unrouted_methods)
    app.register_error_handler(ServiceError, service_error_answer)
    app.register_error_handler(HTTPException, http_error_answer)
    app.register_blueprint(health_blueprint)
    app.register_blueprint(ratings_blueprint)
    return app
