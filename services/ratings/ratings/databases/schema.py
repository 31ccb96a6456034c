"""What ratings v2 reads and writes in its database (database ``test`` on both back-ends).

Upstream's seed data is only ever read, never changed, so our ratings works against
upstream's database images and upstream's ratings against ours:

* MySQL table ``ratings(ReviewID INT PRIMARY KEY, Rating INT)``, rows (1, 5), (2, 4);
* MongoDB collection ``ratings`` with the documents ``{rating: 5}`` and ``{rating: 4}``.

The first two ratings found become ``Reviewer1`` and ``Reviewer2`` (0 when missing), as
upstream reads them. POSTed ratings live beside the seed, in ``product_ratings``: one
row (MySQL) or document (MongoDB) per product,

* ``product_id`` -- the product id in decimal, as text (every id the API accepts fits,
  including the ones beyond 64 bits that ``parseInt`` produces);
* ``ratings_json`` -- the acknowledged ratings as ``JSON.stringify`` text;
* ``updated_at`` -- when they were last written.

The ratings are kept as JSON *text* rather than a MySQL JSON column or a BSON document
because the API must answer exactly what it acknowledged: MySQL's JSON type re-orders
object keys, and BSON cannot hold every key or integers beyond 64 bits.
"""
from __future__ import annotations

from decimal import Decimal

from ..errors import DatabaseQueryError
from ..javascript import InvalidJson, parse_json, stringify

DATABASE = "test"
SEED_RATINGS = "ratings"
PRODUCT_RATINGS = "product_ratings"
REVIEWERS = ("Reviewer1", "Reviewer2")


def product_key(product_id: int) -> str:
    """The ``product_id`` value under which a product's ratings are stored."""
    return str(product_id)


def encode_ratings(ratings) -> str:
    """The ``ratings_json`` text for a POSTed value (as the API will print it)."""
    return stringify(ratings)


def decode_ratings(text: str):
    """The stored value back; text that is not JSON means the row was damaged by hand."""
    try:
        return parse_json(text)
    except (InvalidJson, TypeError):
        raise DatabaseQueryError() from None


def plain_value(value):
    """A seeded rating as a JSON value (an INT column or a BSON number in practice)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def seeded_ratings(first_ratings: list) -> dict:
    """``{"Reviewer1": <1st>, "Reviewer2": <2nd>}`` from the seed, 0 for a missing one."""
    padded = [plain_value(value) for value in first_ratings[:len(REVIEWERS)]]
    padded += [0] * (len(REVIEWERS) - len(padded))
    return dict(zip(REVIEWERS, padded))
