"""What the stack should be running: the objects in the store, by the role each plays
(bookinfo.runner.roles).

The first ``up`` on a home (and the first after ``reset``) seeds the store with the base
manifests, as the standard setup's ``kubectl apply`` does on a cluster; ``up -f FILE``
applies its files at every start. From then on the store is the one source of truth:
``bookinfo get`` lists the base objects too, ``delete -f`` removes them and the removal
survives ``down``/``up``. The result is split into what the runner acts on.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bookinfo.runner.roles import Desired, split


def load_desired(manifests: Sequence[Path], home: Path, reapply: bool = False) -> Desired:
    """Seed the store with the base manifests (or, with ``reapply``, apply them), then read it.

    A seeded store is not seeded again, so its files are neither read nor validated then.
    """
    from bookinfo.objects import load_paths
    from bookinfo.objects.store import Store
    from bookinfo.runner.admission import admit

    store = Store(home)
    if reapply or not store.seeded():
        store.seed(load_paths([str(path) for path in manifests]), again=reapply, admit=admit)
    return split(store.objects())
