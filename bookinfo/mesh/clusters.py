"""Clusters: one per (host, port, subset) that exists or that a route names, with the
DestinationRule traffic policy applied as Istio does (top level, then port level, then
the subset's own policy; each section replaces the one before).

A cluster that carries Istio's mutual TLS presents its caller's certificate, so it is
one per caller identity (``<Istio's name>|<namespace>/<service account>``); the callers
of one identity share it, and a plain-text cluster is shared by all. Mutual TLS is
Istio's auto mTLS unless the DestinationRule sets ``tls.mode``: each endpoint whose
sidecar takes it (tlsMode=istio) gets mutual TLS, the others plain text;
``ISTIO_MUTUAL`` sends it to every endpoint, ``DISABLE`` to none.
"""
from __future__ import annotations

import copy
import functools

from . import envoy_types as t
from .durations import envoy_duration
from .identity import namespace_and_account
from .istio_metrics import endpoint_metadata, service_metadata
from .peers import peer
from .proxies import sidecar
from .registry import Registry
from .tls import ISTIO_TLS_MODE, TRANSPORT_SOCKET_MATCH, MeshTls, originated, sni

ISTIO_CONNECT_TIMEOUT = "10s"
LB_POLICIES = {"ROUND_ROBIN": "ROUND_ROBIN", "LEAST_REQUEST": "LEAST_REQUEST",
               "LEAST_CONN": "LEAST_REQUEST", "RANDOM": "RANDOM", "UNSPECIFIED": "LEAST_REQUEST"}
POLICY_SECTIONS = ("loadBalancer", "connectionPool", "outlierDetection", "tls")
AUTO_MTLS, ISTIO_MUTUAL = "AUTO", "ISTIO_MUTUAL"


def cluster_name(host: str, port: int | None, subset: str | None = None) -> str:
    """Istio's naming, so config dumps read like a sidecar's."""
    return f"outbound|{port or ''}|{subset or ''}|{host}"


class ClusterBook:
    """Collects the clusters a translation needs; routes ask it for names."""

    def __init__(self, registry: Registry, tls: MeshTls):
        self.registry = registry
        self.tls = tls
        self._wanted: dict[str, tuple[str, int | None, str | None, str | None]] = {}
        for host, service in registry.services.items():
            for port in service.ports:
                self._want(host, port.port, None)
                for subset in _subset_names(registry.destination_rules.get(host)):
                    self._want(host, port.port, subset)
        for host, external in registry.external.items():
            for port in external.ports:
                self._want(host, port.number, None)

    def ref(self, host: str, port: int | None, subset: str | None = None, caller: str | None = None) -> str:
        """The cluster for a route destination, as ``caller`` (a SPIFFE identity; None for
        a client without one, which can only speak plain text) sends to it. An unknown
        host or a subset no DestinationRule defines gives a cluster without endpoints, so
        the request gets Envoy's 503 "no healthy upstream", as it does in Istio."""
        port = port if port is not None else self.registry.default_port(host)
        if caller is None or self._mesh_mtls(host, port, subset) is None:
            caller = None
        return self._want(host, port, subset, caller)

    def as_caller(self, caller: str | None) -> "ClusterBook":
        """This book as one caller uses it: ``ref`` names that caller's clusters."""
        view = copy.copy(self)
        view.ref = functools.partial(self.ref, caller=caller)
        return view

    def _want(self, host: str, port: int | None, subset: str | None, caller: str | None = None) -> str:
        name = cluster_name(host, port, subset)
        if caller is not None:
            name += "|{}/{}".format(*namespace_and_account(caller))
        self._wanted.setdefault(name, (host, port, subset, caller))
        return name

    def build(self) -> list[dict]:
        return [self._cluster(name, *key) for name, key in sorted(self._wanted.items())]

    def _cluster(self, name: str, host: str, port: int | None, subset: str | None, caller: str | None) -> dict:
        cluster = {"@type": t.CLUSTER, "name": name, "connect_timeout": ISTIO_CONNECT_TIMEOUT,
                   "lb_policy": "LEAST_REQUEST",
                   "circuit_breakers": {"thresholds": [_unlimited_thresholds()]}}
        external = self.registry.external.get(host)
        mtls = self._mesh_mtls(host, port, subset) if caller else None
        if external is not None:
            cluster.update(_external_endpoints(name, external, port))
            cluster["metadata"] = {"filter_metadata": service_metadata(host, host, "unknown")}
            servers = []
        else:
            servers = self._endpoints(host, subset)
            cluster["type"] = "STATIC"
            cluster["load_assignment"] = _load_assignment(name, [
                ("127.0.0.1", w.address_port, mtls == AUTO_MTLS and self.tls.accepts_mtls(w)) for w in servers],
                [endpoint_metadata(peer(sidecar(w))) for w in servers])
            service = self.registry.services.get(host)
            if service is not None:
                cluster["metadata"] = {"filter_metadata": service_metadata(host, service.name, service.namespace)}
        _apply_policy(cluster, self._policy(host, port, subset), host)
        if caller is not None:
            # One cluster per caller identity, seen as Istio's one cluster in stats and logs.
            cluster["alt_stat_name"] = cluster_name(host, port, subset)
        if mtls is not None:
            socket = self.tls.upstream(caller, [w.identity for w in servers], sni(host, port, subset))
            if mtls == ISTIO_MUTUAL:
                cluster["transport_socket"] = socket
            else:
                cluster["transport_socket_matches"] = [
                    {"name": "tlsMode-istio", "match": ISTIO_TLS_MODE, "transport_socket": socket},
                    {"name": "tlsMode-disabled", "match": {}, "transport_socket": {
                        "name": "envoy.transport_sockets.raw_buffer", "typed_config": {"@type": t.RAW_BUFFER}}}]
        return cluster

    def _endpoints(self, host: str, subset: str | None) -> list:
        labels = self.registry.subset_labels(host, subset) if subset else {}
        return [] if labels is None else self.registry.endpoints(host, labels)

    def _mesh_mtls(self, host: str, port: int | None, subset: str | None) -> str | None:
        """ISTIO_MUTUAL, AUTO_MTLS (some endpoint takes mutual TLS) or None (plain text,
        or the DestinationRule's own TLS)."""
        mode = (self._policy(host, port, subset).get("tls") or {}).get("mode")
        if mode == ISTIO_MUTUAL:
            return ISTIO_MUTUAL
        if mode is None and any(self.tls.accepts_mtls(w) for w in self._endpoints(host, subset)):
            return AUTO_MTLS
        return None

    def _policy(self, host: str, port: int | None, subset: str | None) -> dict:
        spec = (self.registry.destination_rules.get(host) or {}).get("spec") or {}
        policy = _with_port_level(spec.get("trafficPolicy") or {}, port)
        if subset:
            entry = next((s for s in spec.get("subsets") or [] if s.get("name") == subset), {})
            policy.update(_with_port_level(entry.get("trafficPolicy") or {}, port))
        return policy


def _subset_names(rule: dict | None) -> list[str]:
    return [s["name"] for s in ((rule or {}).get("spec") or {}).get("subsets") or []]


def _with_port_level(policy: dict, port: int | None) -> dict:
    sections = {k: policy[k] for k in POLICY_SECTIONS if k in policy}
    for level in policy.get("portLevelSettings") or []:
        if (level.get("port") or {}).get("number") == port:
            sections.update({k: level[k] for k in POLICY_SECTIONS if k in level})
    return sections


def _unlimited_thresholds() -> dict:
    """Istio lifts Envoy's default circuit-breaker limits (1024) unless a rule sets them."""
    return {"max_connections": t.MAX_UINT32, "max_pending_requests": t.MAX_UINT32,
            "max_requests": t.MAX_UINT32, "max_retries": t.MAX_UINT32}


def _load_assignment(name: str, addresses: list[tuple[str, int, bool]], metadata: list[dict] = ()) -> dict:
    """Endpoints at (address, port, whether it takes Istio's mutual TLS), each with the
    filter metadata of the same index in ``metadata`` (the workload behind it)."""
    lb_endpoints = []
    for index, (address, port, mtls) in enumerate(addresses):
        endpoint: dict = {"endpoint": {"address": t.socket_address(port, address)}}
        filter_metadata = dict(metadata[index]) if index < len(metadata) else {}
        if mtls:
            filter_metadata[TRANSPORT_SOCKET_MATCH] = dict(ISTIO_TLS_MODE)
        if filter_metadata:
            endpoint["metadata"] = {"filter_metadata": filter_metadata}
        lb_endpoints.append(endpoint)
    return {"cluster_name": name, "endpoints": [{"lb_endpoints": lb_endpoints}] if lb_endpoints else []}


def _external_endpoints(name: str, external, port: int | None) -> dict:
    """A ServiceEntry host: DNS resolution -> STRICT_DNS, STATIC -> the listed addresses."""
    declared = external.port(port)
    port_name = declared.name if declared else ""
    target = (declared.target_port if declared else None) or port
    if external.addresses:
        addresses = [(address, int(ports.get(port_name, target)), False) for address, ports in external.addresses]
    else:
        addresses = [(external.host, target, False)]
    kind = "STATIC" if external.resolution == "STATIC" else "STRICT_DNS"
    fields = {"type": kind, "load_assignment": _load_assignment(name, addresses)}
    if kind == "STRICT_DNS":
        fields["dns_lookup_family"] = "V4_ONLY"
    return fields


def _apply_policy(cluster: dict, policy: dict, host: str) -> None:
    simple = (policy.get("loadBalancer") or {}).get("simple")
    if simple:
        cluster["lb_policy"] = LB_POLICIES[simple]
    _apply_connection_pool(cluster, policy.get("connectionPool") or {})
    if "outlierDetection" in policy:
        _apply_outlier_detection(cluster, policy["outlierDetection"] or {})
    tls = policy.get("tls") or {}
    if tls.get("mode") == "SIMPLE":
        cluster["transport_socket"] = originated(tls, host)


def _apply_connection_pool(cluster: dict, pool: dict) -> None:
    tcp, http = pool.get("tcp") or {}, pool.get("http") or {}
    limits = cluster["circuit_breakers"]["thresholds"][0]
    for source, key, field in ((tcp, "maxConnections", "max_connections"),
                               (http, "http1MaxPendingRequests", "max_pending_requests"),
                               (http, "http2MaxRequests", "max_requests"),
                               (http, "maxRetries", "max_retries")):
        if source.get(key):
            limits[field] = int(source[key])
    if tcp.get("connectTimeout"):
        cluster["connect_timeout"] = envoy_duration(tcp["connectTimeout"])
    common = {}
    if http.get("maxRequestsPerConnection"):
        common["max_requests_per_connection"] = int(http["maxRequestsPerConnection"])
    if http.get("idleTimeout"):
        common["idle_timeout"] = envoy_duration(http["idleTimeout"])
    if common:
        cluster["typed_extension_protocol_options"] = {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": t.HTTP_PROTOCOL_OPTIONS, "common_http_protocol_options": common,
            "explicit_http_config": {"http_protocol_options": {}}}}


def _apply_outlier_detection(cluster: dict, spec: dict) -> None:
    """Istio's mapping: the error counts it sets are enforced at 100 %, success-rate
    ejection stays off."""
    out: dict = {"enforcing_success_rate": 0}
    if "consecutive5xxErrors" in spec:
        out["consecutive_5xx"] = int(spec["consecutive5xxErrors"])
        out["enforcing_consecutive_5xx"] = 100 if out["consecutive_5xx"] > 0 else 0
    if "consecutiveGatewayErrors" in spec:
        out["consecutive_gateway_failure"] = int(spec["consecutiveGatewayErrors"])
        out["enforcing_consecutive_gateway_failure"] = 100 if out["consecutive_gateway_failure"] > 0 else 0
    if spec.get("splitExternalLocalOriginErrors"):
        out["split_external_local_origin_errors"] = True
        if "consecutiveLocalOriginFailures" in spec:
            out["consecutive_local_origin_failure"] = int(spec["consecutiveLocalOriginFailures"])
    for key, field in (("interval", "interval"), ("baseEjectionTime", "base_ejection_time")):
        if spec.get(key):
            out[field] = envoy_duration(spec[key])
    if "maxEjectionPercent" in spec:
        out["max_ejection_percent"] = int(spec["maxEjectionPercent"])
    cluster["outlier_detection"] = out
    if "minHealthPercent" in spec:
        cluster["common_lb_config"] = {"healthy_panic_threshold": {"value": float(spec["minHealthPercent"])}}


def inbound_cluster(name: str, port: int) -> dict:
    """A sidecar's way into its own workload: the workload's port on loopback."""
    return {"@type": t.CLUSTER, "name": name, "connect_timeout": ISTIO_CONNECT_TIMEOUT, "type": "STATIC",
            "circuit_breakers": {"thresholds": [_unlimited_thresholds()]},
            "load_assignment": _load_assignment(name, [("127.0.0.1", port, False)])}
