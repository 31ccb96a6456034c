"""Bare Flask apps for ``service_bench.py``: the floor each service is compared with.

``app`` answers ``BARE_PATH`` with the bytes of ``BARE_BODY`` as ``BARE_CONTENT_TYPE`` and
does nothing else: the same answer a back-end gives, without anything the service adds
(tracing hooks, metrics, logging, routing rules, validation).

``productpage`` is the page without productpage: the two calls it makes (``requests.get``
to ``BARE_DETAILS_URL`` and ``BARE_REVIEWS_URL``, a new connection each, as upstream and
the image make them), their JSON read, and productpage's own template rendered with them.

Served by the image's own gunicorn command and settings (``service_bench.py``), with
this directory on ``PYTHONPATH``.
"""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import requests
from flask import Flask, Response, render_template

import productpage
from productpage.catalogue import PRODUCT

app = Flask(__name__)
_BODY = os.environ.get("BARE_BODY", "").encode()
_CONTENT_TYPE = os.environ.get("BARE_CONTENT_TYPE", "application/json")


@app.get(os.environ.get("BARE_PATH", "/"))
def answer() -> Response:
    return Response(_BODY, content_type=_CONTENT_TYPE)


productpage_app = Flask(__name__, template_folder=Path(productpage.__file__).parent / "templates")
_DETAILS_URL = os.environ.get("BARE_DETAILS_URL", "")
_REVIEWS_URL = os.environ.get("BARE_REVIEWS_URL", "")
_COLUMNS = {"ISBN-10": "ISBN-10", "Publisher": "publisher", "Pages": "pages", "Type": "type",
            "Language": "language"}


@productpage_app.get("/productpage")
def page() -> str:
    details = requests.get(f"{_DETAILS_URL}/details/0", timeout=3).json()
    reviews = requests.get(f"{_REVIEWS_URL}/reviews/0", timeout=3).json()
    cards = []
    for item in reviews["reviews"]:
        rating = item.get("rating", {})
        stars = rating.get("stars", 0)
        cards.append(SimpleNamespace(reviewer=item["reviewer"], text=item["text"], stars=stars,
                                     outline_stars=5 - stars, color=rating.get("color", ""),
                                     rating_error=rating.get("error")))
    clustername = reviews.get("clustername")
    return render_template(
        "productpage.html", product=PRODUCT, user=None,
        details=SimpleNamespace(row={h: details.get(k, "") for h, k in _COLUMNS.items()}, error=""),
        reviews=SimpleNamespace(reviews=cards, podname=reviews.get("podname", ""), error="",
                                clustername=None if clustername == "null" else clustername))
