"""End to end through `bookinfo up`: the page through the gateway, all three reviews
versions, login/logout with `end-user` routing on the ratings hop, `apply`/`delete` on the
running stack, and back-end failures rendered as the contract's error blocks. One stack
for the module; the tests that break workloads run last.

The stack runs the base manifests plus `destination-rule-all.yaml` and
`virtual-service-ratings-test-abort.yaml`: anonymous users see ratings v1 as usual, while
every ratings call made for jason is aborted by Envoy. That makes `end-user` observable:
it must travel productpage -> reviews -> the ratings hop for jason's pages to differ.
"""
from __future__ import annotations

import os
import re

import requests

from tests.support.net import free_port, wait_until
from tests.support.runner import REPO, RunningStack, bookinfo

MANIFESTS = ("platform/kube/bookinfo.yaml", "networking/bookinfo-gateway.yaml",
             "networking/destination-rule-all.yaml", "networking/virtual-service-ratings-test-abort.yaml")
STAR = 'id="glyphicon glyphicon-star"'
RATINGS_DOWN = "Ratings service is currently unavailable"
PODNAME = re.compile(r"reviews-(v[123])-[a-z0-9]{10}-[a-z0-9]{5}")
# Each review names its pod; one page view is served by one reviews pod.
MAX_VIEWS = 30


def view(session: requests.Session, stack: RunningStack) -> tuple[str, str]:
    """(reviews version that served the page, page text)."""
    page = session.get(stack.url + "/productpage", timeout=20)
    assert page.status_code == 200
    versions = set(PODNAME.findall(page.text))
    assert len(versions) == 1, f"expected one reviews pod named on the page, found {versions}"
    return versions.pop(), page.text


def test_up_prints_the_page_url(stack):
    assert f"http://localhost:{stack.port}/productpage" in stack.up_output


def test_up_says_how_to_give_productpage_a_real_session_key(stack):
    assert "FLASK_SECRET_KEY is unset" in stack.up_output
    assert "platform/kube/bookinfo.yaml" in stack.up_output


def test_the_host_keeps_its_port_through_the_gateway(stack):
    """The gateway listens on a port other than 80 (a free one, as `--port 18095`): the
    Host header must reach productpage with that port, or the same-site Referer is never
    honoured after sign-in and a redirect loses the port."""
    came_from = stack.url + "/productpage?u=normal"
    session = requests.Session()
    for response in (session.post(stack.url + "/login", data={"username": "ann"},
                                  headers={"Referer": came_from}, allow_redirects=False, timeout=20),
                     session.get(stack.url + "/logout", headers={"Referer": came_from},
                                 allow_redirects=False, timeout=20)):
        assert response.status_code == 302
        assert response.headers["Location"] == came_from
    moved = requests.get(stack.url + "/static//css/bookinfo.css", allow_redirects=False, timeout=20)
    assert moved.status_code == 308
    assert moved.headers["Location"] == stack.url + "/static/css/bookinfo.css"


def test_the_page_comes_through_the_gateway(stack):
    page = requests.get(stack.url + "/productpage", timeout=20)
    assert page.status_code == 200
    assert "<title>Simple Bookstore App</title>" in page.text
    assert "The Comedy of Errors" in page.text and "Book Details" in page.text
    # Only the five routes of the gateway's VirtualService are exposed.
    assert requests.get(stack.url + "/health", timeout=20).status_code == 404


def test_each_view_is_balanced_across_the_three_reviews_versions(stack):
    seen: dict[str, str] = {}
    session = requests.Session()
    for _ in range(MAX_VIEWS):
        version, text = view(session, stack)
        seen.setdefault(version, text)
        if len(seen) == 3:
            break
    assert sorted(seen) == ["v1", "v2", "v3"]
    assert STAR not in seen["v1"]
    assert seen["v2"].count(STAR) == 9 and "text-black-500" in seen["v2"]  # 5 + 4 stars
    assert seen["v3"].count(STAR) == 9 and "text-red-500" in seen["v3"]


def test_login_sends_end_user_which_the_ratings_route_matches_then_logout(stack):
    session = requests.Session()
    page = session.post(stack.url + "/login", data={"username": "jason", "passwd": "x"},
                        headers={"Referer": stack.url + "/productpage"}, timeout=20)
    assert page.status_code == 200 and "jason" in page.text and "Sign out" in page.text
    for _ in range(MAX_VIEWS):
        version, text = view(session, stack)
        if version != "v1":
            break
    assert version in ("v2", "v3")
    # Envoy aborted jason's ratings call, which it can only tell by the end-user header.
    assert RATINGS_DOWN in text and STAR not in text

    page = session.get(stack.url + "/logout", headers={"Referer": stack.url + "/productpage"},
                       timeout=20)
    assert page.status_code == 200 and "jason" not in page.text and "Sign in" in page.text
    for _ in range(MAX_VIEWS):
        version, text = view(session, stack)
        if version != "v1":
            break
    assert STAR in text and RATINGS_DOWN not in text


def test_status_lists_every_workload_and_the_url(stack):
    result = bookinfo(stack.home, "status")
    assert result.returncode == 0, result.stdout
    for deployment in ("details-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3",
                       "productpage-v1"):
        assert re.search(rf"^{deployment}\s.*\shealthy$", result.stdout, re.M), result.stdout
    assert f"http://localhost:{stack.port}/productpage" in result.stdout


def test_a_second_up_on_the_same_home_is_refused(stack):
    result = bookinfo(stack.home, "up", "--detach", "--port", free_port())
    assert result.returncode == 1
    assert "already running" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_apply_and_delete_change_the_running_routes_without_a_restart(stack):
    envoy_pid = stack.state()["envoy_pid"]
    applied = bookinfo(stack.home, "apply", "-f", REPO / "networking/virtual-service-reviews-v3.yaml")
    assert applied.returncode == 0 and applied.stdout == "virtualservice.networking.istio.io/reviews created\n"
    session = requests.Session()
    assert {view(session, stack)[0] for _ in range(6)} == {"v3"}
    deleted = bookinfo(stack.home, "delete", "-f", REPO / "networking/virtual-service-reviews-v3.yaml")
    assert deleted.returncode == 0 and 'virtualservice.networking.istio.io "reviews" deleted' in deleted.stdout
    seen = set()
    for _ in range(MAX_VIEWS):
        seen.add(view(session, stack)[0])
        if len(seen) == 3:
            break
    assert seen == {"v1", "v2", "v3"}
    assert stack.state()["envoy_pid"] == envoy_pid


def test_an_applied_deployment_runs_as_a_new_workload_until_deleted(stack):
    manifest = REPO / "platform/kube/bookinfo-details-v2.yaml"
    assert bookinfo(stack.home, "apply", "-f", manifest).returncode == 0
    [pod] = [p for p in stack.state()["pods"] if p["deployment"] == "details-v2"]
    assert pod["env"]["DO_NOT_ENCRYPT"] == "true" and pod["env"]["ENABLE_EXTERNAL_BOOK_SERVICE"] == "true"
    status = bookinfo(stack.home, "status")
    assert re.search(r"^details-v2\s.*\shealthy$", status.stdout, re.M), status.stdout
    assert bookinfo(stack.home, "delete", "-f", manifest).returncode == 0
    assert "details-v2" not in {p["deployment"] for p in stack.state()["pods"]}
    wait_until(lambda: not os.path.exists(f"/proc/{pod['pid']}"), timeout=15, what="details-v2 to stop")


def test_ratings_down_shows_the_ratings_error_in_each_review(stack):
    stack.delete_deployments("ratings-v1")
    session = requests.Session()

    def rated_view_shows_error() -> bool:
        version, text = view(session, stack)
        return version != "v1" and RATINGS_DOWN in text and STAR not in text

    wait_until(rated_view_shows_error, timeout=30, what="a v2/v3 page with the ratings error")
    status = bookinfo(stack.home, "status")
    assert status.returncode == 0 and not re.search(r"^ratings-v1\s", status.stdout, re.M)


def test_details_down_shows_the_details_error_block(stack):
    stack.delete_deployments("details-v1")
    wait_until(lambda: "Error fetching product details" in
               requests.get(stack.url + "/productpage", timeout=20).text,
               timeout=30, what="the details error block")
    page = requests.get(stack.url + "/productpage", timeout=20)
    assert page.status_code == 200
    assert "Sorry, product details are currently unavailable for this book." in page.text
    assert "Book Details" not in page.text


def test_reviews_down_shows_the_reviews_error_block(stack):
    stack.delete_deployments("reviews-v1", "reviews-v2", "reviews-v3")
    wait_until(lambda: "Error fetching product reviews" in
               requests.get(stack.url + "/productpage", timeout=20).text,
               timeout=30, what="the reviews error block")
    page = requests.get(stack.url + "/productpage", timeout=20)
    assert page.status_code == 200
    assert "Sorry, product reviews are currently unavailable for this book." in page.text
    assert "<title>Simple Bookstore App</title>" in page.text
