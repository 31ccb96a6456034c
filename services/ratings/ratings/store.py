"""Where ratings come from: the seam between the HTTP layer and the storage.

v1 and the fault modes keep POSTed ratings in process memory (:class:`MemoryStore`);
v2 reads a database through a store from :mod:`ratings.databases`. The API answers
``{"id": <id>, "ratings": <store.get(id) or the default>}`` either way.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Protocol

# What every product is rated when nothing else is known (upstream's constant, and
# what the seeded databases hold).
DEFAULT_RATINGS = {"Reviewer1": 5, "Reviewer2": 4}


class RatingsStore(Protocol):
    """Ratings by product id. Implementations raise the errors of ``ratings.errors``."""

    def get(self, product_id: int) -> dict | None:
        """The ratings object for the product, or None when the store has none.

        The memory store returns whatever JSON value was POSTed (a scalar too).
        """

    def put(self, product_id: int, ratings: Any) -> None:
        """Store ``ratings`` (any JSON value) for the product."""

    def healthy(self) -> bool:
        """Whether the store can serve requests right now."""

    def close(self) -> None:
        """Release connections; the store is not used afterwards."""


class MemoryStore:
    """POSTed ratings in process memory, per pod, lost on restart (as upstream).

    Bounded: at most ``max_products`` products are kept, and storing a new one beyond
    that forgets the product written longest ago, so a flood of POSTs to fresh ids
    cannot exhaust memory (each body is capped by the app, see ``MAX_BODY_BYTES``).
    Safe to share between gunicorn's threads.
    """

    def __init__(self, max_products: int):
        if max_products < 1:
            raise ValueError("max_products must be at least 1")
        self.max_products = max_products
        self._ratings: OrderedDict[int, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, product_id: int) -> Any | None:
        with self._lock:
            return self._ratings.get(product_id)

    def put(self, product_id: int, ratings: Any) -> None:
        with self._lock:
            self._ratings[product_id] = ratings
            self._ratings.move_to_end(product_id)
            while len(self._ratings) > self.max_products:
                self._ratings.popitem(last=False)

    def healthy(self) -> bool:
        return True

    def close(self) -> None:
        with self._lock:
            self._ratings.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._ratings)
