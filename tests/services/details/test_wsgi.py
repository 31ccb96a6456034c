"""details under gunicorn, as the image runs it: real sockets, real process."""
from __future__ import annotations

import pytest
import requests

from tests.support.processes import ServiceProcess

from .test_api import DETAILS_0


@pytest.fixture(scope="module")
def details():
    with ServiceProcess("details") as process:
        yield process


def test_gunicorn_serves_details_v1(details):
    response = requests.get(details.url + "/details/0", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.content == DETAILS_0


def test_encoded_space_before_the_id_is_accepted(details):
    assert requests.get(details.url + "/details/%205", timeout=5).json()["id"] == 5


def test_bad_configuration_exits_3_with_one_line_naming_the_variable():
    process = ServiceProcess("details", {"GOOGLE_BOOKS_BASE_URL": "ftp://nowhere"}, expect_health=None)
    assert process.proc.wait(timeout=30) == 3
    output = process.output()
    assert len([line for line in output.splitlines() if "GOOGLE_BOOKS_BASE_URL" in line]) == 1
    assert "Traceback" not in output
