"""One details v1 app per test module; a fresh test client per test."""
from __future__ import annotations

import pytest

from details.app import create_app
from details.config import Config


@pytest.fixture(scope="module")
def app():
    return create_app(Config.from_environ({}))


@pytest.fixture
def client(app):
    return app.test_client()
