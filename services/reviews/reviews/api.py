"""``/reviews/<productId>``: the two fixed reviews, with stars from ratings in v2/v3."""
from __future__ import annotations

from flask import Blueprint, Response, request

from bookinfo_common.propagation import FORWARDED, copy_headers

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
        stars = rt.ratings.stars(parsed, copy_headers(request.headers, FORWARDED))
    body = reviews_body(parsed, rt.pod, stars)
    return Response(body, content_type="application/json")
