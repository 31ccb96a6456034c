"""Clusters: one per (host, port, subset) that exists or that a route names, with the
DestinationRule traffic policy applied as Istio does (top level, then port level, then
the subset's own policy; each section replaces the one before)."""
from __future__ import annotations

from . import envoy_types as t
from .durations import envoy_duration
from .registry import Registry

ISTIO_CONNECT_TIMEOUT = "10s"
LB_POLICIES = {"ROUND_ROBIN": "ROUND_ROBIN", "LEAST_REQUEST": "LEAST_REQUEST",
               "LEAST_CONN": "LEAST_REQUEST", "RANDOM": "RANDOM", "UNSPECIFIED": "LEAST_REQUEST"}
POLICY_SECTIONS = ("loadBalancer", "connectionPool", "outlierDetection", "tls")


def cluster_name(host: str, port: int | None, subset: str | None = None) -> str:
    """Istio's naming, so config dumps read like a sidecar's."""
    return f"outbound|{port or ''}|{subset or ''}|{host}"


class ClusterBook:
    """Collects the clusters a translation needs; routes ask it for names."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self._wanted: dict[str, tuple[str, int | None, str | None]] = {}
        for host, service in registry.services.items():
            for port in service.ports:
                self._want(host, port.port, None)
                for subset in _subset_names(registry.destination_rules.get(host)):
                    self._want(host, port.port, subset)
        for host, external in registry.external.items():
            for port in external.ports:
                self._want(host, port.number, None)

    def ref(self, host: str, port: int | None, subset: str | None = None) -> str:
        """The cluster for a route destination; an unknown host or a subset no
        DestinationRule defines gives a cluster without endpoints, so the request gets
        Envoy's 503 "no healthy upstream", as it does in Istio."""
        return self._want(host, port if port is not None else self.registry.default_port(host), subset)

    def _want(self, host: str, port: int | None, subset: str | None) -> str:
        name = cluster_name(host, port, subset)
        self._wanted.setdefault(name, (host, port, subset))
        return name

    def build(self) -> list[dict]:
        return [self._cluster(name, *key) for name, key in sorted(self._wanted.items())]

    def _cluster(self, name: str, host: str, port: int | None, subset: str | None) -> dict:
        cluster = {"@type": t.CLUSTER, "name": name, "connect_timeout": ISTIO_CONNECT_TIMEOUT,
                   "lb_policy": "LEAST_REQUEST",
                   "circuit_breakers": {"thresholds": [_unlimited_thresholds()]}}
        external = self.registry.external.get(host)
        if external is not None:
            cluster.update(_external_endpoints(name, external, port))
        else:
            labels = self.registry.subset_labels(host, subset) if subset else {}
            ports = [] if labels is None else self.registry.endpoints(host, labels)
            cluster["type"] = "STATIC"
            cluster["load_assignment"] = _load_assignment(name, [("127.0.0.1", p) for p in ports])
        _apply_policy(cluster, self._policy(host, port, subset), host)
        return cluster

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


def _load_assignment(name: str, addresses: list[tuple[str, int]]) -> dict:
    lb_endpoints = [{"endpoint": {"address": t.socket_address(port, address)}}
                    for address, port in addresses]
    return {"cluster_name": name, "endpoints": [{"lb_endpoints": lb_endpoints}] if lb_endpoints else []}


def _external_endpoints(name: str, external, port: int | None) -> dict:
    """A ServiceEntry host: DNS resolution -> STRICT_DNS, STATIC -> the listed addresses."""
    declared = external.port(port)
    port_name = declared.name if declared else ""
    target = (declared.target_port if declared else None) or port
    if external.addresses:
        addresses = [(address, int(ports.get(port_name, target))) for address, ports in external.addresses]
    else:
        addresses = [(external.host, target)]
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
        cluster["transport_socket"] = {"name": "envoy.transport_sockets.tls", "typed_config": {
            "@type": t.UPSTREAM_TLS, "sni": tls.get("sni") or host}}


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
