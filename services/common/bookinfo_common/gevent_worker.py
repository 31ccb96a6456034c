"""The gunicorn worker of every image and of ``bookinfo up``: gunicorn's gevent worker,
with fair turns between connections and a stop that resets no connection.

A gevent worker gives each connection a greenlet, so an idle connection, one that sends
its request a byte at a time (slowloris) or its body a byte at a time costs a greenlet
and a file descriptor, not one of a few threads: gunicorn's threaded worker hands a
connection to a thread as soon as it is readable, and a slow sender keeps that thread
until it has sent everything, so a few hundred slow connections stalled every request
(docs/performance.md). Each connection stays bounded: a client gets ``keepalive``
seconds to start a request and as long again (gunicorn's own rule) to send its head, and
a worker holds at most ``worker_connections`` connections.

What this class adds to gunicorn's gevent worker:

- **Fair turns.** gunicorn's worker reads a kept-alive connection's next request right
  after answering the previous one. A client that sends its next request at once (a
  load generator, a sidecar's busy connection) then never makes that greenlet wait, so
  it never yields and the other connections starve: a p99 hundreds of times the p50.
  Here a connection waits for its next request through the event loop, like every other
  connection, so each ready one takes its turn. That wait is also the one place where a
  connection is idle, which the stop below relies on.
- **A stop that resets nothing** (SIGTERM, what a pod deletion sends). gunicorn's worker
  notices within a second, keeps accepting meanwhile, closes the listening socket with
  connections still queued in it (the kernel resets them), and waits for idle
  kept-alive connections to time out (up to ``keepalive``, 75 s in the shared settings,
  capped by ``graceful_timeout``). Here the worker stops at once: it serves the
  connections the kernel has already accepted, then closes the listening socket (new
  connections are refused, not reset); requests in flight finish, and a request that
  follows on the same connection within a moment is answered too, with ``Connection:
  close``; idle connections are closed at once with a FIN, after which the worker reads
  and discards for a moment, so that a request the client sent before it saw the FIN
  gets no reset (:func:`close_idle`); the worker exits as soon as no connection is left.

With TLS configured (``--certfile``) or ``keepalive`` set to 0 the worker behaves as
gunicorn's own.
"""
from __future__ import annotations

import socket
import time
from functools import partial

import gevent
from gevent import Timeout, get_hub
from gevent import select as gevent_select
from gevent.event import Event
from gevent.pool import Pool
from gevent.server import StreamServer
from gunicorn import util
from gunicorn.workers.ggevent import GeventWorker

# libev's event mask for "readable".
_READ = 1
# How long a stopping worker reads (and discards) from an idle connection it has sent a
# FIN on, before closing it: long enough for a request already on its way to arrive
# and be dropped quietly, short enough not to hold the stop for a client that keeps its
# idle connection open (an HTTP client's pool closes it only when it next looks).
CLOSE_LINGER_SECONDS = 1.0
# How long a stopping worker keeps a connection open after answering a request that began
# before the stop, for the next request its client may already be sending.
STOP_LINGER_SECONDS = 1.0
# How often the worker tells the arbiter it is alive and closes the connections whose
# keep-alive time has passed, and how often a stopping worker checks whether any
# connection is left.
NOTIFY_INTERVAL_SECONDS = 1.0
STOP_POLL_SECONDS = 0.05


class _Stopping(Exception):
    """Thrown into a connection's greenlet waiting for a request when the worker stops."""


class _KeepAliveEnded(Exception):
    """Thrown into a connection's greenlet that has waited ``keepalive`` seconds for a
    request."""


class Worker(GeventWorker):
    """gunicorn's gevent worker with fair turns and a clean stop (see the module)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Whether this worker behaves exactly as gunicorn's own (TLS, or no keep-alive).
        self._plain = self.cfg.is_ssl or not self.cfg.keepalive
        self._keepalive = self.cfg.keepalive
        # The watchers of the connections waiting for a request, and since when.
        self._idle: dict = {}
        self._stop_requested: Event | None = None

    def run(self) -> None:
        if self._plain:
            super().run()
            return
        self._stop_requested = Event()
        servers = {self._serve(listener): listener for listener in self.sockets}
        while self.alive:
            self.notify()
            self._end_keepalives()
            self._stop_requested.wait(NOTIFY_INTERVAL_SECONDS)
        self._stop(servers)

    def handle_exit(self, sig, frame) -> None:
        """SIGTERM: stop now rather than at the next heartbeat."""
        super().handle_exit(sig, frame)
        if self._stop_requested is not None:
            self._stop_requested.set()

    def _serve(self, listener) -> StreamServer:
        server = StreamServer(listener, handle=partial(self.handle, listener),
                              spawn=Pool(self.worker_connections))
        if self.cfg.workers > 1:
            # One connection per wake-up, so that the workers share new connections.
            server.max_accept = 1
        server.start()
        return server

    def _end_keepalives(self) -> None:
        """Wake, to be closed, the connections idle for ``keepalive`` seconds or more.

        Swept once per heartbeat rather than timed per request: a timer started and
        cancelled around every wait cost more than the wait itself. So an idle
        connection lasts up to one heartbeat longer than ``keepalive``.
        """
        expired = time.monotonic() - self._keepalive
        hub = get_hub()
        for watcher, since in list(self._idle.items()):
            if since <= expired:
                hub.cancel_wait(watcher, _KeepAliveEnded())

    def _stop(self, servers: dict[StreamServer, socket.socket]) -> None:
        for server, listener in servers.items():
            _accept_queued(server, listener)
            server.close()
        hub = get_hub()
        for watcher in list(self._idle):
            hub.cancel_wait(watcher, _Stopping())
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while any(len(server.pool) for server in servers):
            if time.monotonic() > deadline:
                self.log.warning("Worker graceful timeout (pid:%s)", self.pid)
                for server in servers:
                    server.stop(timeout=1)
                return
            self.notify()
            gevent.sleep(STOP_POLL_SECONDS)

    def handle(self, listener, client, addr) -> None:
        """A new connection: its first request, when it comes, is gunicorn's to serve."""
        if self._plain or self._await_request(client, served=False):
            super().handle(listener, client, addr)
        else:
            util.close(client)

    def handle_request(self, listener_name, req, sock, addr):
        """Serve one request (gunicorn raises StopIteration when the connection ends
        with it), then wait for the next one through the event loop."""
        super().handle_request(listener_name, req, sock, addr)
        # Bytes of the next request may already have been read with this one's.
        if self._plain or req.unreader.buf.getvalue():
            return
        if not self._await_request(sock, served=True):
            raise StopIteration()

    def _await_request(self, sock, served: bool) -> bool:
        """Whether a request comes on ``sock``: True once it has something to read; False
        when ``keepalive`` seconds pass first, or when the worker is stopping and none
        comes (the connection is then closed by :func:`close_idle`).

        A connection that is idle when the stop begins is closed at once. One that has
        just answered a request begun before the stop (``served``, with keep-alive) is
        given ``STOP_LINGER_SECONDS`` first: its client may be sending the next request
        already, which is then answered, with ``Connection: close``.
        """
        if self.alive:
            hub = get_hub()
            watcher = hub.loop.io(sock.fileno(), _READ)
            self._idle[watcher] = time.monotonic()
            try:
                hub.wait(watcher)
                return True
            except _KeepAliveEnded:
                return False
            except _Stopping:
                pass
            finally:
                del self._idle[watcher]
                watcher.close()
        elif served and _readable(sock, STOP_LINGER_SECONDS):
            return True
        if _readable(sock):
            return True  # a request came as the worker stopped: answered, Connection: close
        close_idle(sock)
        return False


def _accept_queued(server: StreamServer, listener: socket.socket) -> None:
    """Take the connections the kernel has already accepted on ``server``'s ``listener``:
    they would be reset when it closes. They are served like any other."""
    listener.setblocking(False)
    while True:
        try:
            client, address = listener.accept()
        except OSError:  # BlockingIOError: none left
            return
        server.do_handle(client, address)


def _readable(sock, within: float = 0.0) -> bool:
    """Whether ``sock`` has bytes (or the client's end of stream) to read, now or
    ``within`` seconds from now."""
    try:
        return bool(gevent_select.select([sock], [], [], within)[0])
    except (OSError, ValueError):
        return False


def close_idle(sock) -> None:
    """Close an idle connection without a reset: send a FIN, then read and discard until
    the client closes its end or ``CLOSE_LINGER_SECONDS`` pass.

    Closing a socket that still has unread bytes, or that receives bytes afterwards,
    makes the kernel answer with a reset. A client that sees the FIN first simply opens
    a new connection for its next request; one whose request crossed the FIN gets an
    end of stream for it, which HTTP clients treat as a closed idle connection.
    """
    try:
        sock.shutdown(socket.SHUT_WR)
        with Timeout(CLOSE_LINGER_SECONDS, False):
            while sock.recv(65536):
                pass
    except OSError:
        pass
