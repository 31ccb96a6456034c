"""ratings v2 on MongoDB (the default ``DB_TYPE``), through one pymongo client.

Reads upstream's seeded ``test.ratings`` collection as upstream does (the ``rating``
field of the first two documents) unless the product has POSTed ratings in
``product_ratings``; POST replaces that product's document in one upsert, which
MongoDB applies atomically, acknowledged by a majority and journaled, so nothing
acknowledged is lost when either process restarts.

The client is made once and reconnects by itself after an outage; its timeouts bound
every request. The database is ``test`` whatever the URL names, as upstream.

Errors: no reachable server (or no usable ``MONGO_DB_URL``) -> "could not connect to
ratings database"; a failed read -> "could not load ratings from database"; a failed
write -> "could not store ratings in database" (all 500).
"""
from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Iterator

import pymongo
from pymongo import MongoClient, WriteConcern
from pymongo.database import Database
from pymongo.errors import ConnectionFailure, PyMongoError

from ..errors import DatabaseConnectError, DatabaseQueryError, DatabaseWriteError
from .schema import (DATABASE, PRODUCT_RATINGS, SEED_RATINGS, decode_ratings, encode_ratings,
                     product_key, seeded_ratings)
from .timeouts import (CONNECT_TIMEOUT_SECONDS, HEALTH_CHECK_TIMEOUT_SECONDS, QUERY_TIMEOUT_SECONDS,
                       SERVER_SELECTION_TIMEOUT_SECONDS)

log = logging.getLogger(__name__)

DURABLE = WriteConcern(w="majority", j=True)


@contextlib.contextmanager
def _failures_as(operation: str, failure: type[Exception]) -> Iterator[None]:
    """pymongo's errors as the contract's: no server -> connect error, else ``failure``."""
    try:
        yield
    except ConnectionFailure as exc:
        log.warning("cannot reach MongoDB: %s", exc)
        raise DatabaseConnectError() from None
    except PyMongoError as exc:
        log.warning("MongoDB failed a %s: %s", operation, exc)
        raise failure() from None


class MongoStore:
    """Ratings in MongoDB: the seeded collection, and ours for POSTed ratings."""

    def __init__(self, url: str | None):
        self._client = _client(url)

    def get(self, product_id: int):
        """The product's POSTed ratings, else the seeded ones."""
        database = self._database()
        with _failures_as("read", DatabaseQueryError):
            stored = database[PRODUCT_RATINGS].find_one({"_id": product_key(product_id)})
            if stored is None:
                seed = database[SEED_RATINGS].find({}, limit=2)
                return seeded_ratings([document.get("rating", 0) for document in seed])
        return decode_ratings(stored.get("ratings_json"))

    def put(self, product_id: int, ratings) -> None:
        """Replace (or insert) the product's document; returns once it is durable."""
        key = product_key(product_id)
        document = {"_id": key, "ratings_json": encode_ratings(ratings),
                    "updated_at": datetime.datetime.now(datetime.timezone.utc)}
        with _failures_as("write", DatabaseWriteError):
            self._database()[PRODUCT_RATINGS].replace_one({"_id": key}, document, upsert=True)

    def healthy(self) -> bool:
        """Whether the server answers a ping within the health check timeout."""
        if self._client is None:
            return False
        try:
            with pymongo.timeout(HEALTH_CHECK_TIMEOUT_SECONDS):
                self._client.admin.command("ping")
        except PyMongoError as exc:
            log.info("MongoDB is not reachable: %s", exc)
            return False
        return True

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def _database(self) -> Database:
        if self._client is None:
            raise DatabaseConnectError()
        return self._client.get_database(DATABASE, write_concern=DURABLE)


def _client(url: str | None) -> MongoClient | None:
    """A lazily connecting client, or None when ``url`` is missing or unusable.

    Upstream answers every request with the connect error in that case rather than
    refusing to start, and so do we (logged once here).
    """
    if not url:
        log.error("MONGO_DB_URL is not set: every ratings request will fail")
        return None
    try:
        return MongoClient(
            url, connect=False, appname="bookinfo-ratings",
            connectTimeoutMS=int(CONNECT_TIMEOUT_SECONDS * 1000),
            socketTimeoutMS=int(QUERY_TIMEOUT_SECONDS * 1000),
            serverSelectionTimeoutMS=int(SERVER_SELECTION_TIMEOUT_SECONDS * 1000),
        )
    except (PyMongoError, ValueError, TypeError) as exc:
        log.error("MONGO_DB_URL cannot be used (%s): every ratings request will fail", exc)
        return None
