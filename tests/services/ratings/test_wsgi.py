"""ratings under gunicorn: raw URLs, Node's header spelling, and no hang on other methods."""
from __future__ import annotations

import http.client
import socket

import pytest

from tests.support.net import wait_until
from tests.support.processes import ServiceProcess


@pytest.fixture(scope="module")
def ratings():
    with ServiceProcess("ratings") as process:
        yield process


def raw_request(service: ServiceProcess, method: str, target: str, body: bytes | None = None):
    """Send ``target`` byte for byte (no client-side normalisation) and read the answer."""
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
    try:
        connection.request(method, target, body=body)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def test_content_type_is_spelled_as_node_spells_it(ratings):
    status, headers, body = raw_request(ratings, "GET", "/ratings/0")
    assert (status, body) == (200, b'{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}')
    assert ("Content-type", "application/json") in headers


@pytest.mark.parametrize("target, status", [
    ("/ratings/%31", 400), ("/ratings/2?x=1", 200), ("/ratings/2?x=a/b", 400), ("/ratings/0x10", 200),
])
def test_the_id_comes_from_the_raw_url(ratings, target, status):
    assert raw_request(ratings, "GET", target)[0] == status


@pytest.mark.parametrize("method", ["PUT", "DELETE", "OPTIONS", "PATCH"])
def test_other_methods_answer_405_promptly(ratings, method):
    status, headers, body = raw_request(ratings, method, "/ratings/0")
    assert status == 405
    assert body == b'{"error":"Method Not Allowed"}'


def test_post_then_get_across_gunicorn_threads(ratings):
    assert raw_request(ratings, "POST", "/ratings/9", b'{"Reviewer1":2}')[0] == 200
    assert raw_request(ratings, "GET", "/ratings/9")[2] == b'{"id":9,"ratings":{"Reviewer1":2}}'


def test_a_value_too_deep_to_answer_is_refused_and_never_stored(ratings):
    """The probe's poisoning, under the server: ~400 levels stored, then 500 for the
    POST and every later GET of the product until the pod restarted."""
    assert raw_request(ratings, "POST", "/ratings/17", b'{"Reviewer1":3}')[0] == 200
    deep = b"[" * 400 + b"]" * 400
    status, _, body = raw_request(ratings, "POST", "/ratings/17", deep)
    assert (status, body) == (400, b'{"error":"please provide valid ratings JSON"}')
    assert raw_request(ratings, "GET", "/ratings/17")[2] == b'{"id":17,"ratings":{"Reviewer1":3}}'


def exchange(service: ServiceProcess, data: bytes) -> bytes:
    """Send ``data`` on a new connection, say that nothing more comes, and read
    everything until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as connection:
        connection.sendall(data)
        connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize("chunks", [
    b"zz\r\n[1]\r\n0\r\n\r\n",  # a chunk size that is not hexadecimal
    b"2\r\n[1]\r\n0\r\n\r\n",   # a chunk longer than its size: no CRLF where it ends
    b"3\r\n[1]\r\n",            # the body ends before its last chunk
])
def test_a_malformed_chunked_body_is_400_and_the_only_answer(ratings, chunks):
    """The probe's finding: gunicorn's parser error reached the app as a 500."""
    received = exchange(ratings, b"POST /ratings/23 HTTP/1.1\r\nHost: ratings\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\n" + chunks)
    assert received.startswith(b"HTTP/1.1 400 "), received
    assert received.count(b"HTTP/1.1 ") == 1, received
    assert received.endswith(b'\r\n\r\n{"error":"Bad Request"}'), received
    assert raw_request(ratings, "GET", "/ratings/23")[2] == b'{"id":23,"ratings":{"Reviewer1":5,"Reviewer2":4}}'


def test_bad_configuration_exits_3_with_one_line_naming_the_variable():
    process = ServiceProcess("ratings", {"RATINGS_FAULT_PROBABILITY": "2"}, expect_health=None)
    assert process.proc.wait(timeout=30) == 3
    output = process.output()
    assert len([line for line in output.splitlines() if "RATINGS_FAULT_PROBABILITY" in line]) == 1
    assert "Traceback" not in output


@pytest.mark.slow
def test_v_unavailable_phases_hold_across_gunicorn_threads():
    with ServiceProcess("ratings", {"SERVICE_VERSION": "v-unavailable",
                                    "RATINGS_UNAVAILABLE_PERIOD_SECONDS": "1"}) as process:
        wait_until(lambda: raw_request(process, "GET", "/ratings/0")[0] == 503, timeout=10,
                   what="an unavailable phase")
        wait_until(lambda: raw_request(process, "GET", "/ratings/0")[0] == 200, timeout=10,
                   what="an available phase")
        assert raw_request(process, "GET", "/health")[0] == 200
