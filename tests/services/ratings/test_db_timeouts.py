"""ratings v2 never hangs on its database: a server that accepts connections and never
answers (a hung database) or an unusable address gets the contract's connect error
within the store's timeouts, and ``/health`` stays quick and 200."""
from __future__ import annotations

import socket
import time

import pytest

from tests.support.databases import ROOT_PASSWORD

from .conftest import ratings_client

pytestmark = pytest.mark.slow  # waits out the stores' connect timeouts

CONNECT_ERROR = b'{"error":"could not connect to ratings database"}'
BOUND_SECONDS = 6.0  # connect/handshake timeouts are 1-2 s; slack for a busy machine


@pytest.fixture(scope="module")
def silent_port():
    """A listening socket that never accepts: the kernel completes TCP handshakes, the
    "database" never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield server.getsockname()[1]


@pytest.fixture(scope="module", params=["mysql", "mongo"])
def hung(request, silent_port):
    if request.param == "mysql":
        return ratings_client(SERVICE_VERSION="v2", DB_TYPE="mysql", MYSQL_DB_HOST="127.0.0.1",
                              MYSQL_DB_PORT=str(silent_port), MYSQL_DB_USER="root",
                              MYSQL_DB_PASSWORD=ROOT_PASSWORD)
    return ratings_client(SERVICE_VERSION="v2",
                          MONGO_DB_URL=f"mongodb://127.0.0.1:{silent_port}/test")


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_request_answers_the_connect_error_in_bounded_time(hung):
    response, seconds = timed(lambda: hung.get("/ratings/0"))
    assert (response.status_code, response.data) == (500, CONNECT_ERROR)
    assert seconds < BOUND_SECONDS


def test_health_stays_200_and_quick_while_the_database_hangs(hung):
    response, seconds = timed(lambda: hung.get("/health"))
    assert (response.status_code, response.json) == (
        200, {"status": "Ratings is healthy", "database": "unreachable"})
    assert seconds < 1.5  # inside a probe's default 1 s timeout, plus slack


@pytest.mark.parametrize("url", [None, "", "mongodb://", "mongodb://127.0.0.1:99999/test"])
def test_missing_or_unusable_mongo_url_answers_the_connect_error(url):
    env = {"SERVICE_VERSION": "v2"} | ({} if url is None else {"MONGO_DB_URL": url})
    client = ratings_client(**env)  # starts: upstream starts too, and fails every request
    response, seconds = timed(lambda: client.get("/ratings/0"))
    assert (response.status_code, response.data) == (500, CONNECT_ERROR)
    assert seconds < 0.5  # no server to wait for
    assert client.get("/health").json == {"status": "Ratings is healthy", "database": "unreachable"}
