"""What each listener of each proxy reports: access log lines, Istio's standard metrics
and spans, from the Telemetry API (bookinfo.mesh.telemetry) over the mesh config.

The translation asks this once per listener, by the listener's side: a sidecar's
outbound listeners and the gateway are the ``CLIENT`` mode and report as
``reporter="source"``; a sidecar's inbound listener is the ``SERVER`` mode, reports as
``reporter="destination"`` and first takes the caller's metadata off the request.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from . import istio_metrics, tracing
from .access_log import access_log
from .mesh_config import MeshConfig
from .model import GATEWAY_WORKLOAD, MeshInputs, Workload
from .peers import peer
from .proxies import Proxy, sidecar
from .registry import Registry
from .telemetry import CLIENT, SERVER, TelemetryPolicies


@dataclass(frozen=True)
class HttpReporting:
    """The HTTP connection manager's ``access_log`` (files, then stats), ``tracing`` and
    ``request_id_extension``, and the HTTP filters that must run first."""

    access_log: list[dict] = field(default_factory=list)
    tracing: dict | None = None
    request_id: dict | None = None
    first_filters: list[dict] = field(default_factory=list)


class ProxyTelemetry:
    """The reporting of every listener of one translation."""

    def __init__(self, inputs: MeshInputs, registry: Registry):
        self.mesh = inputs.mesh_config or MeshConfig()
        self.policies = TelemetryPolicies(inputs.config, registry, self.mesh)
        self.directory = inputs.access_log_dir
        self.registry = registry

    def client_http(self, proxy: Proxy, destination_port: int | None = None) -> HttpReporting:
        """An outbound listener of a sidecar, its HTTP proxy, or the gateway."""
        local = peer(proxy)
        metrics = self.policies.metrics(proxy, CLIENT)
        traced = self.policies.tracing(proxy, CLIENT)
        logs = self._files(proxy, CLIENT)
        stats = istio_metrics.http_stats(istio_metrics.source_labels(local), metrics, destination_port)
        return HttpReporting(logs + stats, tracing.http_tracing(traced, local), tracing.request_id(traced))

    def client_tcp(self, proxy: Proxy, destination_port: int) -> list[dict]:
        """An outbound TCP listener's access loggers (files, then stats)."""
        metrics = self.policies.metrics(proxy, CLIENT)
        return (self._files(proxy, CLIENT, tcp=True)
                + istio_metrics.tcp_stats(istio_metrics.source_labels(peer(proxy)), metrics, destination_port))

    def server_http(self, proxy: Proxy, security_policy: str) -> HttpReporting:
        """A sidecar's inbound listener, over a connection of ``security_policy``
        (``mutual_tls`` or ``none``)."""
        local = peer(proxy)
        metrics = self.policies.metrics(proxy, SERVER)
        traced = self.policies.tracing(proxy, SERVER)
        labels = istio_metrics.destination_labels(local, self._service(proxy), security_policy)
        stats = istio_metrics.http_stats(labels, metrics, self._port(proxy))
        return HttpReporting(self._files(proxy, SERVER) + stats, tracing.http_tracing(traced, local),
                             tracing.request_id(traced), [istio_metrics.metadata_exchange()])

    def server_tcp(self, proxy: Proxy, security_policy: str) -> list[dict]:
        metrics = self.policies.metrics(proxy, SERVER)
        labels = istio_metrics.destination_labels(peer(proxy), self._service(proxy), security_policy)
        return self._files(proxy, SERVER, tcp=True) + istio_metrics.tcp_stats(labels, metrics, self._port(proxy))

    def peer_header(self, proxy: Proxy) -> list[dict]:
        """``request_headers_to_add`` of the routes a proxy sends to mesh workloads."""
        return istio_metrics.peer_header(peer(proxy))

    def clusters(self) -> list[dict]:
        """The tracing collectors' clusters."""
        return tracing.collector_clusters(self.mesh)

    def _files(self, proxy: Proxy, mode: str, tcp: bool = False) -> list[dict]:
        name = proxy.workload.name if proxy.workload is not None else GATEWAY_WORKLOAD
        return access_log(self.directory, name, self.policies.access_logs(proxy, mode), tcp_end_only=tcp)

    def _service(self, proxy: Proxy) -> tuple[str, str, str] | None:
        services = self.registry.selects(proxy.workload) if proxy.workload is not None else []
        return (services[0].fqdn, services[0].name, services[0].namespace) if services else None

    @staticmethod
    def _port(proxy: Proxy) -> int | None:
        return proxy.workload.workload_port if proxy.workload is not None else None


def unknown_sidecar(pod: str) -> Proxy:
    """The sidecar of a pod the inputs have listeners for but do not describe."""
    return sidecar(Workload(pod, {}, 0))


def decorated(routes: Sequence[dict], operation: str) -> list[dict]:
    """``routes`` naming their spans ``operation``: an outbound listener's spans read as
    they would on a cluster (``egress reviews:9080``), where the application calls the
    Service by name rather than this listener's loopback address. The name stays with
    this span (the callee's sidecar names its own)."""
    return [{**route, "decorator": {"operation": operation, "propagate": False}} if "route" in route else route
            for route in routes]
