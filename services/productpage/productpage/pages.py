"""The HTML pages: landing page, health check and the product page.

Upstream's: docs/upstream-behaviour.md#productpage-routes and
docs/upstream-behaviour.md#productpage-the-product-page.
"""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from .catalogue import PRODUCT
from .config import Config
from .identity import current_user
from .outbound import outbound_headers
from .presentation import DetailsView, ReviewsView
from .runtime import runtime

pages_blueprint = Blueprint("pages", __name__)

HEALTHY = "Product page is healthy"


@pages_blueprint.get("/")
@pages_blueprint.get("/index.html")
def index() -> str:
    """The landing page: the service tree, rooted at productpage itself.

    Upstream labels the root with the details URL (a copy-paste slip); ours names
    productpage and the address it was reached at.
    """
    root_url = request.url_root.rstrip("/")
    return render_template("index.html", topology=service_topology(root_url, runtime().config))


def service_topology(productpage_url: str, config: Config) -> dict:
    """productpage -> details, reviews -> ratings, as name/endpoint/children nodes."""
    def node(name: str, endpoint: str, children: list[dict]) -> dict:
        return {"name": name, "endpoint": endpoint, "children": children}

    return node(productpage_url, "productpage", [
        node(config.details_url, "details", []),
        node(config.reviews_url, "reviews", [node(config.ratings_url, "ratings", [])]),
    ])


@pages_blueprint.get("/health")
def health() -> Response:
    return Response(HEALTHY, content_type="text/html; charset=utf-8")


@pages_blueprint.get("/productpage")
def productpage() -> str:
    """Product 0 with its details and reviews; 200 whatever the back-ends do.

    Calls are made in upstream's order: details, then FLOOD_FACTOR discarded reviews
    calls, then the reviews call that is shown. The query string is ignored.
    """
    rt = runtime()
    backends = rt.backends
    user = current_user()
    headers = outbound_headers(request.headers, user, rt.config.export_spans)
    details = backends.details.fetch(PRODUCT["id"], headers)
    for _ in range(rt.config.flood_factor):
        backends.reviews.fetch(PRODUCT["id"], headers)
    reviews = backends.reviews.fetch(PRODUCT["id"], headers)
    return render_template(
        "productpage.html",
        product=PRODUCT,
        user=user,
        details=DetailsView.of(details, backends.details.unavailable_message),
        reviews=ReviewsView.of(reviews, backends.reviews.unavailable_message),
    )
