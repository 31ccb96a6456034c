"""What the runner hands the mesh: running workloads, Services, routing objects, ports.

Frozen dataclasses so one build is a pure function of its inputs.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bookinfo.objects.services import Service

from .identity import DEFAULT_SERVICE_ACCOUNT, spiffe_id
from .mesh_config import MeshConfig

GATEWAY_WORKLOAD = "istio-ingressgateway"
GATEWAY_LABELS: Mapping[str, str] = {"app": GATEWAY_WORKLOAD, "istio": "ingressgateway"}
"""The labels of the local ingress gateway, as Istio's default ingress gateway pod has."""


@dataclass(frozen=True)
class Workload:
    """A running workload process on 127.0.0.1:port; labels are its Deployment's pod labels.

    ``inbound_port`` is the loopback port of its sidecar's inbound listener, the only way
    other workloads reach it; None for a workload without a sidecar, which is reached on
    its own port in plain text (Istio's auto mTLS sends plain text to such endpoints).
    ``container_port`` is the port the Deployment declares (9080): the workload port
    PeerAuthentication ``portLevelMtls`` and AuthorizationPolicy ``ports`` name. A
    workload not ``ready`` (starting, not yet healthy) has its sidecar but is no endpoint.
    ``owner`` is what Istio's telemetry calls the workload: its Deployment's name
    (``reviews-v3``; the pod's name when not given).
    """

    name: str
    labels: Mapping[str, str]
    port: int
    namespace: str = "default"
    service_account: str = DEFAULT_SERVICE_ACCOUNT
    inbound_port: int | None = None
    container_port: int | None = None
    ready: bool = True
    owner: str = ""

    @property
    def identity(self) -> str:
        return spiffe_id(self.namespace, self.service_account)

    @property
    def workload_port(self) -> int:
        """The port as Istio's policies name it: the declared container port."""
        return self.container_port or self.port

    @property
    def workload_name(self) -> str:
        return self.owner or self.name

    @property
    def address_port(self) -> int:
        """Where other workloads connect: the sidecar's inbound listener, if it has one."""
        return self.inbound_port or self.port


@dataclass(frozen=True)
class WorkloadCertificate:
    """PEM files the mesh CA issued one identity: its certificate chain and private key."""

    chain: str
    key: str


@dataclass(frozen=True)
class MeshInputs:
    """Everything one translation needs.

    ``config`` holds validated Istio (Gateway, VirtualService, DestinationRule,
    ServiceEntry) and Gateway API (Gateway, HTTPRoute) objects in apply order: where
    Istio resolves conflicts by creation time, the earlier object wins.
    ``outbound_ports[(workload_name, service_name, service_port)]`` is the loopback
    port on which that workload reaches that service (its "sidecar" listener).
    ``http_proxy_ports[workload_name]`` is that workload's HTTP forward proxy: one listener
    answering for every HTTP Service it has a listener for, by name (``bookinfo exec``).
    ``access_log_dir`` is where the listeners write their access logs (none without it).
    ``mesh_config`` holds the extension providers and telemetry defaults (None: the demo
    profile's, bookinfo.mesh.mesh_config).
    ``root_certificate`` is the mesh CA's certificate (PEM file), the trust anchor of
    every mutual TLS hop; ``certificates`` holds, per SPIFFE identity, the files the CA
    issued it (every sidecar's workload and the gateway need one).
    """

    workloads: list[Workload]
    services: list[Service]
    config: list[dict]
    gateway_port: int | None
    outbound_ports: Mapping[tuple[str, str, int], int]
    admin_port: int
    root_certificate: str | None = None
    certificates: Mapping[str, WorkloadCertificate] = field(default_factory=dict)
    http_proxy_ports: Mapping[str, int] = field(default_factory=dict)
    access_log_dir: str | None = None
    mesh_config: MeshConfig | None = None


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
