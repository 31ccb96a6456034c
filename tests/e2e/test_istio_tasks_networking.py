"""The istio.io traffic-management tasks (Istio API), automated against one local stack.

Each test is one task of istio.io (request routing, fault injection, traffic shifting,
request timeouts) or one manifest of ``networking/`` the docs point to, checked the way
istio.io's test scripts check it: the exact ``kubectl apply`` lines, then substrings of
pages fetched through the gateway, anonymously or logged in as the scripts log in.

The stack runs ``platform/kube/bookinfo.yaml``; every test starts from istio.io's
standard setup (``bookinfo-gateway.yaml`` and ``destination-rule-all.yaml`` applied on
top) and ends with ``bookinfo reset``, so a failed task cannot leak routes into the next.
"""
from __future__ import annotations

import pytest
import requests
from pymongo import MongoClient

from tests.support.bookinfo_client import (assert_delayed_page_keeps_black_stars,
                                           assert_reviews_timed_out_twice, ratings_delay_2s,
                                           DETAILS_UNAVAILABLE, RATINGS_UNAVAILABLE, REQUEST_TIMEOUT,
                                           REVIEWS_UNAVAILABLE, STAR, TITLE, Page, anonymous_pages,
                                           product_page, reviews_versions, sample_with_share)
from tests.support.runner import REPO, RunningStack

MANIFESTS = ("platform/kube/bookinfo.yaml",)  # the stack's base (tests/e2e/conftest.py)
NETWORKING = REPO / "networking"
KUBE = REPO / "platform" / "kube"
STANDARD_SETUP_LINES = [
    "gateway.networking.istio.io/bookinfo-gateway created",
    "virtualservice.networking.istio.io/bookinfo created",
    "destinationrule.networking.istio.io/productpage created",
    "destinationrule.networking.istio.io/reviews created",
    "destinationrule.networking.istio.io/ratings created",
    "destinationrule.networking.istio.io/details created",
]
ALL_V1_LINES = [f"virtualservice.networking.istio.io/{name} created"
                for name in ("productpage", "reviews", "ratings", "details")]
REVIEWS_CONFIGURED = ["virtualservice.networking.istio.io/reviews configured"]
RATINGS_CONFIGURED = ["virtualservice.networking.istio.io/ratings configured"]
# The request-timeouts task's inline objects, applied as `kubectl apply -f - <<EOF` does.
REVIEWS_V2 = """\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
    - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v2
"""
RATINGS_DELAY_2S = ratings_delay_2s("v1")
REVIEWS_V2_TIMEOUT = REVIEWS_V2 + "    timeout: 0.5s\n"

# What istio.io's scripts expect of `kubectl get virtualservices -o yaml` after all-v1,
# and of `kubectl get virtualservice ratings -o yaml` after the delay (verify.sh's
# `_verify_elided`: each block between `...` lines appears verbatim, in order).
ALL_V1_ELIDED = "...\n".join(f"""\
- apiVersion: networking.istio.io/v1
  kind: VirtualService
...
  spec:
    hosts:
    - {name}
    http:
    - route:
      - destination:
          host: {name}
          subset: v1
""" for name in ("details", "productpage", "ratings", "reviews"))
RATINGS_DELAY_ELIDED = """\
apiVersion: networking.istio.io/v1
kind: VirtualService
...
spec:
  hosts:
  - ratings
  http:
  - fault:
      delay:
        fixedDelay: 7s
        percentage:
          value: 100
    match:
    - headers:
        end-user:
          exact: jason
    route:
    - destination:
        host: ratings
        subset: v1
  - route:
    - destination:
        host: ratings
        subset: v1
"""


@pytest.fixture
def mesh(stack: RunningStack):
    """istio.io's standard setup on the running stack; ``bookinfo reset`` afterwards."""
    assert stack.apply(NETWORKING / "bookinfo-gateway.yaml",
                       NETWORKING / "destination-rule-all.yaml") == STANDARD_SETUP_LINES
    yield stack
    reset = stack.run("reset")
    assert (reset.returncode, reset.stdout) == (0, "All applied objects were removed.\n"), reset.stderr


def assert_elided(expected: str, output: str) -> None:
    """verify.sh's ``_verify_elided``: the ``...``-separated blocks occur in order, verbatim."""
    position = 0
    for block in expected.split("...\n"):
        found = output.find(block, position)
        assert found >= 0, f"not found after offset {position}:\n{block}\nin:\n{output}"
        position = found + len(block)


def test_standard_setup_serves_the_page_and_lists_its_objects(mesh):
    page = product_page(mesh.url)
    assert page.status == 200 and TITLE in page.text
    assert "bookinfo-gateway" in mesh.run("get", "gateway").stdout
    rules = mesh.run("get", "destinationrules", "-o", "yaml").stdout
    for name in ("productpage", "reviews", "ratings", "details"):
        assert f"    name: {name}\n" in rules


def test_request_routing(mesh):
    assert mesh.apply(NETWORKING / "virtual-service-all-v1.yaml") == ALL_V1_LINES
    assert_elided(ALL_V1_ELIDED, mesh.run("get", "virtualservices", "-o", "yaml").stdout)
    assert all(page.star_color is None and page.reviews_version == "v1"
               for page in anonymous_pages(mesh.url, 10))

    assert mesh.apply(NETWORKING / "virtual-service-reviews-test-v2.yaml") == REVIEWS_CONFIGURED
    for _ in range(3):
        jason = product_page(mesh.url, user="jason")
        assert jason.star_color == "black" and jason.reviews_version == "v2"
        assert STAR not in product_page(mesh.url, user="alice").text
    assert all(STAR not in page.text for page in anonymous_pages(mesh.url, 10))


def test_fault_injection_delay_times_out_jason_reviews(mesh):
    assert mesh.apply(NETWORKING / "virtual-service-all-v1.yaml",
                      NETWORKING / "virtual-service-reviews-test-v2.yaml",
                      NETWORKING / "virtual-service-ratings-test-delay.yaml") \
        == ALL_V1_LINES + REVIEWS_CONFIGURED + RATINGS_CONFIGURED
    assert_elided(RATINGS_DELAY_ELIDED, mesh.run("get", "virtualservice", "ratings", "-o", "yaml").stdout)
    # productpage gives reviews 3 s twice; reviews v2 waits 10 s for the 7 s delay.
    jason = product_page(mesh.url, user="jason")
    assert jason.status == 200 and REVIEWS_UNAVAILABLE in jason.text
    assert "Error fetching product reviews" in jason.text
    assert 5.0 <= jason.seconds <= 8.0, jason.seconds
    anonymous = product_page(mesh.url)
    assert REVIEWS_UNAVAILABLE not in anonymous.text and anonymous.reviews_version == "v1"
    assert anonymous.seconds < 3.0, anonymous.seconds


def test_fault_injection_delay_under_reviews_v3_ends_at_its_ratings_timeout(mesh):
    """The task's suggested fix: reviews v3 waits 2.5 s for ratings, less than the 3 s
    productpage gives reviews, so jason sees the ratings error instead of no reviews."""
    assert mesh.apply(NETWORKING / "virtual-service-all-v1.yaml",
                      NETWORKING / "virtual-service-reviews-v3.yaml",
                      NETWORKING / "virtual-service-ratings-test-delay.yaml") \
        == ALL_V1_LINES + REVIEWS_CONFIGURED + RATINGS_CONFIGURED
    jason = product_page(mesh.url, user="jason")
    assert RATINGS_UNAVAILABLE in jason.text and REVIEWS_UNAVAILABLE not in jason.text
    assert jason.reviews_version == "v3" and 2.4 <= jason.seconds < 4.5, jason.seconds
    assert product_page(mesh.url).star_color == "red"


def test_fault_injection_abort_fails_jason_ratings_only(mesh):
    assert mesh.apply(NETWORKING / "virtual-service-all-v1.yaml",
                      NETWORKING / "virtual-service-reviews-test-v2.yaml",
                      NETWORKING / "virtual-service-ratings-test-abort.yaml") \
        == ALL_V1_LINES + REVIEWS_CONFIGURED + RATINGS_CONFIGURED
    jason = product_page(mesh.url, user="jason")
    assert RATINGS_UNAVAILABLE in jason.text and STAR not in jason.text
    assert jason.reviews_version == "v2" and jason.seconds < 3.0, jason.seconds
    assert RATINGS_UNAVAILABLE not in product_page(mesh.url).text


def test_traffic_shifting_from_v1_to_v3(mesh):
    def red(page: Page) -> bool:
        return page.star_color == "red"

    assert mesh.apply(NETWORKING / "virtual-service-all-v1.yaml") == ALL_V1_LINES
    assert reviews_versions(sample_with_share(mesh.url, red, 0, 9)) == {"v1"}
    assert mesh.apply(NETWORKING / "virtual-service-reviews-50-v3.yaml") == REVIEWS_CONFIGURED
    assert reviews_versions(sample_with_share(mesh.url, red, 41, 59)) == {"v1", "v3"}
    assert mesh.apply(NETWORKING / "virtual-service-reviews-v3.yaml") == REVIEWS_CONFIGURED
    assert reviews_versions(sample_with_share(mesh.url, red, 91, 100)) == {"v3"}


def test_weighted_reviews_splits(mesh):
    """The traffic-shifting task's other manifests, each counted as the task counts."""
    def colored(color: str):
        return lambda page: page.star_color == color

    assert mesh.apply(NETWORKING / "virtual-service-all-v1.yaml",
                      NETWORKING / "virtual-service-reviews-80-20.yaml") == ALL_V1_LINES + REVIEWS_CONFIGURED
    assert reviews_versions(sample_with_share(mesh.url, colored("black"), 11, 29)) == {"v1", "v2"}
    assert mesh.apply(NETWORKING / "virtual-service-reviews-90-10.yaml") == REVIEWS_CONFIGURED
    assert reviews_versions(sample_with_share(mesh.url, colored("black"), 1, 19)) == {"v1", "v2"}
    assert mesh.apply(NETWORKING / "virtual-service-reviews-v2-v3.yaml") == REVIEWS_CONFIGURED
    assert reviews_versions(sample_with_share(mesh.url, colored("red"), 41, 59)) == {"v2", "v3"}


def test_jason_to_v2_everyone_else_to_v3(mesh):
    assert mesh.apply(NETWORKING / "virtual-service-all-v1.yaml",
                      NETWORKING / "virtual-service-reviews-jason-v2-v3.yaml") == ALL_V1_LINES + REVIEWS_CONFIGURED
    for _ in range(3):
        assert product_page(mesh.url, user="jason").star_color == "black"
    assert {page.star_color for page in anonymous_pages(mesh.url, 10)} == {"red"}


def test_request_timeouts(mesh):
    mesh.apply(NETWORKING / "virtual-service-all-v1.yaml")
    assert mesh.apply("-", stdin=REVIEWS_V2) == REVIEWS_CONFIGURED
    assert mesh.apply("-", stdin=RATINGS_DELAY_2S) == RATINGS_CONFIGURED
    assert_delayed_page_keeps_black_stars(mesh.url)

    assert mesh.apply("-", stdin=REVIEWS_V2_TIMEOUT) == REVIEWS_CONFIGURED
    # Envoy ends each reviews attempt at 0.5 s; productpage tries twice: about 1 s.
    assert_reviews_timed_out_twice(mesh.url)


def test_details_abort_555(mesh):
    assert mesh.apply(NETWORKING / "fault-injection-details-v1.yaml") == [
        "virtualservice.networking.istio.io/details created",
        "destinationrule.networking.istio.io/details configured"]
    page = product_page(mesh.url)
    assert page.status == 200 and "Error fetching product details" in page.text
    assert DETAILS_UNAVAILABLE in page.text
    # productpage's API hands the details status through: the abort code itself.
    assert requests.get(f"{mesh.url}/api/v1/products/0", timeout=REQUEST_TIMEOUT).status_code == 555


@pytest.mark.db
def test_ratings_from_mongodb(mesh):
    assert mesh.apply(KUBE / "bookinfo-ratings-v2.yaml", KUBE / "bookinfo-db.yaml") == [
        "serviceaccount/bookinfo-ratings-v2 created", "deployment.apps/ratings-v2 created",
        "service/mongodb created", "deployment.apps/mongodb-v1 created"]
    assert mesh.apply(NETWORKING / "virtual-service-ratings-db.yaml") == [
        "virtualservice.networking.istio.io/reviews created",
        "virtualservice.networking.istio.io/ratings created"]
    page = product_page(mesh.url)
    assert TITLE in page.text and page.star_color == "red" and page.text.count(STAR) == 5 + 4
    # The stars come from the database: change Reviewer1's seeded 5 to 1 and look again.
    pods = {pod["deployment"]: pod for pod in mesh.state()["pods"]}
    assert "ratings-v2" in pods
    mongodb = pods["mongodb-v1"]
    with MongoClient(f"mongodb://127.0.0.1:{mongodb['port']}/?directConnection=true",
                     serverSelectionTimeoutMS=10_000) as client:
        changed = client["test"]["ratings"].update_one({"rating": 5}, {"$set": {"rating": 1}})
    assert changed.modified_count == 1
    assert product_page(mesh.url).text.count(STAR) == 1 + 4


def test_delete_and_reset_return_to_the_standard_setup(mesh):
    mesh.apply(NETWORKING / "virtual-service-all-v1.yaml")
    deleted = mesh.run("delete", "-f", NETWORKING / "virtual-service-all-v1.yaml")
    assert deleted.returncode == 0 and deleted.stdout.splitlines() == [
        f'virtualservice.networking.istio.io "{name}" deleted'
        for name in ("productpage", "reviews", "ratings", "details")]
    assert reviews_versions(anonymous_pages(mesh.url, 30)) == {"v1", "v2", "v3"}

    mesh.apply(NETWORKING / "virtual-service-reviews-v3.yaml")
    reset = mesh.run("reset")
    assert reset.returncode == 0
    listed = mesh.run("get", "virtualservices")
    assert (listed.stdout, listed.stderr) == ("", "No resources found in default namespace.\n")
    # The gateway's routes went with everything else: the page is no longer exposed.
    assert product_page(mesh.url).status == 404
    assert mesh.apply(NETWORKING / "bookinfo-gateway.yaml", NETWORKING / "destination-rule-all.yaml") \
        == STANDARD_SETUP_LINES
    assert reviews_versions(anonymous_pages(mesh.url, 30)) == {"v1", "v2", "v3"}
