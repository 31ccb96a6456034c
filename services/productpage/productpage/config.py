"""productpage's settings, read once from the environment
(docs/upstream-behaviour.md#productpage-process-and-environment)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bookinfo_common.app_base import SharedConfig
from bookinfo_common.mesh_http import reuse_connections
from bookinfo_common.settings import ConfigError, env_int, service_host

# Upstream signs its session cookie with the example key from Flask's documentation.
# Using the same bytes when no key is configured keeps cookies interchangeable with
# upstream productpage pods (a user stays logged in when traffic is split between
# them); it is public, so it is only a demo default and a warning says so.
DEMO_SECRET_KEY = b'_5#y2L"F4Q8z\n\xec]/'
SECRET_KEY_VARIABLE = "FLASK_SECRET_KEY"


@dataclass(frozen=True)
class Config:
    """Where the back-ends are, how hard to flood reviews, and how to sign sessions."""

    details_url: str = "http://details:9080"
    reviews_url: str = "http://reviews:9080"
    ratings_url: str = "http://ratings:9080"
    flood_factor: int = 0
    secret_key: bytes = DEMO_SECRET_KEY
    # Keep-alive connections to the back-ends (only the local runner turns this on).
    reuse_connections: bool = False
    # Span export and the metrics directory, as every service's app reads them.
    shared: SharedConfig = SharedConfig()

    @property
    def uses_demo_secret_key(self) -> bool:
        """True when sessions are signed with the public upstream key."""
        return self.secret_key == DEMO_SECRET_KEY

    @property
    def export_spans(self) -> bool:
        """Whether an OTLP exporter is configured (then B3 carries our own span)."""
        return self.shared.export_spans

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Config":
        """Read the upstream variables; a bad value is a ConfigError naming it."""
        flood_factor = env_int(environ, "FLOOD_FACTOR", 0)
        if flood_factor < 0:
            raise ConfigError(f"FLOOD_FACTOR must be 0 or a positive integer, got {flood_factor}")
        return cls(
            details_url=service_host(environ, "details"),
            reviews_url=service_host(environ, "reviews"),
            ratings_url=service_host(environ, "ratings"),
            flood_factor=flood_factor,
            secret_key=_secret_key(environ),
            reuse_connections=reuse_connections(environ),
            shared=SharedConfig.from_environ(environ),
        )


def _secret_key(environ: Mapping[str, str]) -> bytes:
    """The configured signing key, or the demo key when the variable is unset.

    An empty value is refused rather than silently replaced by the public key: it
    usually means a Secret that failed to mount.
    """
    raw = environ.get(SECRET_KEY_VARIABLE)
    if raw is None:
        return DEMO_SECRET_KEY
    if raw == "":
        raise ConfigError(f"{SECRET_KEY_VARIABLE} is set but empty; unset it to use the demo key")
    return raw.encode("utf-8")
