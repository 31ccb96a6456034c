"""ratings v2 through the database seam, with no database to reach
(docs/upstream-behaviour.md#ratings-routing-and-answers)."""
from __future__ import annotations

import pytest

from tests.support.net import free_port

from .conftest import ratings_client

CONNECT_ERROR = b'{"error":"could not connect to ratings database"}'


@pytest.fixture(scope="module")
def v2():
    port = free_port()
    return ratings_client(SERVICE_VERSION="v2", MONGO_DB_URL=f"mongodb://127.0.0.1:{port}/test")


@pytest.mark.slow
def test_get_without_a_database_is_500_could_not_connect(v2):
    response = v2.get("/ratings/0")
    assert (response.status_code, response.data) == (500, CONNECT_ERROR)
    assert response.headers["Content-type"] == "application/json"


def test_ids_and_bodies_are_checked_before_the_database(v2):
    assert v2.get("/ratings/abc").status_code == 400
    assert v2.post("/ratings/0", data=b"{").status_code == 400


def test_health_does_not_depend_on_the_database(v2):
    assert v2.get("/health").status_code == 200
