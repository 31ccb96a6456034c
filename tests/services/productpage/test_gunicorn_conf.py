"""productpage as its image runs it (``productpage.gunicorn_conf``): two gevent workers.

What the worker class must give: many page views waiting on slow back-ends at once (a
thread pool would queue them), each call carrying its own request's trace context (one
greenlet must never see another's), the shared settings' graceful SIGTERM, and
``WEB_CONCURRENCY`` still honoured.
"""
from __future__ import annotations

import os
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.net import wait_until
from tests.support.otlp_receiver import assert_server_span_exported
from tests.support.processes import ServiceProcess, children_of
from tests.support.stub_server import Reply

from .stub_backend import DETAILS_0, REVIEWS_V1, StubBackend

pytestmark = pytest.mark.slow  # gunicorn with slow back-ends, restarted and stopped

CONFIG = "productpage.gunicorn_conf"
# Each back-end call takes this long, and a page makes two calls one after the other.
CALL_DELAY_SECONDS = 1.0
CONCURRENT_VIEWS = 64
# 64 views of 2 s each finish in ~2 s when all wait at once. A pool of 16 threads (two
# gthread workers of 8, the image's setting before gevent) needs 4 rounds: 8 s.
ALL_VIEWS_DEADLINE_SECONDS = 5.0
# The page view in flight (2 s), the 2 s keep-alive and gevent's 1 s shutdown poll, with
# room for a loaded machine; well under the 30 s graceful timeout it used to wait for.
SHUTDOWN_DEADLINE_SECONDS = 12.0


@pytest.fixture(scope="module")
def slow_backends():
    stub = StubBackend()
    stub.reply("/details/0", Reply(body=DETAILS_0, delay=CALL_DELAY_SECONDS))
    stub.reply("/reviews/0", Reply(body=REVIEWS_V1, delay=CALL_DELAY_SECONDS))
    yield stub
    stub.close()


@pytest.fixture(scope="module")
def productpage(slow_backends):
    with ServiceProcess("productpage", {**slow_backends.env, "FLOOD_FACTOR": "0"},
                        config=CONFIG) as server:
        yield server


def test_a_malformed_chunked_login_body_is_a_400_not_a_500(productpage):
    with socket.create_connection(("127.0.0.1", productpage.port), timeout=10) as connection:
        connection.sendall(b"POST /login HTTP/1.1\r\nHost: productpage\r\nTransfer-Encoding: chunked\r\n"
                           b"Content-Type: application/x-www-form-urlencoded\r\n\r\nzz\r\nusername=x\r\n0\r\n\r\n")
        connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 400 "), received
    assert received.count(b"HTTP/1.1 ") == 1, received


def test_the_image_runs_two_workers(productpage):
    wait_until(lambda: len(children_of(productpage.proc.pid)) == 2, timeout=20,
               what="two gunicorn workers")


def test_web_concurrency_still_sets_the_worker_count(slow_backends):
    with ServiceProcess("productpage", {**slow_backends.env, "WEB_CONCURRENCY": "3"},
                        config=CONFIG) as server:
        wait_until(lambda: len(children_of(server.proc.pid)) == 3, timeout=20,
                   what="three gunicorn workers")


def test_slow_page_views_wait_together_each_with_its_own_trace(productpage, slow_backends):
    trace_ids = [f"{0xb00c0000 + n:032x}" for n in range(CONCURRENT_VIEWS)]

    def view(trace_id: str) -> int:
        headers = {"x-b3-traceid": trace_id, "x-b3-spanid": trace_id[16:], "x-b3-sampled": "1"}
        return requests.get(productpage.url + "/productpage", headers=headers, timeout=30).status_code

    began = time.monotonic()
    with ThreadPoolExecutor(CONCURRENT_VIEWS) as pool:
        statuses = list(pool.map(view, trace_ids))
    elapsed = time.monotonic() - began

    assert statuses == [200] * CONCURRENT_VIEWS
    assert elapsed < ALL_VIEWS_DEADLINE_SECONDS
    for path in ("/details/0", "/reviews/0"):
        seen = sorted((r.header("x-b3-traceid") or b"").decode() for r in slow_backends.requests(path)
                      if (r.header("x-b3-traceid") or b"").decode() in trace_ids)
        # Every view's call carries that view's ids, and only once: no context crossed over.
        assert seen == sorted(trace_ids), path
        for recorded in slow_backends.requests(path):
            trace_id = (recorded.header("x-b3-traceid") or b"").decode()
            if trace_id in trace_ids:
                assert recorded.header("x-b3-spanid") == trace_id[16:].encode()


def test_a_gevent_worker_exports_its_spans(slow_backends):
    """The span exporter's background thread must still run once gevent has patched
    threading in the worker."""
    assert_server_span_exported("productpage", "/productpage", slow_backends.env, CONFIG)


def test_sigterm_finishes_the_page_view_in_flight_then_exits_promptly(slow_backends):
    """A client that keeps its connection open afterwards (as a sidecar's pool does)
    must not hold the worker until the 30 s graceful timeout."""
    server = ServiceProcess("productpage", {**slow_backends.env, "WEB_CONCURRENCY": "1"},
                            config=CONFIG)
    client = requests.Session()
    try:
        answer: dict = {}
        before = len(slow_backends.requests("/details/0"))
        caller = threading.Thread(target=lambda: answer.update(
            response=client.get(server.url + "/productpage", timeout=20)))
        caller.start()
        wait_until(lambda: len(slow_backends.requests("/details/0")) > before, timeout=10,
                   what="productpage to call details")
        os.kill(server.proc.pid, signal.SIGTERM)  # the container runtime signals PID 1 only
        signalled = time.monotonic()
        caller.join(timeout=20)
        response = answer["response"]
        assert response.status_code == 200
        assert "William Shakespeare" in response.text
        assert "Reviewer1" in response.text
        assert server.proc.wait(timeout=20) == 0
        assert time.monotonic() - signalled < SHUTDOWN_DEADLINE_SECONDS
    finally:
        client.close()
        server.stop()
