"""ratings settings, read once from the environment
(docs/upstream-behaviour.md#ratings-environment).

Upstream's variables keep their meaning. The ``RATINGS_*`` variables are ours: they
tune the fault modes (upstream hard-codes 50 %, 7 s, 60 s and 15 min, our defaults)
and the in-memory store's bound, so tests and demos need not wait 15 minutes.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bookinfo_common.app_base import SharedConfig
from bookinfo_common.settings import ConfigError, env_float, env_int, env_port, env_str

DATABASE_VERSION = "v2"


@dataclass(frozen=True)
class Config:
    """One ratings pod: v1, v2 (database) or a fault mode."""

    service_version: str = "v1"
    # v2 only; read by ratings.databases.
    db_type: str | None = None
    mongo_db_url: str | None = None
    mysql_db_host: str | None = None
    mysql_db_port: int = 3306
    mysql_db_user: str | None = None
    mysql_db_password: str | None = None
    # Fault modes.
    fault_probability: float = 0.5
    delay_seconds: float = 7.0
    unavailable_period_seconds: float = 60.0
    unhealthy_period_seconds: float = 900.0
    # v1 and fault modes: how many products' POSTed ratings are kept in memory.
    max_stored_products: int = 1000
    # Span export and the metrics directory, as every service's app reads them.
    shared: SharedConfig = SharedConfig()

    @property
    def database_backed(self) -> bool:
        """v2 reads ratings from MongoDB or MySQL."""
        return self.service_version == DATABASE_VERSION

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Config":
        """Unknown ``SERVICE_VERSION`` values mean v1, as upstream."""
        version = env_str(environ, "SERVICE_VERSION", "v1")
        probability = env_float(environ, "RATINGS_FAULT_PROBABILITY", 0.5)
        if probability > 1:
            raise ConfigError(f"RATINGS_FAULT_PROBABILITY must be between 0 and 1, got {probability}")
        periods = {
            name: env_float(environ, name, default)
            for name, default in (("RATINGS_UNAVAILABLE_PERIOD_SECONDS", 60.0),
                                  ("RATINGS_UNHEALTHY_PERIOD_SECONDS", 900.0))
        }
        for name, seconds in periods.items():
            if seconds <= 0:
                raise ConfigError(f"{name} must be a positive number of seconds, got {seconds}")
        max_products = env_int(environ, "RATINGS_MAX_STORED_PRODUCTS", 1000)
        if max_products < 1:
            raise ConfigError(f"RATINGS_MAX_STORED_PRODUCTS must be at least 1, got {max_products}")
        return cls(
            service_version=version,
            db_type=env_str(environ, "DB_TYPE"),
            mongo_db_url=env_str(environ, "MONGO_DB_URL"),
            mysql_db_host=env_str(environ, "MYSQL_DB_HOST"),
            # Validated only where it is used: upstream v1 ignores a malformed value.
            mysql_db_port=(env_port(environ, "MYSQL_DB_PORT", 3306)
                           if version == DATABASE_VERSION else 3306),
            mysql_db_user=env_str(environ, "MYSQL_DB_USER"),
            mysql_db_password=env_str(environ, "MYSQL_DB_PASSWORD"),
            fault_probability=probability,
            delay_seconds=env_float(environ, "RATINGS_DELAY_SECONDS", 7.0),
            unavailable_period_seconds=periods["RATINGS_UNAVAILABLE_PERIOD_SECONDS"],
            unhealthy_period_seconds=periods["RATINGS_UNHEALTHY_PERIOD_SECONDS"],
            max_stored_products=max_products,
            shared=SharedConfig.from_environ(environ),
        )
