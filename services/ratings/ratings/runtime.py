"""What the views need at request time: the configuration, the store and the fault mode."""
from __future__ import annotations

import atexit
from dataclasses import dataclass

from flask import Flask

from bookinfo_common.app_state import AppState

from .config import Config
from .databases import open_store
from .faults import Faults
from .store import MemoryStore, RatingsStore


@dataclass(frozen=True)
class Runtime:
    config: Config
    store: RatingsStore
    faults: Faults


_STATE: AppState[Runtime] = AppState("ratings")


def open_ratings_store(config: Config) -> RatingsStore:
    """The database store for v2, process memory for every other version."""
    if config.database_backed:
        return open_store(config)
    return MemoryStore(config.max_stored_products)


def attach_runtime(app: Flask, config: Config) -> None:
    """Open the store (closed when the process exits) and start the fault clock from
    ``config``; keep them on the app."""
    store = open_ratings_store(config)
    atexit.register(store.close)
    # Created with the app, at process start: the fault phases count from here.
    _STATE.attach(app, Runtime(config, store, Faults(config)))


def runtime() -> Runtime:
    """The runtime of the app serving the current request."""
    return _STATE.current()
