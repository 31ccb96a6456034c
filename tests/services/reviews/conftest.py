"""A local stand-in for ratings per module, and reviews apps pointed at it."""
from __future__ import annotations

import pytest

from reviews.app import create_app
from reviews.config import Config
from tests.support.stub_server import Reply, StubServer

RATINGS_0 = b'{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}'


@pytest.fixture(scope="module")
def ratings():
    server = StubServer(Reply(body=RATINGS_0))
    yield server
    server.close()


@pytest.fixture
def stand_in(ratings):
    """The module's ratings stand-in, answering v1 ratings with nothing recorded."""
    ratings.answer = Reply(body=RATINGS_0)
    ratings.clear()
    return ratings


def reviews_app(ratings: StubServer, **env: str):
    """A reviews app whose ratings service is the stand-in."""
    environ = {"RATINGS_HOSTNAME": "127.0.0.1", "RATINGS_SERVICE_PORT": str(ratings.port), **env}
    return create_app(Config.from_environ(environ))


@pytest.fixture(scope="module")
def v1(ratings):
    return reviews_app(ratings, HOSTNAME="reviews-v1-abc").test_client(use_cookies=False)


@pytest.fixture(scope="module")
def v2(ratings):
    return reviews_app(ratings, HOSTNAME="reviews-v2-abc", ENABLE_RATINGS="true",
                       STAR_COLOR="black").test_client(use_cookies=False)


@pytest.fixture(scope="module")
def v3(ratings):
    return reviews_app(ratings, HOSTNAME="reviews-v3-abc", ENABLE_RATINGS="true",
                       STAR_COLOR="red").test_client(use_cookies=False)
