"""The in-memory store: bounded, forgetting the product written longest ago, thread-safe."""
from __future__ import annotations

import threading

import pytest

from ratings.store import MemoryStore


def test_get_returns_what_was_put_or_none():
    store = MemoryStore(10)
    assert store.get(1) is None
    store.put(1, {"Reviewer1": 1})
    assert store.get(1) == {"Reviewer1": 1}
    assert store.healthy()


def test_rewriting_a_product_makes_it_the_newest():
    store = MemoryStore(2)
    store.put(1, "a")
    store.put(2, "b")
    store.put(1, "c")
    store.put(3, "d")
    assert (store.get(1), store.get(2), store.get(3)) == ("c", None, "d")
    assert len(store) == 2


def test_concurrent_writers_never_exceed_the_bound():
    store = MemoryStore(50)

    def write(offset: int) -> None:
        for i in range(500):
            store.put(offset * 1000 + i, i)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store) == 50


def test_a_bound_below_one_is_refused():
    with pytest.raises(ValueError):
        MemoryStore(0)
