"""Where the details of a book come from: the fixed record (v1) or Google Books (v2).

Upstream has no catalogue: v1 answers the same book for every id, and v2 looks up one
fixed ISBN. Only ``id`` echoes the request. The key order of the returned dicts is the
order of upstream's JSON and must not change.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping

import requests
from bookinfo_common.errors import compact_json

from .errors import BookServiceError

log = logging.getLogger(__name__)

# The ISBN of the Comedy of Errors edition upstream looks up.
ISBN = "0486424618"
VOLUMES_PATH = "/books/v1/volumes"

# Upstream bounds only the read (5 s) and inherits Ruby's 60 s connect timeout; a
# blackholed egress would then hold a request for a minute, so both are 5 s here.
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 5.0


def fixed_details(product_id: int) -> dict:
    """The record every v1 pod serves."""
    return {
        "id": product_id,
        "author": "William Shakespeare",
        "year": 1595,
        "type": "paperback",
        "pages": 200,
        "publisher": "PublisherA",
        "language": "English",
        "ISBN-10": "1234567890",
        "ISBN-13": "123-1234567890",
    }


class GoogleBooks:
    """A client for the one Books API query details v2 makes."""

    def __init__(self, base_url: str):
        self.url = base_url.rstrip("/") + VOLUMES_PATH

    def details(self, product_id: int, headers: Mapping[str, str]) -> dict:
        """The book mapped to upstream's details record, or BookServiceError."""
        book = book_from_volume(product_id, self._first_volume(headers))
        try:
            compact_json(book).encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate escape in the API's JSON; Ruby's generator refuses it too.
            raise BookServiceError("the book service answered with malformed text") from None
        return book

    def _first_volume(self, headers: Mapping[str, str]) -> dict:
        try:
            response = requests.get(
                self.url,
                params={"q": f"isbn:{ISBN}"},
                headers=dict(headers),
                timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
            )
        except requests.RequestException as exc:
            log.warning("Google Books request to %s failed: %s", self.url, exc)
            raise BookServiceError(f"could not reach the book service: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise BookServiceError(f"the book service answered with status {response.status_code}")
        try:
            items = json.loads(response.content)["items"]
            volume = items[0]["volumeInfo"]
        except (ValueError, TypeError, LookupError):
            raise BookServiceError("the book service did not return the book") from None
        if not isinstance(volume, dict):
            raise BookServiceError("the book service did not return the book")
        return volume


def book_from_volume(product_id: int, volume: Mapping) -> dict:
    """Map a Books API ``volumeInfo`` the way upstream does (docs/compatibility.md#details).

    Fields upstream passes through unchecked (year, pages, publisher) are passed
    through, null when absent; the author and both ISBNs are required, as upstream
    fails without them.
    """
    try:
        author = volume["authors"][0]
        identifiers = volume["industryIdentifiers"]
        isbn10 = _isbn(identifiers, "ISBN_10")
        isbn13 = _isbn(identifiers, "ISBN_13")
    except (TypeError, LookupError):
        raise BookServiceError("the book service answered without an author or ISBN") from None
    return {
        "id": product_id,
        "author": author,
        "year": volume.get("publishedDate"),
        "type": "paperback" if volume.get("printType") == "BOOK" else "unknown",
        "pages": volume.get("pageCount"),
        "publisher": volume.get("publisher"),
        "language": "English" if volume.get("language") == "en" else "unknown",
        "ISBN-10": isbn10,
        "ISBN-13": isbn13,
    }


def _isbn(identifiers, kind: str):
    """The first identifier of ``kind`` (upstream raises when there is none)."""
    for entry in identifiers:
        if isinstance(entry, dict) and entry.get("type") == kind:
            return entry["identifier"]
    raise LookupError(kind)
