"""``/ratings/<id>``: read (GET) and store (POST) a product's ratings
(docs/upstream-behaviour.md#ratings-routing-and-answers).

Upstream matches the path ``/ratings/`` followed by anything, then takes the id from
the *raw* URL (query string included) after its last ``/`` and parses it with
``parseInt``: ``/ratings/1abc`` is product 1, ``/ratings/0?x=1`` product 0, and
``/ratings/%31`` is refused.
"""
from __future__ import annotations

import math

from flask import Blueprint, Response, request

from .errors import InvalidProductId, InvalidRatingsJson
from .javascript import InvalidJson, parse_int, parse_json, stringify
from .responses import json_text_answer
from .runtime import runtime
from .store import DEFAULT_RATINGS

ratings_blueprint = Blueprint("ratings", __name__)


def raw_url() -> str:
    """The request target as the client sent it (gunicorn and werkzeug both provide it)."""
    environ = request.environ
    return environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path


def product_id() -> int:
    """``parseInt(req.url.split('/').pop())``, or InvalidProductId.

    Ids beyond the double range (``Infinity`` in JavaScript, which upstream would
    print as ``null``) are refused as non-numeric.
    """
    value = parse_int(raw_url().split("/")[-1])
    if value is None or not math.isfinite(value):
        raise InvalidProductId()
    return int(value)


# What every product without POSTed ratings answers, written once.
DEFAULT_RATINGS_JSON = stringify(DEFAULT_RATINGS)


@ratings_blueprint.get("/ratings/<tail:rest>")
def get_ratings(rest: str) -> Response:
    """The stored ratings, or the default ones, unless a fault mode intervenes."""
    pid = product_id()
    rt = runtime()
    rt.faults.before_get()
    ratings = rt.store.get(pid)
    return ratings_answer(pid, DEFAULT_RATINGS_JSON if ratings is None else stringify(ratings))


def ratings_answer(pid: int, ratings_json: str) -> Response:
    """``JSON.stringify({id, ratings})`` from the ratings' own JSON text: the two keys are
    not array indexes, so they keep this order."""
    return json_text_answer(f'{{"id":{stringify(pid)},"ratings":{ratings_json}}}')


@ratings_blueprint.post("/ratings/<tail:rest>")
def post_ratings(rest: str) -> Response:
    """Store any JSON value as the product's ratings and echo it back.

    The answer is written before anything is stored: a value that could not be
    answered is refused, never kept where every later GET would fail on it.
    """
    pid = product_id()
    try:
        ratings = parse_json(request.get_data(cache=False).decode("utf-8", errors="replace"))
    except InvalidJson:
        raise InvalidRatingsJson() from None
    answer = ratings_answer(pid, stringify(ratings))
    runtime().store.put(pid, ratings)
    return answer
