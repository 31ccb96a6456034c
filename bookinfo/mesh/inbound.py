"""A sidecar's inbound side: the one way into a workload from anywhere in the mesh.

Each workload with a sidecar gets ``inbound|<pod>|<workload port>`` on its own loopback
port, in front of its application port; the Services' endpoints are these listeners, so
every hop from another workload (or the gateway) passes the callee's sidecar, where its
PeerAuthentication, AuthorizationPolicies and RequestAuthentications are enforced. What
the listener accepts follows the workload's PeerAuthentication mode: STRICT only mutual
TLS with a mesh certificate, DISABLE only plain text, PERMISSIVE either (Envoy's TLS
inspector tells them apart). An HTTP workload's routes are inline (the one route to the
workload never changes with routing objects, and an inline route costs Envoy no file
watch); a workload no HTTP Service port selects is proxied as TCP.
"""
from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Sequence

from . import envoy_types as t
from .clusters import inbound_cluster
from .listeners import INBOUND, filter_chain, http_connection_manager, listener, route_configuration, tcp_proxy
from .model import EnvoyResources, Workload
from .peer_authentication import DISABLE, STRICT
from .proxies import sidecar
from .proxy_telemetry import ProxyTelemetry
from .registry import Registry
from .tls import MeshTls

NO_TIMEOUT = "0s"
LISTENER_DIGEST = "bookinfo.inbound_listener"
TLS_INSPECTOR = {"name": "envoy.filters.listener.tls_inspector", "typed_config": {"@type": t.TLS_INSPECTOR}}
MUTUAL_TLS, PLAIN_TEXT = "mutual_tls", "none"  # Istio's connection_security_policy


def inbound_name(workload: Workload) -> str:
    return f"inbound|{workload.name}|{workload.workload_port}"


def inbound_cluster_name(workload: Workload) -> str:
    """Istio's inbound cluster name (``inbound|9080||``), with the pod it leads to."""
    return f"inbound|{workload.workload_port}||{workload.name}"


def is_http(workload: Workload, registry: Registry) -> bool:
    """Whether a Service port that is HTTP selects the workload (Istio's inbound protocol)."""
    return any(port.is_http() for service in registry.selects(workload) for port in service.ports)


def inbound_resources(workload: Workload, registry: Registry, tls: MeshTls,
                      filters: Sequence[dict], telemetry: ProxyTelemetry) -> tuple[dict, dict]:
    """(listener, cluster) of the workload's sidecar; ``filters`` run before the router
    (HTTP filters), or before the TCP proxy (network filters) for a TCP workload;
    ``telemetry`` says what each filter chain reports (its access logs and metrics know
    whether the connection is mutual TLS)."""
    name, cluster, proxy = inbound_name(workload), inbound_cluster_name(workload), sidecar(workload)
    if is_http(workload, registry):
        routes = route_configuration(name, [(["*"], [{
            "name": "default", "match": {"prefix": "/"},
            "route": {"cluster": cluster, "timeout": NO_TIMEOUT}}])],
            vhost_names=[f"inbound|http|{workload.workload_port}"])
        routes.pop("@type")

        def chain(security_policy: str) -> list[dict]:
            reporting = telemetry.server_http(proxy, security_policy)
            return [http_connection_manager(name, [*reporting.first_filters, *copy.deepcopy(filters)],
                                            route_config=copy.deepcopy(routes), inbound=True,
                                            access_log=reporting.access_log, tracing=reporting.tracing,
                                            request_id=reporting.request_id,
                                            # the one virtual host matches any Host; the
                                            # workload gets the Host as the caller sent it
                                            strip_port=False)]
    else:
        def chain(security_policy: str) -> list[dict]:
            return [*copy.deepcopy(filters), tcp_proxy(name, cluster, telemetry.server_tcp(proxy, security_policy))]
    mode = tls.peers.mode(workload)
    secure = filter_chain(chain(MUTUAL_TLS), tls.downstream(workload), "tls")
    plain = filter_chain(chain(PLAIN_TEXT), transport_protocol="raw_buffer")
    chains = {STRICT: [secure], DISABLE: [plain]}.get(mode, [secure, plain])
    return (listener(name, workload.inbound_port, chains, [TLS_INSPECTOR], direction=INBOUND),
            inbound_cluster(cluster, workload.port))


def pin_endpoints(resources: EnvoyResources) -> EnvoyResources:
    """Stamp each endpoint that is a sidecar's inbound listener with a digest of that
    listener, so a change of the listener (a policy, a PeerAuthentication mode) changes
    every cluster leading to it.

    A changed listener serves new connections only: those already open stay on the old
    one until they close. Callers' pooled connections would so keep the old policy; a
    changed cluster, though, is a new cluster to Envoy, whose requests open new
    connections (the old pools drain), and those reach the new listener at once.
    """
    digests = {}
    for entry in resources.listeners:
        if entry["name"].startswith("inbound|"):
            text = json.dumps(entry, sort_keys=True)
            digests[entry["address"]["socket_address"]["port_value"]] = hashlib.sha256(text.encode()).hexdigest()[:16]
    for cluster in resources.clusters:
        for group in (cluster.get("load_assignment") or {}).get("endpoints") or []:
            for endpoint in group.get("lb_endpoints") or []:
                digest = digests.get(endpoint["endpoint"]["address"]["socket_address"].get("port_value"))
                if digest is not None:
                    metadata = endpoint.setdefault("metadata", {}).setdefault("filter_metadata", {})
                    metadata[LISTENER_DIGEST] = {"digest": digest}
    return resources
