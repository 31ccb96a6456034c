"""What the runner hands the mesh: running workloads, Services, routing objects, ports.

Frozen dataclasses so one build is a pure function of its inputs.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bookinfo.objects.services import Service

GATEWAY_WORKLOAD = "istio-ingressgateway"
GATEWAY_LABELS: Mapping[str, str] = {"app": GATEWAY_WORKLOAD, "istio": "ingressgateway"}
"""The labels of the local ingress gateway, as Istio's default ingress gateway pod has."""


@dataclass(frozen=True)
class Workload:
    """A running workload process on 127.0.0.1:port; labels are its Deployment's pod labels."""

    name: str
    labels: Mapping[str, str]
    port: int


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
    """

    workloads: list[Workload]
    services: list[Service]
    config: list[dict]
    gateway_port: int | None
    outbound_ports: Mapping[tuple[str, str, int], int]
    admin_port: int
    http_proxy_ports: Mapping[str, int] = field(default_factory=dict)
    access_log_dir: str | None = None


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
