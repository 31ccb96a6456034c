"""The ratings timeout: 10 s when STAR_COLOR is black, else 2.5 s
(docs/upstream-behaviour.md#reviews-environment-and-versions,
docs/upstream-behaviour.md#what-the-page-shows-when-a-back-end-fails).

A local ratings stand-in that never answers; reviews must give up on its own and
still answer 200 with the ratings error. Bounds are generous for a loaded machine.
"""
from __future__ import annotations

import time

import pytest

from tests.support.stub_server import Reply, StubServer

from .conftest import reviews_app
from .test_api import UNAVAILABLE, body

pytestmark = pytest.mark.slow  # waits out the 2.5 s and 10 s ratings timeouts


@pytest.fixture(scope="module")
def silent_ratings():
    server = StubServer(Reply(delay=None))
    yield server
    server.close()


@pytest.mark.parametrize("color, timeout", [("red", 2.5), ("black", 10.0)])
def test_reviews_gives_up_on_a_silent_ratings(silent_ratings, color, timeout):
    client = reviews_app(silent_ratings, ENABLE_RATINGS="true", STAR_COLOR=color).test_client()
    started = time.monotonic()
    response = client.get("/reviews/0")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.data == body("null", UNAVAILABLE, UNAVAILABLE)
    assert timeout - 0.1 <= elapsed < timeout + 3.0


def test_red_reviews_still_waits_for_a_slow_but_timely_ratings(stand_in):
    stand_in.answer = Reply(body=b'{"id":0,"ratings":{"Reviewer1":1,"Reviewer2":2}}', delay=1.0)
    client = reviews_app(stand_in, ENABLE_RATINGS="true", STAR_COLOR="red").test_client()
    assert b'"stars": 1' in client.get("/reviews/0").data
