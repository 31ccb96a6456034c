"""The failures details answers with ``400 {"error": ...}``, as upstream does."""
from __future__ import annotations

from bookinfo_common.errors import BadRequest


class InvalidProductId(BadRequest):
    """The last path segment is not a Ruby integer literal."""

    message = "please provide numeric product id"


class BookServiceError(BadRequest):
    """details v2 could not get a usable answer from the Google Books API.

    Upstream turns every such failure into a 400 carrying Ruby's exception text;
    ours carries a short sentence saying what went wrong (docs/compatibility.md).
    """
