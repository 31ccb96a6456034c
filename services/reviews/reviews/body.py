"""The reviews response body, byte for byte as upstream concatenates it
(docs/upstream-behaviour.md#reviews-endpoints-and-body).

Upstream builds the JSON by string concatenation, with its own spacing, and clients
have compared the text. Only the values that come from outside (pod name, cluster
name, star colour) are JSON-escaped here, which upstream forgot; for ordinary values
the bytes are identical.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

REVIEWS = (
    ("Reviewer1", "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"),
    ("Reviewer2", "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare."),
)
REVIEWERS = tuple(name for name, _ in REVIEWS)

RATINGS_UNAVAILABLE = "Ratings service is currently unavailable"


@dataclass(frozen=True)
class Pod:
    """Who is answering: echoed in every body."""

    podname: str
    clustername: str
    star_color: str


def _string(value: str) -> str:
    """A JSON string literal, non-ASCII kept as is (as Java writes it)."""
    return json.dumps(value, ensure_ascii=False)


def _rating(stars: int | None, star_color: str) -> str:
    if stars is None:
        return f', "rating": {{"error": {_string(RATINGS_UNAVAILABLE)}}}'
    return f', "rating": {{"stars": {stars}, "color": {_string(star_color)}}}'


def reviews_body(product_id: int, pod: Pod, stars: dict[str, int | None] | None) -> str:
    """The body for ``/reviews/<product_id>``.

    ``stars`` is None when ratings are disabled (no ``rating`` keys at all); otherwise
    it maps each reviewer to its stars, None where ratings could not be had.
    """
    reviews = []
    for reviewer, text in REVIEWS:
        rating = "" if stars is None else _rating(stars.get(reviewer), pod.star_color)
        reviews.append(f'{{  "reviewer": {_string(reviewer)},  "text": {_string(text)}{rating}}}')
    return (
        f'{{"id": {_string(str(product_id))},'
        f'"podname": {_string(pod.podname)},'
        f'"clustername": {_string(pod.clustername)},'
        f'"reviews": [{",".join(reviews)}]}}'
    )
