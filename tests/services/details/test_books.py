"""details v2 against a local server that answers like the Google Books API
(docs/upstream-behaviour.md#details-v2-the-book-service)."""
from __future__ import annotations

import json

import pytest

from details.app import create_app
from details.book import book_from_volume
from details.config import Config
from details.errors import BookServiceError
from tests.support.net import free_port
from tests.support.stub_server import Reply, StubServer

VOLUME = {
    "title": "The Comedy of Errors",
    "authors": ["William Shakespeare", "Someone Else"],
    "publisher": "Courier Corporation",
    "publishedDate": "2002-09-19",
    "industryIdentifiers": [
        {"type": "ISBN_13", "identifier": "9780486424613"},
        {"type": "ISBN_10", "identifier": "0486424618"},
    ],
    "pageCount": 53,
    "printType": "BOOK",
    "language": "en",
}
BOOKS_ANSWER = json.dumps({"kind": "books#volumes", "totalItems": 1,
                           "items": [{"kind": "books#volume", "volumeInfo": VOLUME}]}).encode()
V2_BODY = (b'{"id":7,"author":"William Shakespeare","year":"2002-09-19","type":"paperback",'
           b'"pages":53,"publisher":"Courier Corporation","language":"English",'
           b'"ISBN-10":"0486424618","ISBN-13":"9780486424613"}')


@pytest.fixture(scope="module")
def books():
    server = StubServer(Reply(body=BOOKS_ANSWER))
    yield server
    server.close()


@pytest.fixture
def client(books):
    books.answer = Reply(body=BOOKS_ANSWER)
    books.clear()
    config = Config.from_environ({"ENABLE_EXTERNAL_BOOK_SERVICE": "true", "GOOGLE_BOOKS_BASE_URL": books.url})
    return create_app(config).test_client(use_cookies=False)


def test_v2_maps_the_first_volume(client, books):
    response = client.get("/details/7")
    assert response.status_code == 200
    assert response.data == V2_BODY
    [request] = books.requests()
    assert request.path == "/books/v1/volumes?q=isbn%3A0486424618"


def test_v2_forwards_tracing_headers_but_not_cookie_or_authorization(client, books):
    client.get("/details/0", headers={
        "x-request-id": "req-1", "x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7",
        "x-b3-spanid": "e457b5a2e4d86bd1", "x-b3-sampled": "1", "end-user": "jason",
        "user-agent": "test-agent/1", "traceparent": "00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01",
        "Cookie": "session=secret", "Authorization": "Bearer secret", "b3": "80f198ee56343ba8-e457b5a2e4d86bd1",
    })
    [request] = books.requests()
    assert request.headers["x-request-id"] == "req-1"
    assert request.headers["x-b3-traceid"] == "80f198ee56343ba864fe8b2a57d3eff7"
    assert request.headers["end-user"] == "jason"
    assert request.headers["user-agent"] == "test-agent/1"
    assert request.headers["traceparent"].startswith("00-80f198ee")
    assert "cookie" not in request.headers
    assert "authorization" not in request.headers
    assert "b3" not in request.headers


@pytest.mark.parametrize("reply, message", [
    (Reply(503, b'{"error":{"code":503}}'), "the book service answered with status 503"),
    (Reply(200, b"<html>not json</html>", "text/html"), "the book service did not return the book"),
    (Reply(200, b'{"kind":"books#volumes","totalItems":0}'), "the book service did not return the book"),
    (Reply(200, b'{"items":[]}'), "the book service did not return the book"),
    (Reply(200, b'{"items":[{"volumeInfo":{"authors":[]}}]}'),
     "the book service answered without an author or ISBN"),
    (Reply(200, b'{"items":[{"volumeInfo":{"authors":["A"],"industryIdentifiers":[]}}]}'),
     "the book service answered without an author or ISBN"),
    (Reply(200, b'{"items":[{"volumeInfo":{"authors":["\\ud800"],"industryIdentifiers":'
                b'[{"type":"ISBN_10","identifier":"1"},{"type":"ISBN_13","identifier":"2"}]}}]}'),
     "the book service answered with malformed text"),
])
def test_v2_failures_are_400_with_a_message(client, books, reply, message):
    books.answer = reply
    response = client.get("/details/0")
    assert response.status_code == 400
    assert response.content_type == "application/json"
    assert response.json == {"error": message}


def test_v2_unreachable_book_service_is_400():
    config = Config.from_environ({"ENABLE_EXTERNAL_BOOK_SERVICE": "true",
                                  "GOOGLE_BOOKS_BASE_URL": f"http://127.0.0.1:{free_port()}"})
    response = create_app(config).test_client(use_cookies=False).get("/details/0")
    assert response.status_code == 400
    assert response.json == {"error": "could not reach the book service: ConnectionError"}


def test_v2_still_refuses_non_numeric_ids_without_calling_out(client, books):
    assert client.get("/details/abc").status_code == 400
    assert books.requests() == []


def test_mapping_of_unknown_types_and_missing_optional_fields():
    volume = {"authors": ["A"], "printType": "MAGAZINE", "language": "fr",
              "industryIdentifiers": [{"type": "ISBN_10", "identifier": "x"},
                                      {"type": "ISBN_13", "identifier": "y"}]}
    assert book_from_volume(3, volume) == {
        "id": 3, "author": "A", "year": None, "type": "unknown", "pages": None,
        "publisher": None, "language": "unknown", "ISBN-10": "x", "ISBN-13": "y",
    }


def test_mapping_needs_both_isbns():
    with pytest.raises(BookServiceError):
        book_from_volume(0, {"authors": ["A"], "industryIdentifiers": [{"type": "ISBN_10", "identifier": "x"}]})
