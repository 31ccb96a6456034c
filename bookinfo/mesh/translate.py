"""build(inputs) -> EnvoyResources: the whole mesh as Envoy v3 resources. Pure.

- One outbound listener per (workload, service, port) in ``outbound_ports``: the
  caller's own view of the service, so ``sourceLabels`` and client-side rules (faults,
  retries, timeouts) apply where Istio's sidecar would apply them.
- One gateway listener on ``gateway_port`` for every Istio Gateway and Gateway API
  Gateway: whatever port a Gateway declares (8080, 80) is served on this one port.
- Routing for a host comes from the oldest object that routes it: a VirtualService
  bound to the mesh, or the HTTPRoutes attached to the Service (GAMMA). Without one, or
  when none of its rules applies to this caller, the caller gets Istio's default route.
- Each VirtualService and HTTPRoute is converted once into the route model
  (route_model.RouteTable), as pilot converts HTTPRoutes into VirtualServices; one
  translation (envoy_routes) then writes every listener's routes from it.
"""
from __future__ import annotations

from . import gateway_api_routes, istio_routes
from .clusters import ClusterBook
from .envoy_routes import envoy_routes
from .listeners import gateway_domains, http_listener, route_configuration, tcp_listener
from .model import GATEWAY_LABELS, EnvoyResources, MeshInputs
from .registry import GATEWAY_API, ISTIO_NETWORKING, Registry, is_kind
from .route_model import MESH, Caller, Destination, RouteRule, RouteTable, WeightedDestination

GATEWAY_LISTENER = "gateway"


def outbound_name(workload: str, service: str, port: int) -> str:
    """The name of a workload's listener (and route configuration) for service:port."""
    return f"outbound|{workload}|{service}|{port}"


def build(inputs: MeshInputs) -> EnvoyResources:
    registry = Registry(inputs)
    book = ClusterBook(registry)
    tables = route_tables(inputs.config, registry)
    labels = {w.name: dict(w.labels) for w in inputs.workloads}
    listeners, route_configs = [], []
    for (workload, service, service_port), port in sorted(inputs.outbound_ports.items()):
        name = outbound_name(workload, service, service_port)
        host = registry.resolve(service)
        if registry.is_http(host, service_port):
            caller = Caller(labels.get(workload, {}), frozenset({MESH}), frozenset({service_port}))
            routes = _mesh_routes(tables, host, service_port, caller, book)
            route_configs.append(route_configuration(name, [(["*"], routes)]))
            listeners.append(http_listener(name, port))
        else:
            listeners.append(tcp_listener(name, port, book.ref(host, service_port)))
    if inputs.gateway_port is not None:
        hosts = _gateway_hosts(inputs.config, tables, book)
        route_configs.append(route_configuration(GATEWAY_LISTENER, [
            (gateway_domains(host, inputs.gateway_port), routes) for host, routes in hosts]))
        listeners.append(http_listener(GATEWAY_LISTENER, inputs.gateway_port, edge=True))
    return EnvoyResources(listeners=listeners, clusters=book.build(), route_configs=route_configs)


def route_tables(config: list[dict], registry: Registry) -> list[RouteTable]:
    """Every VirtualService and HTTPRoute in the one route model, each converted once,
    in apply order."""
    tables = []
    for order, obj in enumerate(config):
        if is_kind(obj, "VirtualService", ISTIO_NETWORKING):
            tables.append(istio_routes.virtual_service_table(obj, order, registry))
        elif is_kind(obj, "HTTPRoute", GATEWAY_API):
            tables.append(gateway_api_routes.http_route_table(obj, order, registry))
    return tables


def _mesh_routes(tables: list[RouteTable], host: str, port: int, caller: Caller, book: ClusterBook) -> list[dict]:
    """The oldest table that routes host:port in the mesh decides (with the other
    HTTPRoutes of that Service if it is one); when none of its rules applies to this
    caller, the caller keeps the default route."""
    routing = [t for t in tables if t.routes_service(host, port)]
    if routing:
        rules = _merged(routing) if routing[0].merged else routing[0].rules
        routes = envoy_routes(rules, caller, book)
        if routes:
            return routes
    return envoy_routes([_default_rule(host, port)], caller, book)


def _merged(tables: list[RouteTable]) -> list[RouteRule]:
    """The rules of the Gateway API tables among ``tables``, in precedence order."""
    return sorted((rule for t in tables if t.merged for rule in t.rules), key=lambda rule: rule.precedence)


def _default_rule(host: str, port: int) -> RouteRule:
    """Istio's route without a VirtualService: the whole Service, default retries, no timeout."""
    return RouteRule(name="default", destinations=(WeightedDestination(Destination(host, port), 100),))


def _gateway_hosts(config: list[dict], tables: list[RouteTable],
                   book: ClusterBook) -> list[tuple[str, list[dict]]]:
    """Routes of the ingress gateway, one entry per host name, each host being a table's
    host narrowed by the hosts its Gateways serve ("*" serves every host).

    On a cluster, Istio Gateways and Gateway API Gateways are separate deployments; here
    one listener serves both: the VirtualServices' routes first, in apply order, then per
    host the merged HTTPRoutes' routes."""
    served = {**istio_routes.served_hosts(config), **gateway_api_routes.served_hosts(config)}
    caller = Caller(GATEWAY_LABELS, frozenset(served), istio_routes.server_ports(config))
    by_host: dict[str, list[dict]] = {}
    merged: dict[str, list[RouteTable]] = {}
    for table in tables:
        gateways = [key for key in table.parents if key in served]
        if not gateways:
            continue
        hosts = _narrowed(table.hostnames, [h for key in gateways for h in served[key]])
        if table.merged:
            for host in hosts:
                merged.setdefault(host, []).append(table)
        else:
            routes = envoy_routes(table.rules, caller, book)
            for host in hosts:
                by_host.setdefault(host, []).extend(routes)
    built = {rule: envoy_routes([rule], caller, book) for host_tables in merged.values()
             for table in host_tables for rule in table.rules}  # each attached route built once
    for host, host_tables in merged.items():
        by_host.setdefault(host, []).extend(route for rule in _merged(host_tables) for route in built[rule])
    return list(by_host.items())


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
