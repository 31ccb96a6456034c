"""reviews settings, read once from the environment
(docs/upstream-behaviour.md#reviews-environment-and-versions)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bookinfo_common.app_base import SharedConfig
from bookinfo_common.mesh_http import reuse_connections
from bookinfo_common.settings import env_flag_java_boolean, service_host

# Upstream keys the ratings timeout on the colour, not on the version (a known quirk
# the fault-injection task depends on): black (v2) waits 10 s, anything else 2.5 s.
BLACK_TIMEOUT_SECONDS = 10.0
OTHER_TIMEOUT_SECONDS = 2.5


@dataclass(frozen=True)
class Config:
    """One reviews pod: v1 (no ratings), v2 (black stars) or v3 (red stars)."""

    ratings_enabled: bool = False
    star_color: str = "black"
    ratings_url: str = "http://ratings:9080"
    podname: str = "null"
    clustername: str = "null"
    # A keep-alive connection to ratings (only the local runner turns this on).
    reuse_connections: bool = False
    # Span export and the metrics directory, as every service's app reads them.
    shared: SharedConfig = SharedConfig()

    @property
    def ratings_timeout_seconds(self) -> float:
        """Connect and read timeout of the call to ratings."""
        return BLACK_TIMEOUT_SECONDS if self.star_color == "black" else OTHER_TIMEOUT_SECONDS

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Config":
        """``ENABLE_RATINGS`` is Java's ``Boolean.valueOf``; unset names print as ``null``."""
        return cls(
            ratings_enabled=env_flag_java_boolean(environ, "ENABLE_RATINGS", default=False),
            star_color=environ.get("STAR_COLOR", "black"),
            ratings_url=service_host(environ, "ratings"),
            podname=environ.get("HOSTNAME", "null"),
            clustername=environ.get("CLUSTER_NAME", "null"),
            reuse_connections=reuse_connections(environ),
            shared=SharedConfig.from_environ(environ),
        )
