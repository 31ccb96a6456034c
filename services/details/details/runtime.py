"""What the views need at request time: where book details come from."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from bookinfo_common.app_state import AppState

from .book import GoogleBooks
from .config import Config


@dataclass(frozen=True)
class Runtime:
    # The Books API client of v2; None in v1, which serves the fixed record.
    books: GoogleBooks | None


_STATE: AppState[Runtime] = AppState("details")


def attach_runtime(app: Flask, config: Config) -> None:
    """Build the book source that ``config`` names and keep it on the app."""
    books = GoogleBooks(config.books_base_url) if config.external_book_service else None
    _STATE.attach(app, Runtime(books))


def runtime() -> Runtime:
    """The runtime of the app serving the current request."""
    return _STATE.current()
