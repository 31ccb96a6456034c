"""A small, bounded, thread-safe pool of database connections.

Why a pool: upstream opens a connection per request, which costs a handshake every
time and lets a burst exhaust the server's connection limit; one shared connection
would serialise gunicorn's threads. Idle connections are checked before they are lent
(``is_alive``), so after a database restart the stale ones are dropped and replaced on
the next request: the service recovers without being restarted.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Connection = TypeVar("Connection")


class PoolTimeout(Exception):
    """Every connection stayed busy for the whole acquire timeout."""


class ConnectionPool(Generic[Connection]):
    """At most ``size`` connections made by ``connect``; waits at most ``acquire_timeout``."""

    def __init__(self, connect: Callable[[], Connection], is_alive: Callable[[Connection], bool],
                 close: Callable[[Connection], None], size: int, acquire_timeout: float):
        if size < 1:
            raise ValueError("size must be at least 1")
        self._connect = connect
        self._is_alive = is_alive
        self._close = close
        self._size = size
        self._acquire_timeout = acquire_timeout
        self._idle: list[Connection] = []
        self._open = 0  # idle plus lent connections, and slots being connected
        self._closed = False
        self._changed = threading.Condition()

    def acquire(self) -> Connection:
        """A live connection: an idle one that passes ``is_alive``, else a new one.

        Raises PoolTimeout, or whatever ``connect`` raises.
        """
        reused = self._take_slot()
        if reused is not None:
            if self._is_alive(reused):
                return reused
            self._close_quietly(reused)  # its slot is reused for the new connection
        try:
            return self._connect()
        except BaseException:
            self._free_slot()
            raise

    def release(self, connection: Connection, broken: bool = False) -> None:
        """Give a connection back; a ``broken`` one (its last use failed) is closed."""
        with self._changed:
            if not broken and not self._closed:
                self._idle.append(connection)
                self._changed.notify()
                return
        self._close_quietly(connection)
        self._free_slot()

    def close(self) -> None:
        """Close the idle connections; lent ones are closed when they come back."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self._changed.notify_all()
        for connection in idle:
            self._close_quietly(connection)

    def _take_slot(self) -> Connection | None:
        """An idle connection, or None after reserving a slot for a new one."""
        deadline = time.monotonic() + self._acquire_timeout
        with self._changed:
            while True:
                if self._idle:
                    return self._idle.pop()  # the most recently used: likely still open
                if self._open < self._size:
                    self._open += 1
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PoolTimeout(f"all {self._size} database connections stayed busy "
                                      f"for {self._acquire_timeout:g} s")
                self._changed.wait(remaining)

    def _free_slot(self) -> None:
        with self._changed:
            self._open -= 1
            self._changed.notify()

    def _close_quietly(self, connection: Connection) -> None:
        try:
            self._close(connection)
        except Exception as exc:  # closing a dead connection may fail; it is gone either way
            log.debug("closing a database connection failed: %s", exc)
