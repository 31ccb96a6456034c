"""The applied objects by the role each plays in the local stack: Deployments to run,
Services, Secrets, and the objects that configure the mesh. Depends on nothing of the
runner, so both the running stack (bookinfo.runner.desired) and the admission of new
objects (bookinfo.runner.mesh_admission) group objects the same way.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bookinfo.objects.kinds import GATEWAY_API, ISTIO_EXTENSIONS, ISTIO_NETWORKING, ISTIO_SECURITY, ISTIO_TELEMETRY
from bookinfo.objects.record import object_key
from bookinfo.objects.services import Service

# API groups whose objects configure the mesh (handed to the mesh translation).
MESH_GROUPS = frozenset({ISTIO_NETWORKING, ISTIO_SECURITY, ISTIO_EXTENSIONS, ISTIO_TELEMETRY, GATEWAY_API})


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
