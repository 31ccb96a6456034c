"""``istioctl proxy-config listeners|routes|clusters|endpoints POD``, read from the
running Envoy (admin ``/config_dump`` and ``/clusters``) and printed in istioctl's tables.

One Envoy serves every pod's sidecar, so a pod's listeners and routes are those named
after it (``outbound|<pod>|...``); the gateway's (``istio-ingressgateway``) are the
gateway listener's. Clusters and endpoints are shared: every sidecar sees all of them, as
an Istio sidecar without a Sidecar resource does. The DESTINATION RULE and VIRTUAL SERVICE
columns name the stored object that made a cluster or route, as istioctl does.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from bookinfo.mesh.model import GATEWAY_WORKLOAD
from bookinfo.mesh.registry import namespace_of
from bookinfo.mesh.translate import GATEWAY_LISTENER
from bookinfo.objects.kubectl_output import table

HCM = "envoy.filters.network.http_connection_manager"
TCP_PROXY = "envoy.filters.network.tcp_proxy"


def owned(name: str, pod: str) -> bool:
    """Whether a listener or route configuration belongs to ``pod``'s sidecar."""
    return name == GATEWAY_LISTENER if pod == GATEWAY_WORKLOAD else f"|{pod}|" in name


def _section(dump: Mapping, kind: str) -> Mapping:
    return next((c for c in dump.get("configs", []) if c.get("@type", "").rsplit(".", 1)[-1] == kind), {})


def listener_objects(dump: Mapping, pod: str) -> list[dict]:
    listeners = [entry["active_state"]["listener"] for entry in _section(dump, "ListenersConfigDump")
                 .get("dynamic_listeners", []) if "active_state" in entry]
    return [listener for listener in listeners if owned(listener["name"], pod)]


def route_objects(dump: Mapping, pod: str) -> list[dict]:
    routes = [entry["route_config"] for entry in _section(dump, "RoutesConfigDump").get("dynamic_route_configs", [])]
    return [route for route in routes if owned(route["name"], pod)]


def cluster_objects(dump: Mapping) -> list[dict]:
    return [entry["cluster"] for entry in _section(dump, "ClustersConfigDump").get("dynamic_active_clusters", [])]


def listeners_table(dump: Mapping, pod: str, port: int | None = None) -> list[str]:
    """ADDRESSES PORT MATCH DESTINATION, one row per filter chain."""
    rows = []
    for listener in listener_objects(dump, pod):
        address = listener["address"]["socket_address"]
        if port is not None and address["port_value"] != port:
            continue
        for chain in listener.get("filter_chains", []):
            rows.append([address["address"], str(address["port_value"]), "ALL", _destination(chain)])
    rows.sort(key=lambda row: (int(row[1]), row[0]))
    return table(["ADDRESSES", "PORT", "MATCH", "DESTINATION"], rows, padding=1)


def _destination(chain: Mapping) -> str:
    for network_filter in chain.get("filters", []):
        config = network_filter.get("typed_config", {})
        if network_filter["name"] == HCM:
            name = (config.get("rds") or {}).get("route_config_name")
            return f"Route: {name}" if name else "HTTP"
        if network_filter["name"] == TCP_PROXY:
            return f"Cluster: {config.get('cluster')}"
    return "Non-HTTP/Non-TCP"


def routes_table(dump: Mapping, pod: str, objects: Sequence[Mapping], name: str | None = None) -> list[str]:
    """NAME DOMAINS MATCH VIRTUAL SERVICE, one row per route of each virtual host."""
    rows = []
    for route_config in route_objects(dump, pod):
        if name and route_config["name"] != name:
            continue
        for host in route_config.get("virtual_hosts", []):
            domains = describe_domains(host.get("domains", []))
            for route in host.get("routes", []):
                rows.append([route_config["name"], domains, describe_match(route.get("match", {})),
                             _owner(route.get("name", ""), objects)])
            if not host.get("routes"):
                rows.append([route_config["name"], domains, "/*", "404"])
    return table(["NAME", "DOMAINS", "MATCH", "VIRTUAL SERVICE"], rows, padding=5)


def describe_domains(domains: Sequence[str]) -> str:
    """istioctl's DOMAINS: the names without ports, the expanded spellings folded, at most
    two and a count of the rest."""
    if len(domains) == 1:
        return domains[0]
    bare = [d for d in domains if ":" not in d] or list(dict.fromkeys(d.rsplit(":", 1)[0] for d in domains))
    unique = set(bare)
    kept = [d for d in bare if not any(d.endswith(suffix) and d[: -len(suffix)] in unique
                                       for suffix in (".svc.cluster.local", ".svc"))]
    if len(kept) > 2:
        return f"{', '.join(kept[:2])} + {len(kept) - 2} more..."
    return ", ".join(kept)


def describe_match(match: Mapping) -> str:
    conditions = []
    if "prefix" in match:
        conditions.append(f"{match['prefix']}*")
    if "path_separated_prefix" in match:
        conditions.append(f"{match['path_separated_prefix']}*")
    if "path" in match:
        conditions.append(match["path"])
    if "safe_regex" in match:
        conditions.append(f"regex {match['safe_regex'].get('regex', '')}")
    return " ".join(conditions)


def _owner(route_name: str, objects: Sequence[Mapping]) -> str:
    """The VirtualService or HTTPRoute a route came from (its rules are named after it)."""
    for obj in objects:
        name = obj["metadata"]["name"]
        if obj.get("kind") in ("VirtualService", "HTTPRoute") and route_name.startswith(name + "."):
            return f"{name}.{namespace_of(obj)}"
    return ""


def clusters_table(dump: Mapping, objects: Sequence[Mapping], fqdn: str | None = None,
                   port: int | None = None, subset: str | None = None, direction: str | None = None) -> list[str]:
    """SERVICE FQDN PORT SUBSET DIRECTION TYPE DESTINATION RULE."""
    rules = {}
    for obj in objects:
        if obj.get("kind") == "DestinationRule":
            host = obj["spec"]["host"]
            full = host if "." in host else f"{host}.{namespace_of(obj)}.svc.cluster.local"
            rules.setdefault(full, f"{obj['metadata']['name']}.{namespace_of(obj)}")
    rows = []
    for cluster in cluster_objects(dump):
        parts = cluster["name"].split("|")
        if len(parts) == 4:
            row = [parts[3], parts[1] or "-", parts[2] or "-", parts[0], cluster.get("type", "EDS"),
                   rules.get(parts[3], "")]
        else:
            row = [cluster["name"], "-", "-", "-", cluster.get("type", "EDS"), ""]
        wanted = ((fqdn, 0), (str(port) if port else None, 1), (subset, 2), (direction, 3))
        if all(value is None or row[index] == value for value, index in wanted):
            rows.append(row)
    rows.sort(key=lambda row: (row[0], row[2], row[1], row[3]))
    return table(["SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE", "DESTINATION RULE"], rows, padding=5)


def endpoints_table(clusters: Mapping, cluster: str | None = None, status: str | None = None) -> list[str]:
    """ENDPOINT STATUS OUTLIER CHECK CLUSTER, from the admin ``/clusters?format=json``."""
    rows = []
    for entry in clusters.get("cluster_statuses", []):
        if cluster and entry["name"] != cluster:
            continue
        for host in entry.get("host_statuses", []):
            address = host["address"]["socket_address"]
            health = host.get("health_status", {})
            failed = any(flag for key, flag in health.items() if key.startswith("failed"))
            healthy = health.get("eds_health_status", "HEALTHY") if not failed else "UNHEALTHY"
            if status and healthy != status.upper():
                continue
            rows.append([f"{address['address']}:{address['port_value']}", healthy,
                         "FAILED" if health.get("failed_outlier_check") else "OK", entry["name"]])
    rows.sort(key=lambda row: (row[3], row[0]))
    return table(["ENDPOINT", "STATUS", "OUTLIER CHECK", "CLUSTER"], rows, padding=5)
