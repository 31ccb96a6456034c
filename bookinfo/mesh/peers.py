"""How Istio's telemetry names a proxy: its workload, canonical service and revision,
namespace, app, version and identity, as metrics labels, span tags and the service name
its spans report.

Istio takes the canonical service from ``service.istio.io/canonical-name``, else
``app.kubernetes.io/name``, else ``app``, else the workload; the canonical revision from
``service.istio.io/canonical-revision``, else ``app.kubernetes.io/version``, else
``version``, else ``latest``. A proxy's spans report ``<canonical service>.<namespace>``
(``productpage.default``, ``istio-ingressgateway.istio-system``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .model import GATEWAY_WORKLOAD
from .proxies import Proxy

UNKNOWN = "unknown"
CLUSTER_ID = "Kubernetes"   # Istio's default cluster name (source_cluster, destination_cluster)


@dataclass(frozen=True)
class Peer:
    """One side of a request as telemetry labels it."""

    workload: str
    namespace: str
    app: str
    version: str
    canonical_service: str
    canonical_revision: str
    principal: str
    pod: str

    @property
    def service_name(self) -> str:
        """The service name of the proxy's spans."""
        return f"{self.canonical_service}.{self.namespace}"


def canonical_service(labels: Mapping[str, str], workload: str) -> str:
    return (labels.get("service.istio.io/canonical-name") or labels.get("app.kubernetes.io/name")
            or labels.get("app") or workload)


def peer(proxy: Proxy) -> Peer:
    labels = proxy.labels
    workload = proxy.workload.workload_name if proxy.workload is not None else GATEWAY_WORKLOAD
    canonical = canonical_service(labels, workload)
    revision = (labels.get("service.istio.io/canonical-revision") or labels.get("app.kubernetes.io/version")
                or labels.get("version") or "latest")
    pod = proxy.workload.name if proxy.workload is not None else GATEWAY_WORKLOAD
    return Peer(workload=workload, namespace=proxy.namespace, app=labels.get("app") or UNKNOWN,
                version=labels.get("version") or UNKNOWN, canonical_service=canonical,
                canonical_revision=revision, principal=proxy.identity, pod=pod)
