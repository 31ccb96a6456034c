"""ratings v2 on MySQL (``DB_TYPE=mysql``), through PyMySQL and a bounded pool.

Reads upstream's seeded ``test.ratings`` table as upstream does (``SELECT Rating FROM
ratings``, no ORDER BY, the first two rows) unless the product has POSTed ratings in
``product_ratings``; POST upserts that product's row in one statement, so concurrent
writes to a product are atomic and the last one committed wins. ``product_ratings`` is
created by every new connection if absent, because upstream's database image lacks it.

PyMySQL (with ``cryptography``) logs in with MySQL 8.4/9.x's default
``caching_sha2_password``, which upstream's Node driver cannot.

Errors: no connection -> "could not connect to ratings database" (500; upstream answers
200 there, a fix we list); a failed read -> upstream's "could not perform select"
(500); a failed write -> "could not store ratings in database" (500).
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pymysql
from pymysql.constants import ER

from bookinfo_common.errors import ServiceError

from ..errors import DatabaseConnectError, DatabaseQueryError, DatabaseWriteError
from .pool import ConnectionPool
from .schema import DATABASE, decode_ratings, encode_ratings, product_key, seeded_ratings
from .timeouts import (CONNECT_TIMEOUT_SECONDS, HEALTH_CHECK_TIMEOUT_SECONDS, POOL_SIZE,
                       QUERY_TIMEOUT_SECONDS)

log = logging.getLogger(__name__)

# Also in services/mysql/ratings_data.sql, verbatim (a test keeps the two equal).
CREATE_PRODUCT_RATINGS = """CREATE TABLE IF NOT EXISTS product_ratings (
  product_id VARCHAR(320) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  ratings_json MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (product_id)
) ENGINE=InnoDB"""

SELECT_STORED = "SELECT ratings_json FROM product_ratings WHERE product_id = %s"
SELECT_SEEDED = "SELECT Rating FROM ratings"
UPSERT_STORED = ("INSERT INTO product_ratings (product_id, ratings_json) VALUES (%s, %s) "
                 "ON DUPLICATE KEY UPDATE ratings_json = %s, updated_at = CURRENT_TIMESTAMP(6)")

SELECT_FAILED = "could not perform select"


class MySQLStore:
    """Ratings in MySQL (or MariaDB): the seeded table, and ours for POSTed ratings."""

    def __init__(self, host: str | None, port: int, user: str | None, password: str | None):
        self._address = f"{host or 'localhost'}:{port}"
        self._connect_args = dict(
            host=host or "localhost", port=port, user=user, password=password or "",
            database=DATABASE, charset="utf8mb4", autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_SECONDS, read_timeout=QUERY_TIMEOUT_SECONDS,
            write_timeout=QUERY_TIMEOUT_SECONDS,
        )
        self._pool: ConnectionPool[pymysql.connections.Connection] = ConnectionPool(
            self._connect, _is_alive, _close, size=POOL_SIZE,
            acquire_timeout=QUERY_TIMEOUT_SECONDS)

    def get(self, product_id: int):
        """The product's POSTed ratings, else the seeded ones."""
        with self._cursor(DatabaseQueryError(SELECT_FAILED)) as cursor:
            stored = _stored_ratings(cursor, product_key(product_id))
            if stored is not None:
                return decode_ratings(stored)
            cursor.execute(SELECT_SEEDED)
            return seeded_ratings([row[0] for row in cursor.fetchmany(2)])

    def put(self, product_id: int, ratings) -> None:
        """Upsert the product's row; returns once the database has committed it."""
        text = encode_ratings(ratings)
        with self._cursor(DatabaseWriteError()) as cursor:
            cursor.execute(UPSERT_STORED, (product_key(product_id), text, text))

    def healthy(self) -> bool:
        """Whether a new connection logs in within the health check timeout.

        A connection of its own, not a pooled one: a busy pool must not make the
        database look unreachable, and the check must stay short.
        """
        args = dict(self._connect_args, connect_timeout=HEALTH_CHECK_TIMEOUT_SECONDS,
                    read_timeout=HEALTH_CHECK_TIMEOUT_SECONDS,
                    write_timeout=HEALTH_CHECK_TIMEOUT_SECONDS)
        try:
            pymysql.connect(**args).close()
        except Exception as exc:
            log.info("MySQL at %s is not reachable: %s", self._address, exc)
            return False
        return True

    def close(self) -> None:
        self._pool.close()

    def _connect(self) -> pymysql.connections.Connection:
        connection = pymysql.connect(**self._connect_args)
        try:
            with connection.cursor() as cursor:
                cursor.execute(CREATE_PRODUCT_RATINGS)
        except pymysql.MySQLError as exc:
            # Reads of the seed still work (a missing table reads as "nothing stored").
            log.warning("cannot create table product_ratings in MySQL at %s: %s",
                        self._address, exc)
        return connection

    @contextmanager
    def _cursor(self, failure: ServiceError) -> Iterator[pymysql.cursors.Cursor]:
        """A cursor on a pooled connection; connect errors and statement errors mapped."""
        try:
            connection = self._pool.acquire()
        except Exception as exc:
            log.warning("cannot connect to MySQL at %s: %s", self._address, exc)
            raise DatabaseConnectError() from None
        try:
            with connection.cursor() as cursor:
                yield cursor
        except pymysql.MySQLError as exc:
            self._pool.release(connection, broken=True)
            log.warning("MySQL at %s failed a statement: %s", self._address, exc)
            raise failure from None
        except BaseException:
            self._pool.release(connection, broken=True)
            raise
        self._pool.release(connection)


def _stored_ratings(cursor, key: str) -> str | None:
    """The product's ``ratings_json``; None when it has none or the table is missing."""
    try:
        cursor.execute(SELECT_STORED, (key,))
    except pymysql.err.ProgrammingError as exc:
        if exc.args and exc.args[0] == ER.NO_SUCH_TABLE:
            return None
        raise
    row = cursor.fetchone()
    return None if row is None else row[0]


def _is_alive(connection: pymysql.connections.Connection) -> bool:
    try:
        connection.ping(reconnect=False)
    except Exception:
        return False
    return True


def _close(connection: pymysql.connections.Connection) -> None:
    connection.close()
