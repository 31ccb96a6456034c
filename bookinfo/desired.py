"""What the stack should be running: the base manifests, then the store's objects on top.

The base manifests are read fresh at every ``up`` (never stored), so an edit to
``platform/kube/bookinfo.yaml`` takes effect at the next start; objects applied with
``bookinfo apply`` replace a base object of the same kind, namespace and name, and add
to the rest. The result is split into what the runner acts on.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .mesh.model import Service, ServicePort
from .workloads import ServiceRef

# API groups whose objects configure routing (handed to the mesh translation).
MESH_GROUPS = frozenset({"networking.istio.io", "security.istio.io", "telemetry.istio.io",
                         "gateway.networking.k8s.io"})


@dataclass(frozen=True)
class Desired:
    """The merged objects, by the role they play in the local stack."""

    deployments: list[dict]
    services: list[dict]
    secrets: dict[str, dict]
    config: list[dict]


def object_key(obj: Mapping) -> tuple[str, str, str, str]:
    """(API group, kind, namespace, name): objects with equal keys replace each other."""
    group = obj.get("apiVersion", "").rpartition("/")[0]
    meta = obj.get("metadata") or {}
    return group, obj.get("kind", ""), meta.get("namespace") or "default", meta.get("name", "")


def merge(base: Iterable[Mapping], applied: Iterable[Mapping]) -> list[dict]:
    """Base objects with applied ones laid over them; a replacement keeps its base position."""
    merged: dict[tuple, dict] = {object_key(obj): dict(obj) for obj in base}
    for obj in applied:
        merged[object_key(obj)] = dict(obj)
    return list(merged.values())


def split(objects: Sequence[Mapping]) -> Desired:
    """Sort merged objects into Deployments, Services, Secrets and mesh configuration."""
    deployments, services, config, secrets = [], [], [], {}
    for obj in objects:
        group, kind, _, name = object_key(obj)
        if group == "apps" and kind == "Deployment":
            deployments.append(dict(obj))
        elif group == "" and kind == "Service":
            services.append(dict(obj))
        elif group == "" and kind == "Secret":
            secrets[name] = dict(obj)
        elif group in MESH_GROUPS:
            config.append(dict(obj))
    return Desired(deployments, services, secrets, config)


def load_desired(manifests: Sequence[Path], home: Path) -> Desired:
    """Read and validate the base manifests, then lay the store's objects on top."""
    from .objects import load_paths, validate
    from .store import Store

    records = load_paths([str(path) for path in manifests])
    validate(records)
    return split(merge((record.obj for record in records), Store(home).objects()))


def service_refs(desired: Desired) -> list[ServiceRef]:
    """Each Service's name, namespace and ports, for the pods' service links."""
    return [ServiceRef(s["metadata"]["name"], s["metadata"].get("namespace") or "default",
                       tuple((p["port"], p.get("name", "")) for p in s["spec"].get("ports") or ()))
            for s in desired.services]


def mesh_services(desired: Desired) -> list[Service]:
    """The Services as the mesh model spells them."""
    return [
        Service(
            name=s["metadata"]["name"],
            namespace=s["metadata"].get("namespace") or "default",
            labels=dict(s["metadata"].get("labels") or {}),
            selector=dict(s["spec"].get("selector") or {}),
            ports=[ServicePort(name=p.get("name", ""), port=p["port"],
                               target_port=p.get("targetPort"), protocol=p.get("protocol", "TCP"),
                               app_protocol=p.get("appProtocol"))
                   for p in s["spec"].get("ports") or ()],
        )
        for s in desired.services
    ]
