"""Markers that follow from where a test lives (pyproject.toml registers them all).

Every module under tests/e2e/ starts a whole local stack (``e2e``); every module under
tests/images/containers/ builds or runs images with podman (``containers``). The markers
that fit single modules or tests (``browser``, ``db``, ``slow``) are set where they apply.
``make test-fast`` runs what carries none of them.
"""
from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
MARKERS_BY_DIRECTORY = {TESTS / "e2e": pytest.mark.e2e,
                        TESTS / "images" / "containers": pytest.mark.containers}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for directory, marker in MARKERS_BY_DIRECTORY.items():
            if item.path.is_relative_to(directory):
                item.add_marker(marker)
