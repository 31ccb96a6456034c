"""One stub back-end and one productpage app per test module; a fresh client per test."""
from __future__ import annotations

import pytest

from productpage.app import create_app
from productpage.config import Config

from .stub_backend import StubBackend


@pytest.fixture(scope="module")
def backend():
    stub = StubBackend()
    yield stub
    stub.close()


@pytest.fixture
def stub(backend):
    """The module's stub, reset to healthy v1 answers with nothing recorded."""
    backend.reset()
    return backend


@pytest.fixture(scope="module")
def app(backend):
    return create_app(Config.from_environ(backend.env))


@pytest.fixture
def client(app, stub):
    return app.test_client()
