"""reviews under gunicorn, as the image runs it, calling a real ratings stand-in."""
from __future__ import annotations

import pytest
import requests

from tests.support.processes import ServiceProcess

from .test_api import body, stars


@pytest.fixture(scope="module")
def reviews(ratings):
    env = {"ENABLE_RATINGS": "true", "STAR_COLOR": "red", "HOSTNAME": "reviews-v3-abc",
           "RATINGS_HOSTNAME": "127.0.0.1", "RATINGS_SERVICE_PORT": str(ratings.port)}
    with ServiceProcess("reviews", env) as process:
        yield process


def test_gunicorn_serves_reviews_v3(reviews, stand_in):
    response = requests.get(reviews.url + "/reviews/0", headers={"end-user": "jason"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.content == body("reviews-v3-abc", stars(5, "red"), stars(4, "red"))
    [request] = stand_in.requests()
    assert request.headers["end-user"] == "jason"


def test_bad_configuration_exits_3_with_one_line_naming_the_variable():
    process = ServiceProcess("reviews", {"RATINGS_SERVICE_PORT": "99999"}, expect_health=None)
    assert process.proc.wait(timeout=30) == 3
    output = process.output()
    assert len([line for line in output.splitlines() if "RATINGS_SERVICE_PORT" in line]) == 1
    assert "Traceback" not in output
