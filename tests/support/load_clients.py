"""Clients that load a server or attack it the way the probe of issue 15 did, on 127.0.0.1
only and for a bounded time: keep-alive clients that count how each request ended,
idle kept-alive connections that watch how the server closes them, idle and slowloris
connections held open in the background, and the latency of a page under all that.
"""
from __future__ import annotations

import http.client
import multiprocessing
import selectors
import socket
import threading
import time
from collections import Counter

import requests

# Outcomes of a request, as a pooled HTTP client sees them.
ANSWERED = "answered"
REFUSED = "connection refused"      # nothing listens: the server is gone (clean)
END_OF_STREAM = "end of stream"     # the server closed without answering
RESET = "reset"                     # the kernel reset the connection


class KeepAliveLoop(threading.Thread):
    """One client connection sending ``GET path`` back to back, as a busy pooled client
    (a sidecar's) does: on ``Connection: close`` it opens a new connection; it stops at
    the first refused connection (the server has gone) or when told to."""

    def __init__(self, port: int, path: str):
        super().__init__(daemon=True)
        self.port, self.path = port, path
        self.outcomes: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.done = threading.Event()

    def run(self) -> None:
        connection = None
        while not self.done.is_set():
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
                try:
                    connection.connect()
                except ConnectionRefusedError:
                    self.outcomes[REFUSED] += 1
                    return
            try:
                connection.request("GET", self.path)
                response = connection.getresponse()
                response.read()
            except http.client.RemoteDisconnected:  # before ConnectionResetError: a subclass
                self.outcomes[END_OF_STREAM] += 1
            except (ConnectionResetError, BrokenPipeError):
                self.outcomes[RESET] += 1
            except (OSError, http.client.HTTPException) as exc:
                self.outcomes[type(exc).__name__] += 1
            else:
                self.outcomes[ANSWERED] += 1
                self.statuses[response.status] += 1
                if not response.will_close:
                    continue
            connection.close()
            connection = None
        if connection is not None:
            connection.close()

    @property
    def answered(self) -> int:
        return self.outcomes[ANSWERED]


class IdleKeptConnection:
    """A connection that was used for one request and is kept, idle, in a client's pool."""

    def __init__(self, port: int, path: str):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        response = http.client.HTTPResponse(self.sock)
        response.begin()
        response.read()
        assert not response.will_close, "the server did not keep the connection"

    def how_it_ends(self) -> str:
        """Wait (bounded) for the server to close the connection: END_OF_STREAM for a FIN,
        RESET for a reset."""
        try:
            data = self.sock.recv(1)
        except ConnectionResetError:
            return RESET
        finally:
            self.sock.close()
        return END_OF_STREAM if data == b"" else f"unexpected bytes {data!r}"


class SlowClients:
    """``idle`` connections that send nothing and ``slowloris`` connections that send a
    request head one short header line at a time (each every half second, the lines of
    all of them spread evenly over that time); whichever the server closes is opened
    again, as an attacker's tool does.

    A context manager. The attack runs in a process of its own, as an attacker's would:
    in this one it would compete for the interpreter with the client that measures the
    page. It is in place (every connection made) when ``__enter__`` returns; ``opened``
    counts the connections it made, once it has ended.
    """

    HEAD = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    TRICKLE_INTERVAL_SECONDS = 0.5

    def __init__(self, port: int, idle: int, slowloris: int):
        self.port, self.idle, self.slowloris = port, idle, slowloris
        context = multiprocessing.get_context("fork")
        self._opened = context.Value("i", 0)
        self._stop = context.Event()
        self._process = context.Process(target=self._run, daemon=True)

    @property
    def opened(self) -> int:
        return self._opened.value

    def __enter__(self) -> "SlowClients":
        self._process.start()
        deadline = time.monotonic() + 30
        while self._opened.value < self.idle + self.slowloris:
            assert self._process.is_alive(), "the attacking process ended"
            assert time.monotonic() < deadline, "the attack's connections were not all made"
            time.sleep(0.01)  # polling the attacker's counter, with a deadline
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def _run(self) -> None:
        """In the attacking process: open everything, then send the slowloris
        connections their next header line in turn, spread evenly so that each gets one
        every ``TRICKLE_INTERVAL_SECONDS``; between two, reopen whatever the server closed."""
        selector = selectors.DefaultSelector()
        slow: list[socket.socket] = []
        for kind in [False] * self.idle + [True] * self.slowloris:
            self._open(selector, slow, kind)
        gap = self.TRICKLE_INTERVAL_SECONDS / max(1, self.slowloris)
        turn = 0
        while not self._stop.is_set():
            for key, _ in selector.select(timeout=gap):
                self._replace(selector, slow, key.fileobj, key.data)
            if slow:
                sock = slow[turn % len(slow)]
                turn += 1
                try:
                    sock.send(b"X-a: b\r\n")
                except OSError:
                    self._replace(selector, slow, sock, True)

    def _open(self, selector, slow: list, is_slow: bool) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.setblocking(False)
        if is_slow:
            sock.send(self.HEAD)
            slow.append(sock)
        selector.register(sock, selectors.EVENT_READ, is_slow)
        with self._opened.get_lock():
            self._opened.value += 1

    def _replace(self, selector, slow: list, sock: socket.socket, is_slow: bool) -> None:
        """The server answered or closed ``sock``: the attacker reconnects."""
        selector.unregister(sock)
        if is_slow:
            slow.remove(sock)
        sock.close()
        try:
            self._open(selector, slow, is_slow)
        except OSError:
            pass  # the server is not accepting right now; counted as fewer connections


class SlowBodies:
    """``count`` POSTs to ``path`` whose head is complete (``Content-Length`` promising a
    kilobyte) and whose body then comes one byte every half second, from a background
    thread, for as long as the context lasts."""

    BODY_BYTES = 1000

    def __init__(self, port: int, path: str, count: int):
        self.sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
        for sock in self.sockets:
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {self.BODY_BYTES}\r\n\r\n[".encode())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> "SlowBodies":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for sock in self.sockets:
            sock.close()

    def _trickle(self) -> None:
        while not self._stop.wait(0.5):
            for sock in self.sockets:
                try:
                    sock.send(b" ")
                except OSError:
                    pass


def latencies_ms(url: str, count: int) -> list[float]:
    """``count`` sequential GETs of ``url`` on one kept connection; each one's latency.
    Fails (AssertionError) on any answer but 200 or any request over 5 s."""
    times = []
    with requests.Session() as session:
        for _ in range(count):
            began = time.perf_counter()
            response = session.get(url, timeout=5)
            times.append(1000 * (time.perf_counter() - began))
            assert response.status_code == 200, (url, response.status_code)
    return times


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
