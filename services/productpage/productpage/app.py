"""The productpage application factory."""
from __future__ import annotations

import logging

from flask import Flask

from bookinfo_common.app_base import base_app

from .api import api_blueprint
from .auth import auth_blueprint
from .config import SECRET_KEY_VARIABLE, Config
from .pages import pages_blueprint
from .runtime import attach_runtime

log = logging.getLogger(__name__)


def create_app(config: Config) -> Flask:
    """productpage with its pages, sign-in, JSON API, /metrics and /static."""
    app = base_app("productpage", "productpage", config.shared)
    app.secret_key = config.secret_key
    if config.uses_demo_secret_key:
        log.warning("%s is not set: session cookies are signed with upstream's public demo key",
                    SECRET_KEY_VARIABLE)
    attach_runtime(app, config)
    app.register_blueprint(pages_blueprint)
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(api_blueprint)
    return app
