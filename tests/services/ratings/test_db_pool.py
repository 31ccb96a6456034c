"""The connection pool's rules, with plain objects standing in for connections."""
from __future__ import annotations

import threading
import time

import pytest

from ratings.databases.pool import ConnectionPool, PoolTimeout


class Connection:
    """A connection that knows whether it was closed and can be made to die."""

    def __init__(self, number: int):
        self.number = number
        self.alive = True
        self.closed = False


class Factory:
    def __init__(self, fail: bool = False):
        self.made: list[Connection] = []
        self.fail = fail

    def connect(self) -> Connection:
        if self.fail:
            raise ConnectionRefusedError("database down")
        self.made.append(Connection(len(self.made)))
        return self.made[-1]


def pool_of(factory: Factory, size: int = 2, acquire_timeout: float = 0.2) -> ConnectionPool:
    def close(connection: Connection) -> None:
        connection.closed = True

    return ConnectionPool(factory.connect, lambda c: c.alive, close, size, acquire_timeout)


def test_idle_connections_are_reused():
    factory = Factory()
    pool = pool_of(factory)
    first = pool.acquire()
    pool.release(first)
    assert pool.acquire() is first
    assert len(factory.made) == 1


def test_at_most_size_connections_and_a_bounded_wait():
    pool = pool_of(Factory(), size=2)
    held = [pool.acquire(), pool.acquire()]
    started = time.monotonic()
    with pytest.raises(PoolTimeout):
        pool.acquire()
    assert 0.15 < time.monotonic() - started < 2.0
    # A waiting thread gets the connection released meanwhile.
    got = []
    waiter = threading.Thread(target=lambda: got.append(pool.acquire()))
    waiter.start()
    pool.release(held[0])
    waiter.join(timeout=5)
    assert got == [held[0]]




def test_dead_idle_connections_are_replaced_after_an_outage():
    factory = Factory()
    pool = pool_of(factory, size=1)
    stale = pool.acquire()
    pool.release(stale)
    stale.alive = False  # the database restarted
    fresh = pool.acquire()
    assert fresh is not stale and stale.closed and len(factory.made) == 2


def test_broken_connections_and_failed_connects_free_their_slot():
    factory = Factory()
    pool = pool_of(factory, size=1)
    pool.release(pool.acquire(), broken=True)
    assert factory.made[0].closed
    factory.fail = True
    for _ in range(3):  # more failures than slots: none leaks a slot
        with pytest.raises(ConnectionRefusedError):
            pool.acquire()
    factory.fail = False
    assert pool.acquire() is factory.made[-1]


def test_close_closes_idle_and_returning_connections():
    pool = pool_of(Factory())
    idle, lent = pool.acquire(), pool.acquire()
    pool.release(idle)
    pool.close()
    assert idle.closed and not lent.closed
    pool.release(lent)
    assert lent.closed
