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

from bookinfo.mesh.model import Service, ServicePort
from bookinfo.pods import pod as workloads
from bookinfo.pods.pod import ServiceRef

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


def load_desired(manifests: Sequence[Path], home: Path, reapply: bool = False) -> Desired:
    """Seed the store with the base manifests (or, with ``reapply``, apply them), then read it."""
    from bookinfo.objects import load_paths
    from bookinfo.objects.store import Store

    store = Store(home)
    records = load_paths([str(path) for path in manifests])
    store.seed(records, again=reapply, admit=admit)
    return split(store.objects())


def admit(records: Sequence, stored: Sequence[Mapping]) -> None:
    """Refuse, naming each, the Deployments among ``records`` whose pods the local runner
    could not run (an image that is not Bookinfo's, a Secret key that does not exist, a
    database server not installed), so an apply stores everything or nothing.

    Secrets come from the store and from ``records`` themselves (one file may carry both).
    """
    from bookinfo.errors import InvalidObjects, Problem

    secrets = {name: obj for obj in stored for group, kind, _, name in [object_key(obj)]
               if (group, kind) == ("", "Secret")}
    secrets.update((record.name, record.obj) for record in records
                   if (record.group, record.kind) == ("", "Secret"))
    problems = [Problem(record.source, record.label, "", reason) for record in records
                if (record.group, record.kind) == ("apps", "Deployment")
                and (reason := workloads.pod_problem(record.obj, secrets)) is not None]
    if problems:
        raise InvalidObjects(problems)


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
