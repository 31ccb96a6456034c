"""The outbound client: requests' headers, redirects and timeouts; one connection per
call unless reuse is turned on (bookinfo_common.mesh_http)."""
from __future__ import annotations

import gzip
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bookinfo_common.mesh_http import CallFailed, MeshHttp, reuse_connections
from bookinfo_common.settings import ConfigError
from tests.support.net import free_port, wait_until

BODY = b'{"ok":true}'


class Backend:
    """A keep-alive HTTP/1.1 server that records each request's client port and headers."""

    def __init__(self):
        self.seen: list[tuple[int, str, dict[str, bytes]]] = []
        self.release = threading.Event()
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                raw = {k.lower(): v.encode("latin-1") for k, v in self.headers.items()}
                backend.seen.append((self.client_address[1], self.path, raw))
                if self.path == "/redirect":
                    return self._answer(302, b"", location="/json")
                if self.path == "/loop":
                    return self._answer(302, b"", location="/loop")
                if self.path == "/gzip":
                    return self._answer(200, gzip.compress(BODY), encoding="gzip")
                if self.path == "/deflate":
                    return self._answer(200, zlib.compress(BODY), encoding="deflate")
                if self.path == "/raw-deflate":  # no zlib wrapper, as some servers send it
                    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
                    return self._answer(200, raw.compress(BODY) + raw.flush(), encoding="deflate")
                if self.path == "/unknown-coding":
                    return self._answer(200, BODY, encoding="compress")
                if self.path == "/elsewhere":  # the same server under another host name
                    port = self.server.server_address[1]
                    return self._answer(302, b"", location=f"http://localhost:{port}/json")
                if self.path == "/set-cookie":
                    return self._answer(200, BODY, cookie="session=from-the-back-end; Path=/")
                if self.path == "/to-https":
                    port = self.server.server_address[1]
                    return self._answer(302, b"", location=f"https://127.0.0.1:{port}/json")
                if self.path == "/hang-up":
                    # Keep-alive as far as the client knows, but closed after this answer:
                    # what a kept connection looks like once the server's idle timeout ends.
                    self.close_connection = True
                if self.path == "/slow":
                    backend.release.wait(10)  # a back-end that does not answer in time
                return self._answer(200, BODY)

            def _answer(self, status, body, location=None, encoding=None, cookie=None):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                if location:
                    self.send_header("Location", location)
                if cookie:
                    self.send_header("Set-Cookie", cookie)
                if encoding:
                    self.send_header("Content-Encoding", encoding)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 64  # many clients connecting at once are all accepted

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def backend():
    server = Backend()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def fresh_record(backend):
    backend.seen.clear()


def test_sends_requests_default_headers_and_the_callers(backend):
    answer = MeshHttp().get(backend.url + "/json", {"x-request-id": "r1", "end-user": "jösé".encode()}, 3)
    assert (answer.status, answer.body) == (200, BODY)
    headers = backend.seen[0][2]
    assert headers["accept"] == b"*/*"
    assert headers["accept-encoding"] == b"gzip, deflate"
    assert headers["connection"] == b"keep-alive"
    assert headers["user-agent"].startswith(b"python-requests/")
    assert headers["x-request-id"] == b"r1"
    assert headers["end-user"] == "jösé".encode()  # the bytes given, unchanged


def test_an_incoming_user_agent_replaces_the_default(backend):
    MeshHttp().get(backend.url + "/json", {"user-agent": "curl/8"}, 3)
    assert backend.seen[0][2]["user-agent"] == b"curl/8"


def test_a_new_connection_per_call_by_default(backend):
    http = MeshHttp()
    for _ in range(3):
        assert http.get(backend.url + "/json", {}, 3).status == 200
    assert len({port for port, _, _ in backend.seen}) == 3


def test_reuse_keeps_one_connection(backend):
    http = MeshHttp(reuse_connections=True)
    for _ in range(3):
        assert http.get(backend.url + "/json", {}, 3).status == 200
    assert len({port for port, _, _ in backend.seen}) == 1


def test_gzip_bodies_are_decoded(backend):
    assert MeshHttp().get(backend.url + "/gzip", {}, 3).body == BODY


def test_redirects_are_followed_and_a_loop_fails(backend):
    answer = MeshHttp().get(backend.url + "/redirect", {}, 3)
    assert (answer.status, answer.body) == (200, BODY)
    assert [path for _, path, _ in backend.seen] == ["/redirect", "/json"]
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
    assert not any("x-injected" in headers for _, _, headers in backend.seen)


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
    (_, _, first), (_, path, second) = backend.seen
    assert first["cookie"] == b"session=s" and first["authorization"] == b"Bearer t"
    assert path == "/json" and second["host"].startswith(b"localhost:")
    assert "cookie" not in second and "authorization" not in second
    assert second["x-request-id"] == b"r2"


def test_a_kept_connection_the_server_closed_is_replaced(backend):
    http = MeshHttp(reuse_connections=True)
    assert http.get(backend.url + "/hang-up", {}, 3).status == 200
    wait_until(lambda: len(backend.seen) == 1, what="the first call")
    assert http.get(backend.url + "/json", {}, 3).status == 200
    assert http.get(backend.url + "/json", {}, 3).status == 200
    ports = [port for port, _, _ in backend.seen]
    assert ports[0] != ports[1] == ports[2]  # a new connection, then kept again


def test_only_plain_http_urls_are_called(backend):
    with pytest.raises(CallFailed, match="only http"):
        MeshHttp().get(backend.url.replace("http:", "https:") + "/json", {}, 3)


def test_a_redirect_to_https_is_not_followed(backend):
    with pytest.raises(CallFailed):
        MeshHttp().get(backend.url + "/to-https", {}, 3)
    assert [path for _, path, _ in backend.seen] == ["/to-https"]


@pytest.mark.parametrize("reuse", [False, True])
def test_cookies_a_back_end_sets_are_not_sent_on_later_calls(backend, reuse):
    # One client serves every user of a process: a back-end's Set-Cookie for one call
    # must not travel with another user's calls.
    http = MeshHttp(reuse_connections=reuse)
    assert http.get(backend.url + "/set-cookie", {}, 3).status == 200
    assert http.get(backend.url + "/json", {"cookie": "user=b"}, 3).status == 200
    assert backend.seen[1][2]["cookie"] == b"user=b"
    assert http.get(backend.url + "/json", {}, 3).status == 200
    assert "cookie" not in backend.seen[2][2]


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
    assert sorted(headers["x-request-id"] for _, _, headers in backend.seen) == sorted(
        f"r{n}".encode() for n in range(40))
