"""Upstream's timeouts, measured against a slow back-end with productpage under gunicorn
(docs/upstream-behaviour.md#productpage-back-end-calls-timeouts-and-retry,
docs/upstream-behaviour.md#what-the-page-shows-when-a-back-end-fails):
details gives up after 3 s; reviews tries twice, so about 6 s."""
import time

import pytest
import requests

from tests.support.processes import ServiceProcess
from tests.support.stub_server import Reply

pytestmark = pytest.mark.slow  # waits out the 3 s and 6 s timeouts

SLOW = 4.5  # longer than the 3 s timeout


@pytest.fixture(scope="module")
def productpage(backend):
    with ServiceProcess("productpage", env=backend.env) as process:
        yield process


def timed_page(productpage) -> tuple[float, str]:
    start = time.monotonic()
    response = requests.get(productpage.url + "/productpage", timeout=30)
    elapsed = time.monotonic() - start
    assert response.status_code == 200
    return elapsed, response.text


def test_slow_details_gives_the_error_block_after_3s(productpage, stub):
    stub.reply("/details/0", Reply(body=b"{}", delay=SLOW))
    elapsed, html = timed_page(productpage)
    assert "Error fetching product details" in html and "Book Reviews" in html
    assert 2.8 <= elapsed < 5.5


def test_reviews_slow_twice_gives_the_error_block_after_6s(productpage, stub):
    stub.reply("/reviews/0", Reply(body=b"{}", delay=SLOW))
    elapsed, html = timed_page(productpage)
    assert "Error fetching product reviews" in html and "Book Details" in html
    assert len(stub.requests("/reviews/")) == 2
    assert 5.8 <= elapsed < 9.5
