"""What the views need at request time: who is answering and, in v2/v3, the ratings client."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from bookinfo_common.app_state import AppState
from bookinfo_common.mesh_http import MeshHttp

from .body import Pod
from .config import Config
from .ratings_client import RatingsClient


@dataclass(frozen=True)
class Runtime:
    pod: Pod
    # None in v1, which shows no stars.
    ratings: RatingsClient | None
    # Whether this service exports its spans (its calls then carry its own span's context).
    export_spans: bool = False


_STATE: AppState[Runtime] = AppState("reviews")


def attach_runtime(app: Flask, config: Config) -> None:
    """Build the pod's identity and its ratings client from ``config`` and keep them on the app."""
    ratings = (RatingsClient(config.ratings_url, config.ratings_timeout_seconds,
                             MeshHttp(config.reuse_connections))
               if config.ratings_enabled else None)
    _STATE.attach(app, Runtime(Pod(config.podname, config.clustername, config.star_color), ratings,
                               config.shared.export_spans))


def runtime() -> Runtime:
    """The runtime of the app serving the current request."""
    return _STATE.current()
