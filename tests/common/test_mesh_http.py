"""The outbound client: requests' headers, redirects and timeouts; one connection per
call unless reuse is turned on (bookinfo_common.mesh_http)."""
from __future__ import annotations

import gzip
import threading
import time
import zlib

import pytest

from bookinfo_common.mesh_http import CallFailed, MeshHttp, reuse_connections
from bookinfo_common.settings import ConfigError
from tests.support.net import free_port, wait_until
from tests.support.stub_server import Reply, StubServer

BODY = b'{"ok":true}'


def raw_deflate(body: bytes) -> bytes:
    """Deflate without the zlib wrapper, as some servers send it."""
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(body) + compressor.flush()


def answers(port: int) -> dict[str, Reply]:
    """The back-end's answer per path; any other path answers 200 with BODY."""
    return {
        "/redirect": Reply(302, headers=(("Location", "/json"),)),
        "/loop": Reply(302, headers=(("Location", "/loop"),)),
        "/gzip": Reply(body=gzip.compress(BODY), headers=(("Content-Encoding", "gzip"),)),
        "/deflate": Reply(body=zlib.compress(BODY), headers=(("Content-Encoding", "deflate"),)),
        "/raw-deflate": Reply(body=raw_deflate(BODY), headers=(("Content-Encoding", "deflate"),)),
        "/unknown-coding": Reply(body=BODY, headers=(("Content-Encoding", "compress"),)),
        # the same server under another host name
        "/elsewhere": Reply(302, headers=(("Location", f"http://localhost:{port}/json"),)),
        # Keep-alive as far as the client knows, but closed after this answer: what a
        # kept connection looks like once the server's idle timeout ends.
        "/hang-up": Reply(body=BODY, hang_up=True),
        "/slow": Reply(body=BODY, delay=None),  # a back-end that does not answer in time
        "/set-cookie": Reply(body=BODY, headers=(("Set-Cookie", "session=from-the-back-end; Path=/"),)),
        "/to-https": Reply(302, headers=(("Location", f"https://127.0.0.1:{port}/json"),)),
    }


@pytest.fixture(scope="module")
def backend():
    """A keep-alive HTTP/1.1 stub server; each request's client port and headers are recorded."""
    server = StubServer()
    by_path = answers(server.port)
    server.answer = lambda request: by_path.get(request.path, Reply(body=BODY))
    yield server
    server.close()


@pytest.fixture(autouse=True)
def fresh_record(backend):
    backend.clear()


def test_sends_requests_default_headers_and_the_callers(backend):
    answer = MeshHttp().get(backend.url + "/json", {"x-request-id": "r1", "end-user": "jösé".encode()}, 3)
    assert (answer.status, answer.body) == (200, BODY)
    [request] = backend.requests()
    assert request.header("accept") == b"*/*"
    assert request.header("accept-encoding") == b"gzip, deflate"
    assert request.header("connection") == b"keep-alive"
    assert request.header("user-agent").startswith(b"python-requests/")
    assert request.header("x-request-id") == b"r1"
    assert request.header("end-user") == "jösé".encode()  # the bytes given, unchanged


def test_an_incoming_user_agent_replaces_the_default(backend):
    MeshHttp().get(backend.url + "/json", {"user-agent": "curl/8"}, 3)
    assert backend.requests()[0].header("user-agent") == b"curl/8"


def test_a_new_connection_per_call_by_default(backend):
    http = MeshHttp()
    for _ in range(3):
        assert http.get(backend.url + "/json", {}, 3).status == 200
    assert len({r.client_port for r in backend.requests()}) == 3


def test_reuse_keeps_one_connection(backend):
    http = MeshHttp(reuse_connections=True)
    for _ in range(3):
        assert http.get(backend.url + "/json", {}, 3).status == 200
    assert len({r.client_port for r in backend.requests()}) == 1


def test_gzip_bodies_are_decoded(backend):
    assert MeshHttp().get(backend.url + "/gzip", {}, 3).body == BODY


def test_redirects_are_followed_and_a_loop_fails(backend):
    answer = MeshHttp().get(backend.url + "/redirect", {}, 3)
    assert (answer.status, answer.body) == (200, BODY)
    assert [r.path for r in backend.requests()] == ["/redirect", "/json"]
    with pytest.raises(CallFailed):
        MeshHttp().get(backend.url + "/loop", {}, 3)


def test_refused_and_timed_out_calls_fail(backend):
    with pytest.raises(CallFailed):
        MeshHttp().get(f"http://127.0.0.1:{free_port()}/json", {}, 3)
    began = time.monotonic()
    with pytest.raises(CallFailed):
        MeshHttp().get(backend.url + "/slow", {}, 0.3)
    assert time.monotonic() - began < 5


def test_a_header_value_with_a_line_break_fails_the_call(backend):
    with pytest.raises(CallFailed):
        MeshHttp().get(backend.url + "/json", {"x-request-id": "a\r\nx-injected: 1"}, 3)
    assert not any("x-injected" in r.names for r in backend.requests())


@pytest.mark.parametrize("value, expected", [(None, False), ("", False), ("false", False),
                                             ("true", True), ("TRUE", True)])
def test_reuse_setting(value, expected):
    environ = {} if value is None else {"BOOKINFO_REUSE_CONNECTIONS": value}
    assert reuse_connections(environ) is expected


def test_reuse_setting_refuses_other_values():
    with pytest.raises(ConfigError, match="BOOKINFO_REUSE_CONNECTIONS"):
        reuse_connections({"BOOKINFO_REUSE_CONNECTIONS": "yes"})



@pytest.mark.parametrize("path", ["/deflate", "/raw-deflate"])
def test_deflate_bodies_are_decoded(backend, path):
    assert MeshHttp().get(backend.url + path, {}, 3).body == BODY


def test_a_coding_it_cannot_decode_is_left_as_it_is(backend):
    assert MeshHttp().get(backend.url + "/unknown-coding", {}, 3).body == BODY


def test_a_redirect_to_another_host_drops_credentials(backend):
    headers = {"cookie": "session=s", "authorization": "Bearer t", "x-request-id": "r2"}
    assert MeshHttp().get(backend.url + "/elsewhere", headers, 3).status == 200
    first, second = backend.requests()
    assert first.header("cookie") == b"session=s" and first.header("authorization") == b"Bearer t"
    assert second.path == "/json" and second.header("host").startswith(b"localhost:")
    assert "cookie" not in second.names and "authorization" not in second.names
    assert second.header("x-request-id") == b"r2"


def test_a_kept_connection_the_server_closed_is_replaced(backend):
    http = MeshHttp(reuse_connections=True)
    assert http.get(backend.url + "/hang-up", {}, 3).status == 200
    wait_until(lambda: len(backend.requests()) == 1, what="the first call")
    assert http.get(backend.url + "/json", {}, 3).status == 200
    assert http.get(backend.url + "/json", {}, 3).status == 200
    ports = [r.client_port for r in backend.requests()]
    assert ports[0] != ports[1] == ports[2]  # a new connection, then kept again


def test_only_plain_http_urls_are_called(backend):
    with pytest.raises(CallFailed, match="only http"):
        MeshHttp().get(backend.url.replace("http:", "https:") + "/json", {}, 3)


def test_a_redirect_to_https_is_not_followed(backend):
    with pytest.raises(CallFailed):
        MeshHttp().get(backend.url + "/to-https", {}, 3)
    assert [r.path for r in backend.requests()] == ["/to-https"]


@pytest.mark.parametrize("reuse", [False, True])
def test_cookies_a_back_end_sets_are_not_sent_on_later_calls(backend, reuse):
    # One client serves every user of a process: a back-end's Set-Cookie for one call
    # must not travel with another user's calls.
    http = MeshHttp(reuse_connections=reuse)
    assert http.get(backend.url + "/set-cookie", {}, 3).status == 200
    assert http.get(backend.url + "/json", {"cookie": "user=b"}, 3).status == 200
    assert backend.requests()[1].header("cookie") == b"user=b"
    assert http.get(backend.url + "/json", {}, 3).status == 200
    assert "cookie" not in backend.requests()[2].names


def test_a_kept_client_serves_many_threads_at_once(backend):
    http = MeshHttp(reuse_connections=True)
    answers: list[int] = []

    def call(n: int) -> None:
        answers.append(http.get(backend.url + "/json", {"x-request-id": f"r{n}"}, 3).status)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert answers == [200] * 40
    assert sorted(r.header("x-request-id") for r in backend.requests()) == sorted(
        f"r{n}".encode() for n in range(40))
