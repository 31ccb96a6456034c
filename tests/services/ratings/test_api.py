"""ratings v1 over HTTP: the ids of docs/compatibility.md#ratings, POST, and every routing
answer (docs/upstream-behaviour.md#ratings-routing-and-answers)."""
from __future__ import annotations

import pytest

from ratings.javascript import MAX_NESTING_DEPTH

from .conftest import ratings_client

NUMERIC_ERROR = b'{"error":"please provide numeric product ID"}'
DEFAULT = b'{"Reviewer1":5,"Reviewer2":4}'


def ratings_of(product: str, ratings: bytes = DEFAULT) -> bytes:
    return b'{"id":' + product.encode() + b',"ratings":' + ratings + b"}"


@pytest.mark.parametrize("path, product", [
    ("/ratings/0", "0"), ("/ratings/1abc", "1"), ("/ratings/1.5", "1"), ("/ratings/1e3", "1"),
    ("/ratings/007", "7"), ("/ratings/0x10", "16"), ("/ratings/-1", "-1"), ("/ratings/0?x=1", "0"),
    ("/ratings/99999999999999999999", "100000000000000000000"),
    ("/ratings/9999999999999999999999", "1e+22"), ("/ratings/a/5", "5"), ("/ratings//3", "3"),
])
def test_ids_parse_like_parse_int_of_the_raw_url(v1, path, product):
    response = v1.get(path)
    assert response.status_code == 200
    assert response.data == ratings_of(product)


@pytest.mark.parametrize("path", [
    "/ratings/abc", "/ratings/", "/ratings/0/extra", "/ratings/%31", "/ratings/0?x=a/b", "/ratings/" + "1" * 400,
])
def test_non_numeric_ids_are_400(v1, path):
    response = v1.get(path)
    assert response.status_code == 400
    assert response.data == NUMERIC_ERROR


def test_responses_use_nodes_header_spelling(v1):
    response = v1.get("/ratings/0")
    assert [name for name, _ in response.headers if name.lower() == "content-type"] == ["Content-type"]
    assert response.headers["Content-type"] == "application/json"


def test_health(v1):
    response = v1.get("/health")
    assert (response.status_code, response.data) == (200, b'{"status":"Ratings is healthy"}')
    assert response.headers["Content-type"] == "application/json"


@pytest.mark.parametrize("method, path", [
    ("GET", "/health/"), ("GET", "/ratings"), ("GET", "/"), ("GET", "/ratingsX/1"), ("POST", "/health"),
    ("POST", "/ratings"), ("POST", "/other"),
])
def test_unmatched_get_and_post_are_404_with_no_body_and_no_type(v1, method, path):
    response = v1.open(path, method=method)
    assert response.status_code == 404
    assert response.data == b""
    assert "Content-Type" not in response.headers


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
@pytest.mark.parametrize("path", ["/ratings/0", "/health", "/nowhere"])
def test_other_methods_are_405_json_instead_of_a_hang(v1, method, path):
    response = v1.open(path, method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    if method != "HEAD":
        assert response.data == b'{"error":"Method Not Allowed"}'


def test_post_stores_ratings_for_that_id_only():
    client = ratings_client()
    posted = client.post("/ratings/3", data=b'{"Reviewer1":1,"Reviewer2":2}')
    assert (posted.status_code, posted.data) == (200, ratings_of("3", b'{"Reviewer1":1,"Reviewer2":2}'))
    assert posted.headers["Content-type"] == "application/json"
    assert client.get("/ratings/3").data == ratings_of("3", b'{"Reviewer1":1,"Reviewer2":2}')
    assert client.get("/ratings/3abc?x=1").data == ratings_of("3", b'{"Reviewer1":1,"Reviewer2":2}')
    assert client.get("/ratings/4").data == ratings_of("4")


@pytest.mark.parametrize("body, stored", [
    (b"5", b"5"), (b'"x"', b'"x"'), (b"[1,2]", b"[1,2]"), (b' {"b":1, "1":2} ', b'{"1":2,"b":1}'),
    (b'{"Reviewer1":1e21}', b'{"Reviewer1":1e+21}'),
])
def test_any_json_value_is_accepted(body, stored):
    client = ratings_client()
    assert client.post("/ratings/0", data=body, content_type="text/plain").data == ratings_of("0", stored)
    assert client.get("/ratings/0").data == ratings_of("0", stored)


@pytest.mark.parametrize("body", [b"", b"{", b"NaN", b"{'a': 1}", b"\xff"])
def test_invalid_json_is_400(v1, body):
    response = v1.post("/ratings/0", data=body)
    assert response.status_code == 400
    assert response.data == b'{"error":"please provide valid ratings JSON"}'


def nested(depth: int) -> bytes:
    """A JSON value ``depth`` arrays and objects deep, ending in a rating."""
    return b'{"a":[' * (depth // 2) + (b"[5]" if depth % 2 else b"5") + b"]}" * (depth // 2)


def test_values_up_to_the_nesting_limit_are_stored_and_answered():
    client = ratings_client()
    body = nested(MAX_NESTING_DEPTH)
    assert client.post("/ratings/7", data=body).data == ratings_of("7", body)
    assert client.get("/ratings/7").data == ratings_of("7", body)


@pytest.mark.parametrize("depth", [MAX_NESTING_DEPTH + 1, 400, 5000])
def test_deeper_values_are_refused_and_nothing_stored_changes(depth):
    """The probe's poisoning: a value ~400 levels deep was stored, then failed to
    serialise, so the POST and every later GET of that product answered 500."""
    client = ratings_client()
    client.post("/ratings/7", data=b'{"Reviewer1":1}')
    response = client.post("/ratings/7", data=nested(depth))
    assert response.status_code == 400
    assert response.data == b'{"error":"please provide valid ratings JSON"}'
    assert client.get("/ratings/7").data == ratings_of("7", b'{"Reviewer1":1}')
    assert client.get("/ratings/8").data == ratings_of("8")


def test_post_with_a_non_numeric_id_is_400_before_the_body_is_read(v1):
    assert v1.post("/ratings/abc", data=b"{").data == NUMERIC_ERROR


def test_oversized_bodies_are_413_json(v1):
    response = v1.post("/ratings/0", data=b"[" + b"1," * 40_000 + b"1]")
    assert response.status_code == 413
    assert response.headers["Content-type"] == "application/json"
    assert response.data == b'{"error":"Request Entity Too Large"}'


def test_stored_products_are_bounded():
    client = ratings_client(RATINGS_MAX_STORED_PRODUCTS="2")
    for product in ("1", "2", "3"):
        client.post(f"/ratings/{product}", data=b"7")
    assert client.get("/ratings/1").data == ratings_of("1")  # the oldest was forgotten
    assert client.get("/ratings/2").data == ratings_of("2", b"7")
    assert client.get("/ratings/3").data == ratings_of("3", b"7")
