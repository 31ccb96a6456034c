"""The parts of ``create_app`` that are the same in every service."""
from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from .errors import install_error_handlers
from .logs import configure_logging
from .metrics import metrics_blueprint
from .telemetry import instrument

# Request bodies larger than this are refused with 413 (the only bodies the contract
# knows are ratings JSON and the login form, both tiny).
MAX_BODY_BYTES = 64 * 1024


def base_app(import_name: str, service_name: str, environ: Mapping[str, str], **flask_kwargs) -> Flask:
    """A Flask app with logging, tracing, ``/metrics``, a body cap and JSON errors."""
    configure_logging()
    app = Flask(import_name, **flask_kwargs)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    install_error_handlers(app)
    app.register_blueprint(metrics_blueprint(environ))
    instrument(app, service_name, environ)
    return app
