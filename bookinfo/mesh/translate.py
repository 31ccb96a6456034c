"""build(inputs) -> EnvoyResources: the whole mesh as Envoy v3 resources. Pure.

- One outbound listener per (workload, service, port) in ``outbound_ports``: the
  caller's own view of the service, so ``sourceLabels`` and client-side rules (faults,
  retries, timeouts) apply where Istio's sidecar would apply them.
- One gateway listener on ``gateway_port`` for every Istio Gateway and Gateway API
  Gateway: whatever port a Gateway declares (8080, 80) is served on this one port.
- Routing for a host comes from the oldest object that routes it: a VirtualService
  bound to the mesh, or the HTTPRoutes attached to the Service (GAMMA). Without one, or
  when none of its rules applies to this caller, the caller gets Istio's default route.
"""
from __future__ import annotations

from .clusters import ClusterBook
from .gateway_api_routes import http_route_routes
from .istio_routes import MESH, Caller, bound_gateways, virtual_service_routes
from .listeners import http_listener, route_configuration, tcp_listener
from .model import GATEWAY_LABELS, EnvoyResources, MeshInputs
from .registry import GATEWAY_API, ISTIO, Registry, namespace_of, objects_of_kind
from .route_parts import Backend, forward, istio_default_retry_policy, timeout

GATEWAY_LISTENER = "gateway"


def outbound_name(workload: str, service: str, port: int) -> str:
    """The name of a workload's listener (and route configuration) for service:port."""
    return f"outbound|{workload}|{service}|{port}"


def build(inputs: MeshInputs) -> EnvoyResources:
    registry = Registry(inputs)
    book = ClusterBook(registry)
    labels = {w.name: dict(w.labels) for w in inputs.workloads}
    listeners, route_configs = [], []
    for (workload, service, service_port), port in sorted(inputs.outbound_ports.items()):
        name = outbound_name(workload, service, service_port)
        host = registry.resolve(service)
        if registry.is_http(host, service_port):
            caller = Caller(labels.get(workload, {}), frozenset({MESH}), frozenset({service_port}))
            routes = _outbound_routes(inputs.config, registry, book, host, service_port, caller)
            route_configs.append(route_configuration(name, [(["*"], routes)]))
            listeners.append(http_listener(name, port))
        else:
            listeners.append(tcp_listener(name, port, book.ref(host, service_port)))
    if inputs.gateway_port is not None:
        route_configs.append(route_configuration(GATEWAY_LISTENER, _gateway_hosts(inputs.config, book)))
        listeners.append(http_listener(GATEWAY_LISTENER, inputs.gateway_port, edge=True))
    return EnvoyResources(listeners=listeners, clusters=book.build(), route_configs=route_configs)


def _outbound_routes(config, registry, book, host, port, caller) -> list[dict]:
    for obj in config:
        if _routes_host_in_mesh(obj, registry, host, port):
            if obj["kind"] == "VirtualService":
                routes = virtual_service_routes(obj, caller, book)
            else:
                routes = _sorted_routes(config, book, lambda r: _attached_to_service(r, registry, host, port))
            if routes:
                return routes
            break
    return [_default_route(book.ref(host, port))]


def _routes_host_in_mesh(obj: dict, registry: Registry, host: str, port: int) -> bool:
    if obj.get("kind") == "VirtualService" and str(obj.get("apiVersion", "")).startswith(ISTIO + "/"):
        hosts = {registry.resolve(h, namespace_of(obj)) for h in obj["spec"].get("hosts") or []}
        return host in hosts and MESH in bound_gateways(obj)
    if obj.get("kind") == "HTTPRoute" and str(obj.get("apiVersion", "")).startswith(GATEWAY_API + "/"):
        return _attached_to_service(obj, registry, host, port)
    return False


def _attached_to_service(route: dict, registry: Registry, host: str, port: int) -> bool:
    """GAMMA: a parentRef of kind Service applies to every caller of that Service."""
    for ref in route["spec"].get("parentRefs") or []:
        if ref.get("kind") == "Service" and ref.get("group", "") in ("", "core"):
            target = registry.resolve(ref["name"], ref.get("namespace", namespace_of(route)))
            if target == host and int(ref.get("port", port)) == port:
                return True
    return False


def _sorted_routes(config, book, attached) -> list[dict]:
    keyed = []
    for order, route in enumerate(objects_of_kind(config, "HTTPRoute", GATEWAY_API)):
        if attached(route):
            keyed += http_route_routes(route, order, book)
    return [route for _, route in sorted(keyed, key=lambda pair: pair[0])]


def _default_route(cluster: str) -> dict:
    route = {"name": "default", "match": {"prefix": "/"}}
    forward(route, [Backend(cluster, 100)])
    route["route"].update(timeout=timeout(None), retry_policy=istio_default_retry_policy())
    return route


def _gateway_hosts(config: list[dict], book: ClusterBook) -> list[tuple[list[str], list[dict]]]:
    """Virtual hosts of the ingress gateway, one per host name, each host being a route's
    host narrowed by the hosts its Gateway serves ("*" serves every host)."""
    istio_gateways = {f"{namespace_of(g)}/{g['metadata']['name']}": g
                      for g in objects_of_kind(config, "Gateway", ISTIO)}
    server_ports = frozenset(int(s["port"]["number"]) for g in istio_gateways.values()
                             for s in g["spec"].get("servers") or [])
    caller = Caller(GATEWAY_LABELS, frozenset(istio_gateways), server_ports)
    by_host: dict[str, list[dict]] = {}
    for vs in objects_of_kind(config, "VirtualService", ISTIO):
        bound = bound_gateways(vs) & caller.gateways
        if bound:
            served = [h.split("/", 1)[-1] for key in sorted(bound)
                      for server in istio_gateways[key]["spec"].get("servers") or []
                      for h in server.get("hosts") or ["*"]]
            routes = virtual_service_routes(vs, caller, book)
            for host in _narrowed(vs["spec"].get("hosts") or [], served):
                by_host.setdefault(host, []).extend(routes)
    api_gateways = {f"{namespace_of(g)}/{g['metadata']['name']}": g
                    for g in objects_of_kind(config, "Gateway", GATEWAY_API)}
    attached = [r for r in objects_of_kind(config, "HTTPRoute", GATEWAY_API)
                if _attached_gateways(r, api_gateways)]
    hosts_of = {id(r): _narrowed(r["spec"].get("hostnames") or ["*"],
                                 [listener.get("hostname", "*") for key in _attached_gateways(r, api_gateways)
                                  for listener in api_gateways[key]["spec"].get("listeners") or []])
                for r in attached}
    for hostname in dict.fromkeys(h for r in attached for h in hosts_of[id(r)]):
        by_host.setdefault(hostname, []).extend(
            _sorted_routes(config, book, lambda r, h=hostname: id(r) in hosts_of and h in hosts_of[id(r)]))
    return [([host], routes) for host, routes in by_host.items()]


def _attached_gateways(route: dict, gateways: dict) -> list[str]:
    keys = []
    for ref in route["spec"].get("parentRefs") or []:
        if ref.get("kind", "Gateway") == "Gateway" and ref.get("group", GATEWAY_API) == GATEWAY_API:
            key = f"{ref.get('namespace', namespace_of(route))}/{ref['name']}"
            if key in gateways:
                keys.append(key)
    return keys


def _narrowed(route_hosts: list[str], served_hosts: list[str]) -> list[str]:
    """Route hosts as the gateway serves them: the more specific of each pair that
    overlaps ("*" overlaps everything, "*.example.com" its subdomains)."""
    out: dict[str, None] = {}
    for route_host in (h.lower() for h in route_hosts):
        for served in (h.lower() for h in served_hosts):
            narrowed = _overlap(route_host, served)
            if narrowed:
                out[narrowed] = None
    return list(out)


def _overlap(a: str, b: str) -> str | None:
    if a == "*" or a == b:
        return b
    if b == "*":
        return a
    if a.startswith("*.") and b.endswith(a[1:]):
        return b
    if b.startswith("*.") and a.endswith(b[1:]):
        return a
    return None
