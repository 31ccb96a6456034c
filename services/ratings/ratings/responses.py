"""How ratings writes answers: ``JSON.stringify`` bytes with Node's ``Content-type`` header.

Also how it answers what it does not route: unmatched GET/POST get upstream's empty
404; every other method gets a 405 JSON answer (upstream never answers them and the
client hangs, which we fix).
"""
from __future__ import annotations

from flask import Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from bookinfo_common.errors import ServiceError

from .javascript import stringify

ROUTED_METHODS = ("GET", "POST")


def json_answer(value, status: int = 200) -> Response:
    """``res.writeHead(status, {'Content-type': 'application/json'}); res.end(JSON.stringify(value))``."""
    return json_text_answer(stringify(value), status)


def json_text_answer(text: str, status: int = 200) -> Response:
    """JSON already written as ``JSON.stringify`` writes it, with Node's header spelling
    (the one content type header, so werkzeug adds none of its own)."""
    return Response(text, status, headers=[("Content-type", "application/json")])


def empty_answer(status: int) -> Response:
    """A status with no body and no content type."""
    response = Response(b"", status)
    del response.headers["Content-Type"]
    return response


def reject_unrouted_methods() -> None:
    """``before_request``: only GET and POST reach the routes."""
    if request.method not in ROUTED_METHODS:
        raise MethodNotAllowed(valid_methods=list(ROUTED_METHODS))


def service_error_answer(exc: ServiceError) -> Response:
    """A ServiceError as ``{"error": ...}`` with its status."""
    return json_answer(exc.body(), exc.status)


def http_error_answer(exc: HTTPException) -> Response:
    """Routing and protocol errors: empty 404 for GET/POST, JSON otherwise."""
    if exc.code == 404 or (isinstance(exc, MethodNotAllowed) and request.method in ROUTED_METHODS):
        return empty_answer(404)
    response = json_answer({"error": exc.name}, exc.code or 500)
    if isinstance(exc, MethodNotAllowed):
        response.headers["Allow"] = ", ".join(ROUTED_METHODS)
    return response
