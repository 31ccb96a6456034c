"""Back-end answers turned into what the product page shows
(docs/upstream-behaviour.md#productpage-the-product-page).

The template only formats these values; every decision about what a back-end answer
means for the page is made here, so an odd answer (a list instead of an object, a
rating that is not a number) degrades to an error block or no stars — never a 500.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .backends import BackendAnswer

MAX_STARS = 5
# Column heading -> details JSON key (author, year and ISBN-13 are not shown upstream).
DETAILS_COLUMNS = {"ISBN-10": "ISBN-10", "Publisher": "publisher", "Pages": "pages",
                   "Type": "type", "Language": "language"}


@dataclass(frozen=True)
class DetailsView:
    """The Book Details table row, or the error sentence when details failed."""

    row: dict | None
    error: str

    @classmethod
    def of(cls, answer: BackendAnswer, error: str) -> "DetailsView":
        body = answer.body
        if not answer.ok or not isinstance(body, Mapping):
            return cls(None, error)
        return cls({heading: body.get(key, "") for heading, key in DETAILS_COLUMNS.items()}, error)


@dataclass(frozen=True)
class Review:
    """One review card. ``stars`` > 0 shows the star block; else ``rating_error`` if any."""

    reviewer: object
    text: object
    stars: int
    color: str
    rating_error: object | None

    @property
    def outline_stars(self) -> int:
        """The empty stars drawn after the filled ones."""
        return MAX_STARS - self.stars


@dataclass(frozen=True)
class ReviewsView:
    """The Book Reviews section, or the error sentence when reviews failed."""

    reviews: list[Review] | None
    podname: object
    # None when reviews reported the string "null" (upstream hides "on cluster").
    clustername: object | None
    error: str

    @classmethod
    def of(cls, answer: BackendAnswer, error: str) -> "ReviewsView":
        body = answer.body
        if not answer.ok or not isinstance(body, Mapping) or not isinstance(body.get("reviews"), list):
            return cls(None, "", None, error)
        clustername = body.get("clustername", "")
        return cls(
            [_review(item) for item in body["reviews"] if isinstance(item, Mapping)],
            body.get("podname", ""),
            None if clustername == "null" else clustername,
            error,
        )


def _review(item: Mapping) -> Review:
    rating = item.get("rating")
    stars, color, rating_error = 0, "", None
    if isinstance(rating, Mapping):
        stars = _star_count(rating.get("stars"))
        color = str(rating.get("color", ""))
        rating_error = rating.get("error") or None
    return Review(item.get("reviewer", ""), item.get("text", ""), stars, color, rating_error)


def _star_count(stars: object) -> int:
    """Filled stars, clamped to 0..5 (a POSTed rating of 10**6 must not draw a million)."""
    if isinstance(stars, bool) or not isinstance(stars, int):
        return 0
    return max(0, min(stars, MAX_STARS))
