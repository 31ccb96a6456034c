"""The HTML pages and the strings the istio.io tests look for
(docs/upstream-behaviour.md#productpage-the-product-page,
docs/upstream-behaviour.md#what-the-istioio-task-scripts-check)."""
import re

import pytest

from productpage.app import create_app
from productpage.config import Config
from tests.support.stub_server import Reply

from .html_check import html5_problems
from .stub_backend import (REVIEWS_RATINGS_DOWN, REVIEWS_V2, REVIEWS_V3, TEXT1, TEXT2,
                           reviews_body, stars)

TITLE = "<title>Simple Bookstore App</title>"
FILLED = 'id="glyphicon glyphicon-star"'
DETAILS_SORRY = "Sorry, product details are currently unavailable for this book."
REVIEWS_SORRY = "Sorry, product reviews are currently unavailable for this book."


def page(client) -> str:
    response = client.get("/productpage")
    assert response.status_code == 200 and response.content_type == "text/html; charset=utf-8"
    return response.get_data(as_text=True)


def star_block(html: str, color: str) -> list[str]:
    """The star blocks of one colour: each a list of its <svg> tags."""
    return re.findall(rf'<div class="flex gap-x-1 text-{color}-500">(.*?)</div>', html, re.S)


def test_health_exact(client):
    response = client.get("/health")
    assert (response.status_code, response.data) == (200, b"Product page is healthy")
    assert response.content_type == "text/html; charset=utf-8"


@pytest.mark.parametrize("path", ["/", "/index.html"])
def test_landing_page_describes_productpage_at_its_root(client, stub, path):
    html = client.get(path, base_url="http://bookinfo.example:9080").get_data(as_text=True)
    assert TITLE in html and not html5_problems(html)
    assert "Hello! This is a simple bookstore application consisting of three services" in html
    root = re.search(r"<th>name</th><td>(.*?)</td></tr>\s*<tr><th>endpoint</th><td>(.*?)</td>", html)
    assert root.groups() == ("http://bookinfo.example:9080", "productpage")
    assert f"<td>http://127.0.0.1:{stub.port}</td>" in html and "<td>ratings</td>" in html
    assert 'href="/productpage?u=normal"' in html and 'href="/productpage?u=test"' in html


def test_reviews_v1_no_stars(client, stub):
    html = page(client)
    assert TITLE in html and "BookInfo Sample" in html and "The Comedy of Errors" in html
    assert "<b>William Shakespeare's</b>" in html  # descriptionHtml rendered unescaped
    assert "Book Details" in html and "Book Reviews" in html
    for value in ("ISBN-10", "Publisher", "Pages", "Type", "Language", "1234567890", "PublisherA",
                  "200", "paperback", "English"):
        assert f"<td>{value}</td>" in html or f"<th>{value}</th>" in html
    assert f"<blockquote>\"{TEXT1}\"</blockquote>" in html and f"\"{TEXT2}\"" in html
    assert "Reviewer1" in html and "Reviewer2" in html
    assert "glyphicon" not in html and "Ratings service is currently unavailable" not in html
    assert html.count("Reviews served by: reviews-v1-abc") == 2 and "on cluster" not in html
    assert 'alt="Izzy"' in html
    assert not html5_problems(html)


@pytest.mark.parametrize("body, color", [(REVIEWS_V2, "black"), (REVIEWS_V3, "red")])
def test_stars_v2_black_v3_red(client, stub, body, color):
    stub.reply("/reviews/0", Reply(body=body))
    html = page(client)
    first, second = star_block(html, color)
    assert (first.count(FILLED), first.count("<svg")) == (5, 5)
    assert (second.count(FILLED), second.count("<svg")) == (4, 5)
    assert html.count("glyphicon glyphicon-star") == 9
    assert not html5_problems(html)


def test_ratings_unavailable(client, stub):
    stub.reply("/reviews/0", Reply(body=REVIEWS_RATINGS_DOWN))
    html = page(client)
    assert html.count('<p class="text-red-500">Ratings service is currently unavailable</p>') == 2
    assert "glyphicon" not in html and "Error fetching" not in html


def test_cluster_name_shown_unless_null(client, stub):
    stub.reply("/reviews/0", Reply(body=reviews_body("reviews-v1-abc", cluster="east")))
    assert "Reviews served by: reviews-v1-abc on cluster <span>east</span>" in page(client)


@pytest.mark.parametrize("details, reviews", [
    (Reply(503), Reply(503)),
    (Reply(200, b"not json"), Reply(200, b"[1, 2]")),
    (Reply(200, b"[]"), Reply(200, b'{"id": "0", "reviews": "none"}')),
])
def test_backend_failures_show_both_error_blocks(client, stub, details, reviews):
    stub.reply("/details/0", details)
    stub.reply("/reviews/0", reviews)
    html = page(client)
    assert "Error fetching product details" in html and DETAILS_SORRY in html
    assert "Error fetching product reviews" in html and REVIEWS_SORRY in html
    assert "Book Details" not in html and "Book Reviews" not in html
    assert not html5_problems(html)


def test_unreachable_backends_show_both_error_blocks(stub):
    env = {**stub.env, "DETAILS_SERVICE_PORT": "1", "REVIEWS_SERVICE_PORT": "1"}
    html = page(create_app(Config.from_environ(env)).test_client())
    assert DETAILS_SORRY in html and REVIEWS_SORRY in html


@pytest.mark.parametrize("rating, filled, outline", [
    (', "rating": {"stars": 1000000, "color": "red"}', 5, 0),
    (', "rating": {"stars": "five", "color": "red"}', 0, 0),
    (', "rating": {"stars": 0}', 0, 0),
    (', "rating": 7', 0, 0),
])
def test_odd_ratings_never_break_the_page(client, stub, rating, filled, outline):
    stub.reply("/reviews/0", Reply(body=reviews_body(rating1=rating, rating2=rating)))
    html = page(client)
    assert html.count(FILLED) == 2 * filled and html.count("<svg") - html.count(FILLED) == 2 * outline + 1
    assert "Book Reviews" in html


def test_backend_strings_and_user_name_are_escaped(client, stub):
    evil = "<script>alert(1)</script>"
    stub.reply("/reviews/0", Reply(body=reviews_body(pod=evil.replace("/", "\\/"), cluster="\\\"><b>x",
                                                     rating1=stars(5, 'red" onmouseover="x'))))
    client.post("/login", data={"username": evil})
    html = page(client)
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'onmouseover="x' not in html and "<b>x" not in html
    assert not html5_problems(html)


def test_flood_factor_extra_reviews_calls_before_the_shown_one(stub):
    client = create_app(Config.from_environ({**stub.env, "FLOOD_FACTOR": "3"})).test_client()
    client.get("/productpage")
    assert [c.path for c in stub.requests()] == ["/details/0"] + ["/reviews/0"] * 4


def test_own_stylesheet_and_avatar_served_and_nothing_remote(client):
    html = page(client)
    assert 'href="static/css/bookinfo.css"' in html
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html)
    css = client.get("/static/css/bookinfo.css")
    assert css.status_code == 200 and css.content_type.startswith("text/css") and b".text-red-500" in css.data
    png = client.get("/static/img/izzy.png")
    assert png.status_code == 200 and png.content_type == "image/png" and png.data.startswith(b"\x89PNG")


def test_signed_out_page_has_the_sign_in_dialog(client):
    html = page(client)
    for fragment in ('id="sign-in-button"', '<dialog id="dialog"', 'id="close-dialog"', "Sign in to BookInfo",
                     'method="post" action="login" name="login_form"', 'name="username"', 'name="passwd"'):
        assert fragment in html


def test_unknown_methods_and_paths_are_werkzeug_pages(client):
    assert client.post("/productpage").status_code == 405
    assert client.get("/nothing-here").status_code == 404
