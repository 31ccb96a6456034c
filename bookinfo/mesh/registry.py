"""The service registry the translation reads: Services, ServiceEntries, DestinationRules,
and host-name resolution as Istio does it (short names are relative to the namespace of
the object that uses them)."""
from __future__ import annotations

from dataclasses import dataclass

from bookinfo.objects.kinds import ISTIO_NETWORKING
from bookinfo.objects.record import DEFAULT_NAMESPACE
from bookinfo.objects.services import DOMAIN_SUFFIX, Service

from .model import MeshInputs, Workload, labels_match

def namespace_of(obj: dict) -> str:
    return (obj.get("metadata") or {}).get("namespace") or DEFAULT_NAMESPACE


def is_kind(obj: dict, kind: str, api_group: str) -> bool:
    """Whether ``obj`` is a ``kind`` whose apiVersion is in ``api_group``."""
    return obj.get("kind") == kind and str(obj.get("apiVersion", "")).startswith(api_group + "/")


def objects_of_kind(config: list[dict], kind: str, api_group: str) -> list[dict]:
    """Objects of ``kind`` whose apiVersion is in ``api_group``, in apply order."""
    return [o for o in config if is_kind(o, kind, api_group)]


@dataclass(frozen=True)
class ExternalPort:
    """A port of a ServiceEntry host."""

    number: int
    name: str
    protocol: str
    target_port: int | None

    def is_http(self) -> bool:
        return self.protocol.upper() in {"HTTP", "HTTP2", "GRPC"}


@dataclass(frozen=True)
class ExternalHost:
    """One host of a ServiceEntry (e.g. www.googleapis.com)."""

    host: str
    ports: tuple[ExternalPort, ...]
    resolution: str
    addresses: tuple[tuple[str, dict], ...]  # (address, {port name: port})

    def port(self, number: int | None) -> ExternalPort | None:
        if number is None:
            return self.ports[0] if len(self.ports) == 1 else None
        return next((p for p in self.ports if p.number == number), None)


class Registry:
    """Lookups over one set of inputs."""

    def __init__(self, inputs: MeshInputs):
        self.workloads: list[Workload] = list(inputs.workloads)
        self.services: dict[str, Service] = {}
        for service in inputs.services:
            self.services.setdefault(service.fqdn, service)
        self.external: dict[str, ExternalHost] = {}
        for entry in objects_of_kind(inputs.config, "ServiceEntry", ISTIO_NETWORKING):
            for host in _external_hosts(entry):
                self.external.setdefault(host.host, host)
        self.destination_rules: dict[str, dict] = {}
        for rule in objects_of_kind(inputs.config, "DestinationRule", ISTIO_NETWORKING):
            host = self.resolve(rule["spec"]["host"], namespace_of(rule))
            self.destination_rules.setdefault(host, rule)  # the oldest rule wins, as in Istio

    def resolve(self, host: str, namespace: str = DEFAULT_NAMESPACE) -> str:
        """The registry key for ``host`` as written in an object in ``namespace``:
        ``reviews``, ``reviews.default``, ``reviews.default.svc`` and the FQDN all name
        the same Service; ServiceEntry hosts are kept as written."""
        host = host.lower()
        candidates = [host, f"{host}.{DOMAIN_SUFFIX}", f"{host}.cluster.local",
                      f"{host}.{namespace}.{DOMAIN_SUFFIX}"]
        for candidate in candidates:
            if candidate in self.services or candidate in self.external:
                return candidate
        return host if "." in host else f"{host}.{namespace}.{DOMAIN_SUFFIX}"

    def subset_labels(self, host: str, subset: str) -> dict | None:
        """The labels of ``subset`` in the host's DestinationRule, None if no rule defines it."""
        rule = self.destination_rules.get(host)
        for entry in (rule or {}).get("spec", {}).get("subsets") or []:
            if entry.get("name") == subset:
                return dict(entry.get("labels") or {})
        return None

    def endpoints(self, host: str, subset_labels: dict | None = None) -> list[Workload]:
        """The workloads behind a Service, narrowed to a subset: the workloads the Service
        selects AND the subset's labels match (by port, so the order is stable)."""
        service = self.services.get(host)
        if service is None:
            return []
        subset_labels = subset_labels or {}
        return sorted((w for w in self.workloads if w.ready and w.namespace == service.namespace
                       and labels_match(service.selector, w.labels)
                       and all(w.labels.get(k) == v for k, v in subset_labels.items())),
                      key=lambda w: w.port)

    def selects(self, workload: Workload) -> list[Service]:
        """The Services whose selector picks ``workload``."""
        return [s for s in self.services.values()
                if s.namespace == workload.namespace and labels_match(s.selector, workload.labels)]

    def is_http(self, host: str, port: int | None) -> bool:
        """Whether traffic to host:port is HTTP (routable) rather than plain TCP."""
        if host in self.services:
            service_port = self.services[host].port(port)
            return service_port.is_http() if service_port else True
        if host in self.external:
            external_port = self.external[host].port(port)
            return external_port.is_http() if external_port else False
        return True

    def default_port(self, host: str) -> int | None:
        """The port used when a route destination names none: the host's only port."""
        if host in self.services:
            only = self.services[host].port(None)
            return only.port if only else None
        if host in self.external:
            only = self.external[host].port(None)
            return only.number if only else None
        return None


def _external_hosts(entry: dict) -> list[ExternalHost]:
    spec = entry.get("spec") or {}
    ports = tuple(ExternalPort(int(p["number"]), p.get("name", ""), p.get("protocol", "TCP"),
                               p.get("targetPort")) for p in spec.get("ports") or [])
    addresses = tuple((e["address"], dict(e.get("ports") or {})) for e in spec.get("endpoints") or [])
    resolution = spec.get("resolution", "NONE")
    return [ExternalHost(h.lower(), ports, resolution, addresses) for h in spec.get("hosts") or []]
