"""What the stack should be running: the objects in the store, by the role each plays.

The first ``up`` on a home (and the first after ``reset``) seeds the store with the base
manifests, as the standard setup's ``kubectl apply`` does on a cluster; ``up -f FILE``
applies its files at every start. From then on the store is the one source of truth:
``bookinfo get`` lists the base objects too, ``delete -f`` removes them and the removal
survives ``down``/``up``. The result is split into what the runner acts on.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bookinfo.objects.kinds import GATEWAY_API, ISTIO_EXTENSIONS, ISTIO_NETWORKING, ISTIO_SECURITY
from bookinfo.objects.record import object_key
from bookinfo.objects.services import Service

# API groups whose objects configure the mesh (handed to the mesh translation).
MESH_GROUPS = frozenset({ISTIO_NETWORKING, ISTIO_SECURITY, ISTIO_EXTENSIONS, "telemetry.istio.io", GATEWAY_API})


@dataclass(frozen=True)
class Desired:
    """The merged objects, by the role they play in the local stack."""

    deployments: list[dict]
    services: list[Service]
    secrets: dict[str, dict]
    config: list[dict]


def split(objects: Sequence[Mapping]) -> Desired:
    """Sort merged objects into Deployments, Services, Secrets and mesh configuration."""
    deployments, services, config, secrets = [], [], [], {}
    for obj in objects:
        group, kind, _, name = object_key(obj)
        if group == "apps" and kind == "Deployment":
            deployments.append(dict(obj))
        elif group == "" and kind == "Service":
            services.append(Service.from_object(obj))
        elif group == "" and kind == "Secret":
            secrets[name] = dict(obj)
        elif group in MESH_GROUPS:
            config.append(dict(obj))
    return Desired(deployments, services, secrets, config)


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
