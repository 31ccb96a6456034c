"""What the views need at request time: the configuration and the back-ends."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from bookinfo_common.app_state import AppState
from bookinfo_common.mesh_http import MeshHttp

from .backends import Backends
from .config import Config


@dataclass(frozen=True)
class Runtime:
    config: Config
    backends: Backends


_STATE: AppState[Runtime] = AppState("productpage")


def attach_runtime(app: Flask, config: Config) -> None:
    """Build the back-ends from ``config`` and keep both on the app."""
    backends = Backends.from_urls(config.details_url, config.reviews_url, config.ratings_url,
                                  MeshHttp(config.reuse_connections))
    _STATE.attach(app, Runtime(config, backends))


def runtime() -> Runtime:
    """The runtime of the app serving the current request."""
    return _STATE.current()
