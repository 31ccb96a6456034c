"""The JSON API: exact shapes, status mirroring and fixed error bodies
(docs/upstream-behaviour.md#productpage-json-api)."""
import pytest

from productpage.app import create_app
from productpage.config import Config
from tests.support.stub_server import Reply

from .stub_backend import REVIEWS_RATINGS_DOWN

DETAILS_ERROR = b'{"error": "Sorry, product details are currently unavailable for this book."}'
REVIEWS_ERROR = b'{"error": "Sorry, product reviews are currently unavailable for this book."}'
RATINGS_ERROR = b'{"error": "Sorry, product ratings are currently unavailable for this book."}'


def test_product_list_exact_bytes(client):
    response = client.get("/api/v1/products")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    assert response.data == (
        b'[{"id": 0, "title": "The Comedy of Errors", "descriptionHtml": "<a href=\\"https://en.wikipedia.org/'
        b'wiki/The_Comedy_of_Errors\\">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William '
        b"Shakespeare's</b> early plays. It is his shortest and one of his most farcical comedies, with a "
        b'major part of the humour coming from slapstick and mistaken identity, in addition to puns and word '
        b'play."}]')


def test_details_reserialised_with_spaces_and_key_order_kept(client):
    response = client.get("/api/v1/products/0")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    assert response.data == (
        b'{"id": 0, "author": "William Shakespeare", "year": 1595, "type": "paperback", "pages": 200, '
        b'"publisher": "PublisherA", "language": "English", "ISBN-10": "1234567890", "ISBN-13": "123-1234567890"}')


def test_reviews_reserialised(client, stub):
    stub.reply("/reviews/0", Reply(body=REVIEWS_RATINGS_DOWN))
    body = client.get("/api/v1/products/0/reviews").data
    assert body.startswith(b'{"id": "0", "podname": "reviews-v3-abc", "clustername": "null", "reviews": '
                           b'[{"reviewer": "Reviewer1", "text": "An extremely')
    assert body.endswith(b'"rating": {"error": "Ratings service is currently unavailable"}}]}')


def test_ratings_proxied_directly(client, stub):
    assert client.get("/api/v1/products/0/ratings").data == b'{"id": 0, "ratings": {"Reviewer1": 5, "Reviewer2": 4}}'
    assert [c.path for c in stub.requests()] == ["/ratings/0"]


@pytest.mark.parametrize("route, path, error", [
    ("/api/v1/products/abc", "/details/abc", DETAILS_ERROR),
    ("/api/v1/products/abc/reviews", "/reviews/abc", REVIEWS_ERROR),
    ("/api/v1/products/abc/ratings", "/ratings/abc", RATINGS_ERROR),
])
@pytest.mark.parametrize("status", [400, 404, 503, 555])
def test_backend_status_mirrored_with_the_fixed_error(client, stub, route, path, error, status):
    stub.reply(path, Reply(status, b'{"error":"whatever the back-end said"}'))
    response = client.get(route)
    assert (response.status_code, response.data) == (status, error)
    assert response.headers["Content-Type"] == "application/json"


def test_unreachable_backend_is_500(stub):
    client = create_app(Config.from_environ({**stub.env, "RATINGS_SERVICE_PORT": "1"})).test_client()
    response = client.get("/api/v1/products/0/ratings")
    assert (response.status_code, response.data) == (500, RATINGS_ERROR)


@pytest.mark.parametrize("body", [b"<html>oops</html>", b"", b"[" * 100000])
def test_200_that_is_not_json_is_a_failed_call(client, stub, body):
    stub.reply("/details/0", Reply(200, body))
    response = client.get("/api/v1/products/0")
    assert (response.status_code, response.data) == (500, DETAILS_ERROR)


def test_reviews_second_attempt_can_rescue_the_call(client, stub):
    stub.reply("/reviews/0", Reply(503), Reply(200, b'{"id": "0"}'))
    response = client.get("/api/v1/products/0/reviews")
    assert (response.status_code, response.data) == (200, b'{"id": "0"}')
    assert len(stub.requests("/reviews/")) == 2


def test_reviews_status_is_the_last_attempts(client, stub):
    stub.reply("/reviews/0", Reply(503), Reply(404))
    assert client.get("/api/v1/products/0/reviews").status_code == 404
    assert len(stub.requests("/reviews/")) == 2


def test_details_and_ratings_are_tried_once(client, stub):
    stub.reply("/details/0", Reply(503))
    stub.reply("/ratings/0", Reply(503))
    client.get("/api/v1/products/0")
    client.get("/api/v1/products/0/ratings")
    assert len(stub.requests()) == 2


@pytest.mark.parametrize("route, path", [
    ("/api/v1/products/99999999999999999999999999999999", "/details/99999999999999999999999999999999"),
    ("/api/v1/products/-1", "/details/-1"),
    ("/api/v1/products/0x1A", "/details/0x1A"),
    ("/api/v1/products/%205", "/details/%205"),
    ("/api/v1/products/1%3Fx=1", "/details/1%3Fx=1"),
    ("/api/v1/products/a%23b", "/details/a%23b"),
    ("/api/v1/products/%C3%A9", "/details/%C3%A9"),
])
def test_ids_reach_the_backend_as_one_segment(client, stub, route, path):
    assert client.get(route).status_code == 404  # the stub knows only product 0
    assert [c.path for c in stub.requests()] == [path]


@pytest.mark.parametrize("path", ["/api/v1/products/", "/api/v1/products/0/", "/api/v1/products/a/b",
                                  "/api/v1/products/0/stars", "/productpage/"])
def test_unknown_paths_are_werkzeugs_404(client, stub, path):
    response = client.get(path)
    assert response.status_code == 404 and response.content_type.startswith("text/html")
    assert stub.requests() == []


def test_api_never_floods(stub):
    client = create_app(Config.from_environ({**stub.env, "FLOOD_FACTOR": "5"})).test_client()
    client.get("/api/v1/products/0/reviews")
    assert len(stub.requests("/reviews/")) == 1


def test_oversized_body_is_413(client):
    assert client.post("/login", data={"username": "x" * (65 * 1024)}).status_code == 413
