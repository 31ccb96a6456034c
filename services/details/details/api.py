"""``/details/<id>``: the book record for a product id.

Upstream's answers: docs/upstream-behaviour.md#details-endpoints-and-ids and
docs/upstream-behaviour.md#details-v2-the-book-service.
"""
from __future__ import annotations

from flask import Blueprint, request

from bookinfo_common.errors import json_response
from bookinfo_common.propagation import FORWARDED, copy_headers

from .book import fixed_details
from .mount import mount_prefix
from .product_id import product_id_from_path
from .runtime import runtime

details_blueprint = Blueprint("details", __name__)

# Headers v2 sends to Google. Upstream also sends cookie and authorization, leaking the
# user's session and credentials to a third party; we do not.
BOOKS_FORWARDED = tuple(name for name in FORWARDED if name not in ("cookie", "authorization"))


def book_details(rest: str = ""):
    """Parse the id from the last path segment and answer the book record."""
    product_id = product_id_from_path(request.path)
    books = runtime().books
    if books is None:
        return json_response(fixed_details(product_id))
    return json_response(books.details(product_id, copy_headers(request.headers, BOOKS_FORWARDED)))


mount_prefix(details_blueprint, "/details", book_details)
