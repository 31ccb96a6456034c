"""The one stack of each end-to-end module: ``bookinfo up`` with the module's
``MANIFESTS`` (paths under the repository) as its base and its ``UP_OPTIONS`` (none when
it sets none), shared by all the module's tests and brought down, with nothing left
running, after the last."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.runner import RunningStack, running_stack


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory) -> Iterator[RunningStack]:
    home = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    with running_stack(home, request.module.MANIFESTS, getattr(request.module, "UP_OPTIONS", ())) as running:
        yield running
