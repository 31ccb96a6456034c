"""One typed object per app holding what its views use at request time.

Each service keeps its built objects (back-end clients, stores, its configuration) in a
frozen ``Runtime`` dataclass attached to the app once, by ``create_app``, and read by
the views through a typed accessor, rather than under string keys of
``app.extensions`` scattered over the code.
"""
from __future__ import annotations

from typing import Generic, TypeVar

from flask import Flask, current_app

T = TypeVar("T")


class AppState(Generic[T]):
    """The slot of one service's state on its Flask apps (``app.extensions[name]``)."""

    def __init__(self, name: str):
        self.name = name

    def attach(self, app: Flask, state: T) -> None:
        """Keep ``state`` on ``app`` (done once, while the app is built)."""
        app.extensions[self.name] = state

    def current(self) -> T:
        """The state of the app serving the current request."""
        return current_app.extensions[self.name]
