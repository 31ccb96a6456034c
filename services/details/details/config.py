"""details settings, read once from the environment
(docs/upstream-behaviour.md#details-environment)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bookinfo_common.app_base import SharedConfig
from bookinfo_common.settings import ConfigError, env_flag_exact_true, env_str


@dataclass(frozen=True)
class Config:
    """What a details pod does: v1 (fixed record) or v2 (Google Books)."""

    external_book_service: bool = False
    books_base_url: str = "https://www.googleapis.com:443"
    # Span export and the metrics directory, as every service's app reads them.
    shared: SharedConfig = SharedConfig()

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Config":
        """``ENABLE_EXTERNAL_BOOK_SERVICE`` and ``DO_NOT_ENCRYPT`` count only when exactly ``true``.

        ``GOOGLE_BOOKS_BASE_URL`` (ours, not upstream's) replaces the scheme, host and
        port of the Books API, so tests and air-gapped demos can point v2 elsewhere.
        """
        plain_http = env_flag_exact_true(environ, "DO_NOT_ENCRYPT")
        default_url = "http://www.googleapis.com:80" if plain_http else "https://www.googleapis.com:443"
        base_url = env_str(environ, "GOOGLE_BOOKS_BASE_URL") or default_url
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"GOOGLE_BOOKS_BASE_URL must start with http:// or https://, got {base_url!r}")
        return cls(
            external_book_service=env_flag_exact_true(environ, "ENABLE_EXTERNAL_BOOK_SERVICE"),
            books_base_url=base_url,
            shared=SharedConfig.from_environ(environ),
        )
