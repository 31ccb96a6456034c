"""The worker every service runs (``bookinfo_common.gevent_worker``): busy connections
take turns, and SIGTERM under load finishes what was accepted and resets nothing.

The probe of issue 15 sent SIGTERM to productpage under load: no request in flight
failed, but connections that clients opened meanwhile were reset when the listening
socket closed, and gunicorn's gevent worker waited for idle kept-alive connections to
time out. A pooled client (a sidecar's) must see each of its connections end cleanly:
an answer (the last ones with ``Connection: close``), a FIN on an idle connection, then
refused connections once nothing listens.
"""
from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest

from tests.services.productpage.stub_backend import StubBackend
from tests.support.load_clients import (ANSWERED, END_OF_STREAM, REFUSED, IdleKeptConnection,
                                        KeepAliveLoop, p99)
from tests.support.net import wait_until
from tests.support.processes import LaunchedServer, ServiceProcess

pytestmark = pytest.mark.slow  # servers under load, stopped under load

BUSY_CONNECTIONS = 8
IDLE_CONNECTIONS = 8
# Requests answered before the SIGTERM: the load is well under way.
ANSWERED_BEFORE_STOP = 150
# The stop itself: the last requests, the lingering second for a next request on a busy
# connection, with room for a loaded machine; gunicorn's own worker waited for idle
# connections to time out (up to the 30 s graceful timeout).
STOP_DEADLINE_SECONDS = 8.0
# productpage.gunicorn_conf's keepalive.
KEEPALIVE_SECONDS = 2.0


@pytest.fixture(scope="module")
def backends():
    stub = StubBackend()
    yield stub
    stub.close()


def test_busy_connections_take_turns():
    """gunicorn's gevent worker served a connection whose client sent its next request at
    once over and over, and the others waited: p99 a hundred times the median."""
    with ServiceProcess("details", {"GUNICORN_CMD_ARGS": "--access-logfile /dev/null"}) as server:
        loops = [TimedLoop(server.port, "/details/0", 400) for _ in range(4)]
        for loop in loops:
            loop.start()
        for loop in loops:
            loop.join(timeout=60)
    latencies = sorted(ms for loop in loops for ms in loop.latencies)
    assert len(latencies) == 1600
    median = latencies[len(latencies) // 2]
    assert p99(latencies) < 10 * median, (median, p99(latencies), latencies[-1])


class TimedLoop(threading.Thread):
    """``count`` requests back to back on one connection, each one's latency in ms."""

    def __init__(self, port: int, path: str, count: int):
        super().__init__(daemon=True)
        self.port, self.path, self.count = port, path, count
        self.latencies: list[float] = []

    def run(self) -> None:
        import http.client
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        for _ in range(self.count):
            began = time.perf_counter()
            connection.request("GET", self.path)
            connection.getresponse().read()
            self.latencies.append(1000 * (time.perf_counter() - began))
        connection.close()


def test_idle_connections_are_closed_once_their_keepalive_time_has_passed(backends):
    """productpage's image keeps an idle connection 2 s (upstream's keep-alive): after a
    request, and before the first one (a client that connects and says nothing)."""
    with ServiceProcess("productpage", backends.env, config="productpage.gunicorn_conf") as server:
        began = time.monotonic()
        used = IdleKeptConnection(server.port, "/health")
        silent = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        assert used.how_it_ends() == END_OF_STREAM
        assert silent.recv(1) == b""
        silent.close()
        waited = time.monotonic() - began
    # keepalive, plus at most one heartbeat of the worker, plus a loaded machine's delay
    assert KEEPALIVE_SECONDS <= waited < KEEPALIVE_SECONDS + 4


@pytest.mark.parametrize("settings", ["image", "bookinfo up"])
def test_sigterm_under_load_answers_everything_accepted_and_resets_nothing(backends, settings):
    env = {**backends.env, "GUNICORN_CMD_ARGS": "--access-logfile /dev/null"}
    server = (ServiceProcess("productpage", env, config="productpage.gunicorn_conf")
              if settings == "image" else LaunchedServer("productpage", env))
    busy = [KeepAliveLoop(server.port, "/productpage") for _ in range(BUSY_CONNECTIONS)]
    try:
        idle = [IdleKeptConnection(server.port, "/health") for _ in range(IDLE_CONNECTIONS)]
        for loop in busy:
            loop.start()
        wait_until(lambda: sum(loop.answered for loop in busy) >= ANSWERED_BEFORE_STOP,
                   timeout=30, what=f"{ANSWERED_BEFORE_STOP} pages under load")
        os.kill(server.pid, signal.SIGTERM)  # the container runtime signals PID 1 only
        signalled = time.monotonic()
        idle_ends = [connection.how_it_ends() for connection in idle]
        for loop in busy:
            loop.join(timeout=30)
        assert server.exited_cleanly(timeout=30)
        stopped_after = time.monotonic() - signalled
    finally:
        for loop in busy:
            loop.done.set()
        server.stop()
    assert idle_ends == [END_OF_STREAM] * IDLE_CONNECTIONS  # a FIN each, no reset
    for loop in busy:
        # Every request sent was answered (200), then the next connection was refused.
        assert set(loop.outcomes) == {ANSWERED, REFUSED}, loop.outcomes
        assert set(loop.statuses) == {200}, loop.statuses
    assert stopped_after < STOP_DEADLINE_SECONDS
