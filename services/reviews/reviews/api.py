"""``/reviews/<productId>``: the two fixed reviews, with stars from ratings in v2/v3."""
from __future__ import annotations

from flask import Blueprint, Response, request

from bookinfo_common.propagation import FORWARDED, copy_headers
from bookinfo_common.telemetry import own_context

from .body import reviews_body
from .product_id import parse_java_int
from .runtime import runtime

reviews_blueprint = Blueprint("reviews", __name__)


@reviews_blueprint.get("/reviews/<product_id>")
def book_reviews(product_id: str) -> Response:
    """Always 200 for a valid id: a ratings failure only replaces the stars."""
    parsed = parse_java_int(product_id)
    rt = runtime()
    stars = None
    if rt.ratings is not None:
        headers = own_context(copy_headers(request.headers, FORWARDED), rt.export_spans)
        stars = rt.ratings.stars(parsed, headers)
    body = reviews_body(parsed, rt.pod, stars)
    return Response(body, content_type="application/json")
