"""ratings apps built in-process from an environment; one per module where shared."""
from __future__ import annotations

import pytest

from ratings.app import create_app
from ratings.config import Config
# One definition of the session's real database servers for every module here, so
# MariaDB and the MongoDB-protocol server start once per run, not once per module.
from tests.support.databases import databases  # noqa: F401 (fixture)


def ratings_client(**env: str):
    """A test client of a fresh ratings app (fresh memory, fault phases from now)."""
    return create_app(Config.from_environ(env)).test_client()


@pytest.fixture(scope="module")
def v1():
    return ratings_client()
