"""The parts of ``create_app`` that are the same in every service."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask

from .errors import install_error_handlers
from .logs import configure_logging
from .metrics import metrics_blueprint
from .settings import METRICS_DIR_VARIABLE
from .telemetry import exporter_configured, instrument

# Request bodies larger than this are refused with 413 (the only bodies the contract
# knows are ratings JSON and the login form, both tiny).
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class SharedConfig:
    """What the shared parts of every app are configured with; part of each service's Config."""

    # The standard OTLP endpoint variables ask for spans to be exported.
    export_spans: bool = False
    # The standard OTEL_SERVICE_NAME: the name the exported spans report (else the service's).
    span_service_name: str | None = None
    # prometheus_client's multiprocess directory (set for a server of several workers).
    metrics_dir: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "SharedConfig":
        return cls(export_spans=exporter_configured(environ),
                   span_service_name=environ.get("OTEL_SERVICE_NAME") or None,
                   metrics_dir=environ.get(METRICS_DIR_VARIABLE) or None)


def base_app(import_name: str, service_name: str, shared: SharedConfig, **flask_kwargs) -> Flask:
    """A Flask app with logging, tracing, ``/metrics``, a body cap and JSON errors."""
    configure_logging()
    app = Flask(import_name, **flask_kwargs)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    install_error_handlers(app)
    app.register_blueprint(metrics_blueprint(shared.metrics_dir))
    instrument(app, shared.span_service_name or service_name, shared.export_spans)
    return app
