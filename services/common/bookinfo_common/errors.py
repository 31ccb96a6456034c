"""One error type per failure class, turned into the contract's JSON bodies at the edge.

Services raise a subclass of :class:`ServiceError` (or use one directly); the handler
installed by :func:`install_error_handlers` renders it. A request body that cannot be
read is the client's fault: a 400, rendered as the app renders its other HTTP errors.
Anything else unexpected is logged with its traceback and answered with a JSON 500 —
never a stack trace to the client.
"""
from __future__ import annotations

import json
import logging

from flask import Flask, Response, current_app
from gunicorn.http.errors import NoMoreData, ParseException
from werkzeug.exceptions import BadRequest as MalformedRequest
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# What gunicorn raises from ``wsgi.input`` while a view reads the body: a malformed
# chunked body (a bad chunk size, a chunk without its CRLF) or a body that ends before
# its announced length. Nothing of it reaches the view, so the request is refused.
MALFORMED_BODY_ERRORS = (ParseException, NoMoreData)


class ServiceError(Exception):
    """A failure with a fixed status and JSON body from the contract."""

    status: int = 500
    message: str = "internal error"

    def __init__(self, message: str | None = None, status: int | None = None):
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        if status is not None:
            self.status = status

    def body(self) -> dict:
        """The JSON object sent to the client."""
        return {"error": self.message}


class BadRequest(ServiceError):
    """The client sent something we cannot use (bad id, bad JSON)."""

    status = 400


class Unavailable(ServiceError):
    """The service (or a fault mode of it) declines to answer."""

    status = 503


def compact_json(value) -> str:
    """JSON without spaces, as Ruby's ``to_json`` and Node's ``JSON.stringify`` write it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_response(value, status: int = 200, content_type: str = "application/json") -> Response:
    """A compact JSON response with an explicit content type."""
    return Response(compact_json(value), status=status, content_type=content_type)


def install_error_handlers(app: Flask, http_error_body=None) -> None:
    """Render ServiceError and unexpected exceptions as JSON.

    ``http_error_body(exc)`` may turn werkzeug's HTTP errors (404, 405, 413) into a
    service-specific response; by default werkzeug's own page is kept.
    """

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        return json_response(exc.body(), exc.status)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            if http_error_body is not None:
                return http_error_body(exc)
            return exc
        if isinstance(exc, MALFORMED_BODY_ERRORS):
            log.info("refused a malformed request body: %s", exc)
            return current_app.handle_http_exception(MalformedRequest())
        log.exception("unhandled error while serving a request")
        return json_response({"error": "internal server error"}, 500)
