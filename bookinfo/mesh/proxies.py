"""The proxies of the local mesh, and which policy objects select each.

On a cluster every pod has its own sidecar and the ingress gateway is a pod of its own;
here one Envoy plays all of them, but each keeps its own listeners (named after the pod,
or ``gateway``), so a policy that selects a proxy is translated into that proxy's
listeners only. Selection follows Istio for every kind that selects workloads
(AuthorizationPolicy, RequestAuthentication, TrafficExtension, EnvoyFilter): an object in
the root namespace applies mesh-wide, one elsewhere to its own namespace; a selector
(``selector.matchLabels``, EnvoyFilter's ``workloadSelector.labels``) narrows that to the
pods whose labels hold it; ``targetRefs`` instead name a Gateway API Gateway (the gateway)
or a Service (the pods it selects, where a waypoint in front of the Service would
enforce the policy).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bookinfo.objects.kinds import GATEWAY_API

from .identity import GATEWAY_IDENTITY, ROOT_NAMESPACE
from .model import GATEWAY_LABELS, Workload, labels_match
from .registry import Registry, is_kind, namespace_of

GATEWAY_PROXY = "gateway"


@dataclass(frozen=True)
class Proxy:
    """One Envoy role: a workload's sidecar (``workload`` set) or the ingress gateway."""

    name: str
    namespace: str
    labels: Mapping[str, str]
    identity: str
    workload: Workload | None = None

    @property
    def is_gateway(self) -> bool:
        return self.workload is None


def sidecar(workload: Workload) -> Proxy:
    return Proxy(workload.name, workload.namespace, workload.labels, workload.identity, workload)


GATEWAY = Proxy(GATEWAY_PROXY, ROOT_NAMESPACE, GATEWAY_LABELS, GATEWAY_IDENTITY)


class PolicyScope:
    """Answers "does this object apply to this proxy?" over one set of inputs."""

    def __init__(self, config: list[dict], registry: Registry):
        self.registry = registry
        self._gateways = {(namespace_of(o), o["metadata"]["name"]) for o in config
                          if is_kind(o, "Gateway", GATEWAY_API)}

    def selects(self, obj: dict, proxy: Proxy) -> bool:
        spec = obj.get("spec") or {}
        namespace = namespace_of(obj)
        refs = spec.get("targetRefs") or ([spec["targetRef"]] if spec.get("targetRef") else [])
        if refs:
            return any(self._targets(ref, namespace, proxy) for ref in refs)
        if namespace != ROOT_NAMESPACE and namespace != proxy.namespace:
            return False
        selector = ((spec.get("selector") or {}).get("matchLabels")
                    or (spec.get("workloadSelector") or {}).get("labels") or {})
        return all(proxy.labels.get(k) == v for k, v in selector.items())

    def _targets(self, ref: Mapping, namespace: str, proxy: Proxy) -> bool:
        if ref.get("kind") == "Gateway":
            return proxy.is_gateway and (namespace, ref.get("name")) in self._gateways
        if ref.get("kind") == "Service" and proxy.workload is not None:
            service = self.registry.services.get(self.registry.resolve(ref.get("name", ""), namespace))
            return (service is not None and service.namespace == proxy.namespace
                    and labels_match(service.selector, proxy.workload.labels))
        return False
