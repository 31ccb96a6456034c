"""What the views need at request time: the configuration and the back-ends."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from bookinfo_common.mesh_http import MeshHttp

from .backends import Backends
from .config import Config

_EXTENSION_KEY = "productpage"


@dataclass(frozen=True)
class Runtime:
    config: Config
    backends: Backends


def attach_runtime(app: Flask, config: Config) -> None:
    """Build the back-ends from ``config`` and keep both on the app."""
    backends = Backends.from_urls(config.details_url, config.reviews_url, config.ratings_url,
                                  MeshHttp(config.reuse_connections))
    app.extensions[_EXTENSION_KEY] = Runtime(config, backends)


def runtime() -> Runtime:
    """The runtime of the app serving the current request."""
    return current_app.extensions[_EXTENSION_KEY]
