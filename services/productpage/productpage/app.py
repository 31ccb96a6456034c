"""The productpage application factory."""
from __future__ import annotations

import functools
import logging

from flask import Flask

from bookinfo_common.app_base import base_app

from .api import api_blueprint
from .auth import auth_blueprint
from .config import SECRET_KEY_VARIABLE, Config
from .pages import pages_blueprint
from .runtime import attach_runtime
from .security_headers import add_security_headers
from .session import BoundedSessionInterface

log = logging.getLogger(__name__)


def create_app(config: Config) -> Flask:
    """productpage with its pages, sign-in, JSON API, /metrics and /static."""
    app = base_app("productpage", "productpage", config.shared)
    app.secret_key = config.secret_key
    app.session_interface = BoundedSessionInterface()
    # The session cookie goes along with links from other sites, never with their
    # forms or scripts: sign-in and sign-out cannot be triggered from elsewhere.
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.after_request(add_security_headers)
    if config.uses_demo_secret_key:
        warn_demo_secret_key()
    attach_runtime(app, config)
    app.register_blueprint(pages_blueprint)
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(api_blueprint)
    return app


@functools.cache
def warn_demo_secret_key() -> None:
    """Say once per process (each gunicorn worker is one) that sessions use the public key."""
    log.warning("%s is not set: session cookies are signed with upstream's public demo key, "
                "so anyone can sign in as anyone; set %s to a long random secret (from a "
                "Kubernetes Secret) in any real deployment", SECRET_KEY_VARIABLE, SECRET_KEY_VARIABLE)
