"""gunicorn with the shared settings: SIGTERM lets the request in flight finish.

reviews v2 is held on a slow ratings call when its gunicorn gets SIGTERM (what a pod
deletion sends); the request must still complete with 200 and the server exit cleanly,
while new connections are refused.
"""
from __future__ import annotations

import os
import signal
import threading

import pytest
import requests

from tests.support.net import wait_until
from tests.support.processes import ServiceProcess
from tests.support.stub_server import Reply, StubServer

pytestmark = pytest.mark.slow  # a request held for 2 s through a shutdown

RATINGS_BODY = b'{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}'


@pytest.fixture
def slow_ratings():
    server = StubServer(Reply(body=RATINGS_BODY, delay=2.0))
    yield server
    server.close()


def test_sigterm_finishes_the_request_in_flight_then_exits(slow_ratings):
    reviews = ServiceProcess("reviews", {
        "ENABLE_RATINGS": "true", "STAR_COLOR": "black",
        "RATINGS_HOSTNAME": "127.0.0.1", "RATINGS_SERVICE_PORT": str(slow_ratings.port)})
    try:
        answer: dict = {}
        caller = threading.Thread(target=lambda: answer.update(
            response=requests.get(reviews.url + "/reviews/0", timeout=20)))
        caller.start()
        wait_until(lambda: len(slow_ratings.requests()) == 1, timeout=10,
                   what="reviews to call ratings")
        os.kill(reviews.proc.pid, signal.SIGTERM)  # the container runtime signals PID 1 only
        wait_until(lambda: _refuses(reviews.url), timeout=10, what="the listener to close")
        caller.join(timeout=20)
        response = answer["response"]
        assert response.status_code == 200
        assert response.json()["reviews"][0]["rating"] == {"stars": 5, "color": "black"}
        assert reviews.proc.wait(timeout=20) == 0
    finally:
        reviews.stop()


def _refuses(url: str) -> bool:
    try:
        requests.get(url + "/health", timeout=1)
    except requests.ConnectionError:
        return True
    return False
