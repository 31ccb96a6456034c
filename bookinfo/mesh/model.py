"""What the runner hands the mesh: running workloads, Services, routing objects, ports.

Frozen dataclasses so one build is a pure function of its inputs.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DOMAIN_SUFFIX = "svc.cluster.local"
HTTP_PORT_NAME_PREFIXES = frozenset({"http", "http2", "grpc"})
HTTP_APP_PROTOCOLS = frozenset({"http", "http2", "grpc", "grpc-web", "h2c", "kubernetes.io/h2c"})
GATEWAY_LABELS: Mapping[str, str] = {"istio": "ingressgateway"}
"""The labels of the local ingress gateway, as Istio's default ingress gateway pod has."""


@dataclass(frozen=True)
class Workload:
    """A running workload process on 127.0.0.1:port; labels are its Deployment's pod labels."""

    name: str
    labels: Mapping[str, str]
    port: int


@dataclass(frozen=True)
class ServicePort:
    """One port of a Kubernetes Service. ``protocol`` is the Service's (TCP/UDP);
    whether the mesh treats it as HTTP follows Istio's rule on the port name or
    ``app_protocol`` (see :meth:`is_http`)."""

    name: str
    port: int
    target_port: int | str | None = None
    protocol: str = "TCP"
    app_protocol: str | None = None

    def is_http(self) -> bool:
        """Istio's explicit protocol selection: ``appProtocol`` first, else the port name's
        prefix (``http``, ``http-web``, ``http2``, ``grpc``...). Anything else, including
        an unnamed port, is carried as plain TCP (mongodb's ``mongo``, mysql's ``tcp``):
        bytes pass unchanged, without HTTP routing. Istio would sniff an unnamed port;
        a TCP proxy is the choice that never breaks a non-HTTP protocol."""
        if self.app_protocol:
            return self.app_protocol.lower() in HTTP_APP_PROTOCOLS
        return (self.name or "").lower().split("-", 1)[0] in HTTP_PORT_NAME_PREFIXES


@dataclass(frozen=True)
class Service:
    """A Kubernetes Service; its endpoints are the workloads its selector matches."""

    name: str
    namespace: str
    labels: Mapping[str, str]
    selector: Mapping[str, str]
    ports: list[ServicePort]

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{self.namespace}.{DOMAIN_SUFFIX}"

    def port(self, number: int | None) -> ServicePort | None:
        """The port with this number, or the only port when ``number`` is None."""
        if number is None:
            return self.ports[0] if len(self.ports) == 1 else None
        return next((p for p in self.ports if p.port == number), None)


@dataclass(frozen=True)
class MeshInputs:
    """Everything one translation needs.

    ``config`` holds validated Istio (Gateway, VirtualService, DestinationRule,
    ServiceEntry) and Gateway API (Gateway, HTTPRoute) objects in apply order: where
    Istio resolves conflicts by creation time, the earlier object wins.
    ``outbound_ports[(workload_name, service_name, service_port)]`` is the loopback
    port on which that workload reaches that service (its "sidecar" listener).
    """

    workloads: list[Workload]
    services: list[Service]
    config: list[dict]
    gateway_port: int | None
    outbound_ports: Mapping[tuple[str, str, int], int]
    admin_port: int


@dataclass(frozen=True)
class EnvoyResources:
    """Envoy v3 resources as JSON-able dicts (each with its ``@type``).

    Listeners name their route configuration through ``rds.route_config_name`` without
    a config source: the delivery layer (bookinfo.envoy) decides where routes live.
    """

    listeners: list[dict] = field(default_factory=list)
    clusters: list[dict] = field(default_factory=list)
    route_configs: list[dict] = field(default_factory=list)


def labels_match(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    """Kubernetes equality selector semantics; an empty selector matches nothing here
    (a Service without a selector has no endpoints the mesh can know)."""
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())
