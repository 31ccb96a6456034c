"""Database-backed ratings (v2): MongoDB, or MySQL when ``DB_TYPE`` is exactly ``mysql``.

Both stores read upstream's seeded data unchanged and keep POSTed ratings in a table
or collection of their own (see :mod:`.schema`), so a ratings v2 pod keeps what it
acknowledged across restarts and can share the database with upstream's pods.
"""
from __future__ import annotations

from ..config import Config
from ..store import RatingsStore
from .mongo import MongoStore
from .mysql import MySQLStore


def open_store(config: Config) -> RatingsStore:
    """The store for ``config``; it connects on first use, so ratings starts (and answers
    the contract's errors) while its database is still down."""
    if config.db_type == "mysql":
        return MySQLStore(config.mysql_db_host, config.mysql_db_port,
                          config.mysql_db_user, config.mysql_db_password)
    return MongoStore(config.mongo_db_url)
