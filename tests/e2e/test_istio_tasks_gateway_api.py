"""The istio.io traffic-management tasks in their Gateway API form, on one local stack.

istio.io's Gateway API setup: ``platform/kube/bookinfo.yaml`` (the stack's base), then
``gateway-api/bookinfo-gateway.yaml`` and ``platform/kube/bookinfo-versions.yaml``, the
per-version Services the HTTPRoutes of ``gateway-api/`` send traffic to. Each test starts
from that setup and ends with ``bookinfo reset``.
"""
from __future__ import annotations

import pytest

from tests.support.bookinfo_client import (assert_delayed_page_keeps_black_stars,
                                           assert_reviews_timed_out_twice, ratings_delay_2s,
                                           STAR, TITLE, anonymous_pages,
                                           product_page, reviews_versions, sample_with_share)
from tests.support.runner import REPO, RunningStack

MANIFESTS = ("platform/kube/bookinfo.yaml",)  # the stack's base (tests/e2e/conftest.py)
GATEWAY_API = REPO / "gateway-api"
SETUP_LINES = [
    "gateway.gateway.networking.k8s.io/bookinfo-gateway created",
    "httproute.gateway.networking.k8s.io/bookinfo created",
    *(f"service/{name} created" for name in
      ("reviews-v1", "reviews-v2", "reviews-v3", "productpage-v1", "ratings-v1", "details-v1")),
]
REVIEWS_CREATED = ["httproute.gateway.networking.k8s.io/reviews created"]
REVIEWS_CONFIGURED = ["httproute.gateway.networking.k8s.io/reviews configured"]
# The timeouts task delays ratings with a VirtualService in both forms; without
# DestinationRules (the Gateway API setup has none) it routes to the whole Service.
RATINGS_DELAY_2S = ratings_delay_2s(None)


@pytest.fixture
def mesh(stack: RunningStack):
    """istio.io's Gateway API setup on the running stack; ``bookinfo reset`` afterwards."""
    assert stack.apply(GATEWAY_API / "bookinfo-gateway.yaml",
                       REPO / "platform/kube/bookinfo-versions.yaml") == SETUP_LINES
    yield stack
    assert stack.run("reset").returncode == 0


def test_setup_serves_the_page_through_the_gateway_api_gateway(mesh):
    page = product_page(mesh.url)
    assert page.status == 200 and TITLE in page.text
    assert "bookinfo-gateway" in mesh.run("get", "gateway").stdout
    assert reviews_versions(anonymous_pages(mesh.url, 30)) == {"v1", "v2", "v3"}


def test_wait_for_the_gateway_to_be_programmed_as_the_setup_page_does(mesh):
    waited = mesh.run("wait", "--for=condition=programmed", "gtw", "bookinfo-gateway")
    assert waited.returncode == 0, waited.stderr
    assert waited.stdout == "gateway.gateway.networking.k8s.io/bookinfo-gateway condition met\n"
    [row] = mesh.run("get", "gtw").stdout.splitlines()[1:]
    assert row.split()[:4] == ["bookinfo-gateway", "istio", "127.0.0.1", "True"]
    route = mesh.run("get", "httproute", "bookinfo", "-o",
                     'jsonpath={range .status.parents[*].conditions[*]}{.type}={.status} {end}')
    assert route.stdout == "Accepted=True ResolvedRefs=True "
    missing = mesh.run("wait", "--for=condition=programmed", "gtw", "no-such-gateway", "--timeout=1s")
    assert missing.returncode == 1
    assert missing.stderr == ('Error from server (NotFound): gateways.gateway.networking.k8s.io '
                              '"no-such-gateway" not found\n')


def test_request_routing(mesh):
    assert mesh.apply(GATEWAY_API / "route-reviews-v1.yaml") == REVIEWS_CREATED
    assert all(page.star_color is None and page.reviews_version == "v1"
               for page in anonymous_pages(mesh.url, 10))
    assert mesh.apply(GATEWAY_API / "route-reviews-test-v2.yaml") == REVIEWS_CONFIGURED
    for _ in range(3):
        jason = product_page(mesh.url, user="jason")
        assert jason.star_color == "black" and jason.reviews_version == "v2"
        assert STAR not in product_page(mesh.url, user="alice").text
    assert all(STAR not in page.text for page in anonymous_pages(mesh.url, 10))


def test_route_all_v1_names_its_four_routes(mesh):
    assert mesh.apply(GATEWAY_API / "route-all-v1.yaml") == [
        f"httproute.gateway.networking.k8s.io/{name} created"
        for name in ("reviews", "productpage", "ratings", "details")]
    assert reviews_versions(anonymous_pages(mesh.url, 10)) == {"v1"}


def test_traffic_shifting_from_v1_to_v3(mesh):
    def red(page) -> bool:
        return page.star_color == "red"

    assert mesh.apply(GATEWAY_API / "route-reviews-v1.yaml") == REVIEWS_CREATED
    assert reviews_versions(sample_with_share(mesh.url, red, 0, 9)) == {"v1"}
    assert mesh.apply(GATEWAY_API / "route-reviews-50-v3.yaml") == REVIEWS_CONFIGURED
    assert reviews_versions(sample_with_share(mesh.url, red, 41, 59)) == {"v1", "v3"}
    assert mesh.apply(GATEWAY_API / "route-reviews-v3.yaml") == REVIEWS_CONFIGURED
    assert reviews_versions(sample_with_share(mesh.url, red, 91, 100)) == {"v3"}


def test_90_10_split(mesh):
    assert mesh.apply(GATEWAY_API / "route-reviews-90-10.yaml") == REVIEWS_CREATED
    pages = sample_with_share(mesh.url, lambda page: page.star_color == "black", 1, 19)
    assert reviews_versions(pages) == {"v1", "v2"}


def test_request_timeouts(mesh):
    assert mesh.apply(GATEWAY_API / "route-reviews-v2.yaml") == REVIEWS_CREATED
    assert mesh.apply("-", stdin=RATINGS_DELAY_2S) == ["virtualservice.networking.istio.io/ratings created"]
    assert_delayed_page_keeps_black_stars(mesh.url)

    assert mesh.apply(GATEWAY_API / "route-reviews-v2-timeout.yaml") == REVIEWS_CONFIGURED
    # `timeouts.request: 500ms` ends each reviews attempt; productpage tries twice.
    assert_reviews_timed_out_twice(mesh.url)
