"""Ruby ``Integer()`` of the last path segment
(docs/upstream-behaviour.md#details-endpoints-and-ids)."""
from __future__ import annotations

import pytest

from details.errors import InvalidProductId
from details.product_id import last_segment, parse_ruby_integer

NUMERIC_ERROR = b'{"error":"please provide numeric product id"}'


@pytest.mark.parametrize("path, expected_id", [
    ("/details/0", 0), ("/details/1", 1), ("/details/-3", -3), ("/details/+4", 4),
    ("/details/0x1A", 26), ("/details/010", 8), ("/details/0b11", 3), ("/details/1_000", 1000),
    ("/details/%205", 5), ("/details/1/2", 2), ("/details/0?x=1", 0),
    ("/details/123456789012345678901234567890", 123456789012345678901234567890),
    ("/details/-0xFFFFFFFFFFFFFFFFFFFF", -0xFFFFFFFFFFFFFFFFFFFF),
    ("/details/1/", 1), ("/details//5", 5),
])
def test_numeric_ids_are_echoed(client, path, expected_id):
    response = client.get(path)
    assert response.status_code == 200
    assert response.json["id"] == expected_id


@pytest.mark.parametrize("path", [
    "/details/abc", "/details", "/details/", "/details/08", "/details/1.5", "/details/1__0",
    "/details/0x", "/details/%00", "/details/1%20%202x",
])
def test_non_numeric_ids_are_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.content_type == "application/json"
    assert response.data == NUMERIC_ERROR


def test_bignums_are_printed_exactly(client):
    digits = "9" * 300
    assert client.get(f"/details/{digits}").data.startswith(b'{"id":' + digits.encode() + b",")


@pytest.mark.parametrize("text, value", [
    ("0", 0), ("-0", 0), ("007", 7), ("0_10", 8), ("0o17", 15), ("0O17", 15), ("0d19", 19),
    ("0X1f", 31), ("0B101", 5), ("0x0_1", 1), ("00", 0), (" \t42\n", 42), ("+0b1_1", 3),
    ("1_2_3", 123),
])
def test_ruby_integer_literals(text, value):
    assert parse_ruby_integer(text) == value


@pytest.mark.parametrize("text", [
    "", " ", "0_", "_1", "1_", "0x_1", "0b2", "0o8", "0_8", "- 1", "+-1", "1e3", "0x1g", "１",
    "1\x00", "0d", "--1",
])
def test_what_ruby_refuses(text):
    with pytest.raises(InvalidProductId):
        parse_ruby_integer(text)


def test_ids_too_large_to_print_are_refused():
    with pytest.raises(InvalidProductId):
        parse_ruby_integer("0x" + "f" * 4000)


@pytest.mark.parametrize("path, segment", [
    ("/details/1/2", "2"), ("/details/1//", "1"), ("/details", "details"), ("/", ""),
])
def test_last_segment_drops_trailing_empty_segments_like_ruby_split(path, segment):
    assert last_segment(path) == segment
