"""The id as a JAX-RS ``int`` path parameter: Java ``Integer.valueOf``
(docs/upstream-behaviour.md#reviews-endpoints-and-body, docs/compatibility.md#reviews)."""
from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from reviews.product_id import parse_java_int


@pytest.mark.parametrize("path, id_text", [
    ("/reviews/0", "0"), ("/reviews/007", "7"), ("/reviews/+4", "4"), ("/reviews/-3", "-3"),
    ("/reviews/-0", "0"), ("/reviews/2147483647", "2147483647"), ("/reviews/-2147483648", "-2147483648"),
    ("/reviews/%31", "1"), ("/reviews/%D9%A3", "3"),  # Arabic-Indic three: Java accepts Unicode digits
])
def test_valid_ids_are_echoed_as_strings(v1, path, id_text):
    response = v1.get(path)
    assert response.status_code == 200
    assert response.json["id"] == id_text


@pytest.mark.parametrize("path", [
    "/reviews/abc", "/reviews/2147483648", "/reviews/-2147483649", "/reviews/3000000000",
    "/reviews/1.5", "/reviews/0x10", "/reviews/1_000", "/reviews/%201", "/reviews/1%20",
    "/reviews/+", "/reviews/--1", "/reviews/1e3",
])
def test_invalid_ids_are_404_with_empty_body(v1, path):
    response = v1.get(path)
    assert response.status_code == 404
    assert response.data == b""


def test_a_trailing_newline_is_not_a_digit():
    with pytest.raises(NotFound):
        parse_java_int("1\n")
