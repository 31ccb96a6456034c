"""Routing errors as JAX-RS answers them: 404 and 405 with an empty body.

JAX-RS also answers 404 when the id does not convert to an ``int``. Errors that carry
information (413 for an oversized body) are JSON.
"""
from __future__ import annotations

from flask import Response
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from bookinfo_common.errors import json_response


def http_error_response(exc: HTTPException) -> Response:
    """An empty 404/405 (with ``Allow``), or a JSON body for other HTTP errors."""
    if exc.code == 404:
        return _empty(404)
    if isinstance(exc, MethodNotAllowed):
        response = _empty(405)
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ()))
        return response
    return json_response({"error": exc.name}, exc.code or 500)


def _empty(status: int) -> Response:
    response = Response(b"", status)
    del response.headers["Content-Type"]
    return response
