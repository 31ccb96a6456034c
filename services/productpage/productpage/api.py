"""The JSON API: the product list and proxies to details, reviews and ratings
(docs/upstream-behaviour.md#productpage-json-api).

Bodies are written with Python's default JSON separators (``", "`` and ``": "``), the
spacing upstream's simplejson produces, keeping the back-end's key order. A failed
call answers with the back-end's status (500 when there was none) and the route's
fixed error sentence. The API routes never flood.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, request

from .backends import Backend
from .catalogue import PRODUCTS
from .identity import current_user
from .outbound import outbound_headers
from .runtime import runtime

api_blueprint = Blueprint("api", __name__, url_prefix="/api/v1/products")


def spaced_json(value, status: int = 200) -> Response:
    """JSON as upstream writes it, served as ``application/json`` without a charset."""
    return Response(json.dumps(value), status=status, content_type="application/json")


@api_blueprint.get("")
def products() -> Response:
    return spaced_json(PRODUCTS)


@api_blueprint.get("/<product_id>")
def product(product_id: str) -> Response:
    return _proxy(runtime().backends.details, product_id)


@api_blueprint.get("/<product_id>/reviews")
def product_reviews(product_id: str) -> Response:
    return _proxy(runtime().backends.reviews, product_id)


@api_blueprint.get("/<product_id>/ratings")
def product_ratings(product_id: str) -> Response:
    return _proxy(runtime().backends.ratings, product_id)


def _proxy(backend: Backend, product_id: str) -> Response:
    """The back-end's JSON re-serialised, or its failure status with the fixed error."""
    headers = outbound_headers(request.headers, current_user(), runtime().config.export_spans)
    answer = backend.fetch(product_id, headers)
    if answer.ok:
        return spaced_json(answer.body)
    return spaced_json({"error": backend.unavailable_message}, answer.status)
