"""build(inputs) -> EnvoyResources: the whole mesh as Envoy v3 resources. Pure.

- One outbound listener per (workload, service, port) in ``outbound_ports``: the
  caller's own view of the service, so ``sourceLabels`` and client-side rules (faults,
  retries, timeouts) apply where Istio's sidecar would apply them.
- Per workload in ``http_proxy_ports``, an HTTP forward proxy (``outbound|<workload>|
  http-proxy``): one virtual host per HTTP Service port the workload has a listener for,
  named as a pod names it (``reviews:9080``, ``reviews.default.svc.cluster.local:9080``,
  and the bare name for port 80), routed exactly as that outbound listener routes. A
  command run "in the pod" (``bookinfo exec``) reaches Services by name through it.
- Every listener reports as the Telemetry API says (bookinfo.mesh.proxy_telemetry):
  access log lines to its workload's file, Istio's standard metrics, spans.
- One gateway listener on ``gateway_port`` for every Istio Gateway and Gateway API
  Gateway: whatever port a Gateway declares (8080, 80) is served on this one port.
- Routing for a host comes from the oldest object that routes it: a VirtualService
  bound to the mesh, or the HTTPRoutes attached to the Service (GAMMA). Without one, or
  when none of its rules applies to this caller, the caller gets Istio's default route.
- Each VirtualService and HTTPRoute is converted once into the route model
  (route_model.RouteTable), as pilot converts HTTPRoutes into VirtualServices; one
  translation (envoy_routes) then writes every listener's routes from it.
- One inbound listener per workload with a sidecar (inbound.py): the Services' endpoints,
  where the callee's PeerAuthentication is enforced; hops between sidecars (and from the
  gateway) are mutual TLS as Istio's auto mTLS and the DestinationRules decide (clusters.py).
- Where a proxy takes requests (inbound, gateway) it runs the RequestAuthentications,
  AuthorizationPolicies and TrafficExtensions that select it (proxy_filters.py).
- EnvoyFilter patches come last, over all of that (envoy_filters.py).
"""
from __future__ import annotations

from bookinfo.objects.kinds import GATEWAY_API, ISTIO_NETWORKING

from . import gateway_api_routes, istio_routes
from .access_log import access_log
from .clusters import ClusterBook
from .envoy_filters import apply_envoy_filters
from .envoy_routes import envoy_routes
from .identity import GATEWAY_IDENTITY
from .inbound import inbound_resources, is_http, pin_endpoints
from .listeners import gateway_domains, http_listener, route_configuration, tcp_listener
from .model import GATEWAY_LABELS, EnvoyResources, MeshInputs
from .peer_authentication import PeerAuthentications
from .proxies import GATEWAY, sidecar
from .proxy_filters import ProxyFilters
from .proxy_telemetry import ProxyTelemetry, decorated, unknown_sidecar
from .registry import Registry, is_kind, namespace_of, objects_of_kind
from .route_model import MESH, Caller, Destination, RouteRule, RouteTable, WeightedDestination
from .tls import MeshTls

GATEWAY_LISTENER = "gateway"


def outbound_name(workload: str, service: str, port: int) -> str:
    """The name of a workload's listener (and route configuration) for service:port."""
    return f"outbound|{workload}|{service}|{port}"


def http_proxy_name(workload: str) -> str:
    """The name of a workload's HTTP forward proxy listener (and route configuration)."""
    return f"outbound|{workload}|http-proxy"


def build(inputs: MeshInputs) -> EnvoyResources:
    registry = Registry(inputs)
    tls = MeshTls(inputs, PeerAuthentications(inputs.config))
    book = ClusterBook(registry, tls)
    tables = route_tables(inputs.config, registry)
    filters = ProxyFilters(inputs.config, registry)
    telemetry = ProxyTelemetry(inputs, registry)
    workloads = {w.name: w for w in inputs.workloads}
    listeners, route_configs, inbound_clusters = [], [], []
    proxied: dict[str, list[tuple[list[str], list[dict]]]] = {w: [] for w in inputs.http_proxy_ports}
    for (pod, service, service_port), port in sorted(inputs.outbound_ports.items()):
        name = outbound_name(pod, service, service_port)
        host = registry.resolve(service)
        workload = workloads.get(pod)
        proxy = sidecar(workload) if workload else unknown_sidecar(pod)
        identity = workload.identity if workload else None
        if registry.is_http(host, service_port):
            caller = Caller(workload.labels if workload else {}, frozenset({MESH}), frozenset({service_port}),
                            identity)
            routes = _mesh_routes(tables, host, service_port, caller, book)
            reporting = telemetry.client_http(proxy, service_port)
            traced = decorated(routes, f"egress {service}:{service_port}") if reporting.tracing else routes
            headers = telemetry.peer_header(proxy) if host in registry.services else []
            route_configs.append(route_configuration(name, [(["*"], traced)], [f"{host}:{service_port}"], headers))
            listeners.append(http_listener(name, port, filters.sending(workload and proxy, [service_port]),
                                           access_log=reporting.access_log, tracing=reporting.tracing,
                                           request_id=reporting.request_id))
            if pod in proxied:
                proxied[pod].append((_proxy_domains(registry, host, service_port), routes))
        else:
            listeners.append(tcp_listener(name, port, book.ref(host, service_port, caller=identity),
                                          access_log=telemetry.client_tcp(proxy, service_port)))
    for pod, hosts in sorted(proxied.items()):
        name = http_proxy_name(pod)
        workload = workloads.get(pod)
        proxy = sidecar(workload) if workload else unknown_sidecar(pod)
        reporting = telemetry.client_http(proxy)
        route_configs.append(route_configuration(name, hosts, request_headers_to_add=telemetry.peer_header(proxy)))
        listeners.append(http_listener(name, inputs.http_proxy_ports[pod], filters.sending(workload and proxy, []),
                                       strip_port=False, access_log=reporting.access_log,
                                       tracing=reporting.tracing, request_id=reporting.request_id))
    for workload in inputs.workloads:
        if workload.inbound_port is not None:
            proxy, ports = sidecar(workload), [workload.workload_port]
            served = (filters.serving(proxy, ports) if is_http(workload, registry)
                      else filters.tcp_serving(proxy, ports))
            listener, cluster = inbound_resources(workload, registry, tls, served, telemetry)
            listeners.append(listener)
            inbound_clusters.append(cluster)
    if inputs.gateway_port is not None:
        virtual_hosts, names = _gateway_hosts(inputs.config, tables, book)
        route_configs.append(route_configuration(GATEWAY_LISTENER, [
            (gateway_domains(host, inputs.gateway_port), routes) for [host], routes in virtual_hosts], names,
            telemetry.peer_header(GATEWAY)))
        reporting = telemetry.client_http(GATEWAY)
        listeners.append(http_listener(GATEWAY_LISTENER, inputs.gateway_port,
                                       filters.serving(GATEWAY, _gateway_ports(inputs), fault=True), edge=True,
                                       strip_port=False, access_log=reporting.access_log,
                                       tracing=reporting.tracing, request_id=reporting.request_id))
    resources = EnvoyResources(listeners=listeners,
                               clusters=book.build() + inbound_clusters + filters.clusters() + telemetry.clusters(),
                               route_configs=route_configs)
    proxies = [sidecar(w) for w in inputs.workloads] + ([GATEWAY] if inputs.gateway_port is not None else [])
    patched = apply_envoy_filters(resources, inputs.config, registry, proxies, frozenset(_gateway_ports(inputs)))
    return pin_endpoints(patched)


def _gateway_ports(inputs: MeshInputs) -> set[int]:
    """The ports the gateway stands for: every port a Gateway declares, and its own."""
    return gateway_ports(inputs.config) | {inputs.gateway_port}


def gateway_ports(config: list[dict]) -> set[int]:
    """The ports the Istio Gateways' servers and the Gateway API Gateways' listeners declare."""
    return {port for ports in _declared_ports(config).values() for port in ports}


def _proxy_domains(registry: Registry, host: str, port: int) -> list[str]:
    """Every name a pod may give a Service port in a request: ``name:port`` in each
    spelling, and the bare name when the port is HTTP's own 80."""
    service = registry.services.get(host)
    names = list(service.hosts()) if service is not None else [host]
    return [f"{name}:{port}" for name in names] + (names if port == 80 else [])


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
                   book: ClusterBook) -> tuple[list[tuple[list[str], list[dict]]], list[str]]:
    """Virtual hosts of the ingress gateway, one per host name, each host being a table's
    host narrowed by the hosts its Gateways serve ("*" serves every host); and their names
    as Istio's gateway names them, ``<host>:<port>`` (the lowest port a Gateway serving
    the host declares).

    On a cluster, Istio Gateways and Gateway API Gateways are separate deployments; here
    one listener serves both: the VirtualServices' routes first, in apply order, then per
    host the merged HTTPRoutes' routes."""
    served = {**istio_routes.served_hosts(config), **gateway_api_routes.served_hosts(config)}
    caller = Caller(GATEWAY_LABELS, frozenset(served), istio_routes.server_ports(config), GATEWAY_IDENTITY)
    ports = _declared_ports(config)
    by_host: dict[str, list[dict]] = {}
    host_ports: dict[str, set[int]] = {}
    merged: dict[str, list[RouteTable]] = {}
    for table in tables:
        gateways = [key for key in table.parents if key in served]
        if not gateways:
            continue
        hosts = _narrowed(table.hostnames, [h for key in gateways for h in served[key]])
        for host in hosts:
            host_ports.setdefault(host, set()).update(port for key in gateways for port in ports.get(key, ()))
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
    return ([([host], routes) for host, routes in by_host.items()],
            [f"{host}:{min(host_ports[host])}" if host_ports.get(host) else host for host in by_host])


def _declared_ports(config: list[dict]) -> dict[str, set[int]]:
    """Each Gateway's key (as route parents name it) -> the ports it declares."""
    ports = {istio_routes.gateway_key(g): {int(s["port"]["number"]) for s in g["spec"].get("servers") or []}
             for g in objects_of_kind(config, "Gateway", ISTIO_NETWORKING)}
    ports.update({gateway_api_routes.gateway_key(namespace_of(g), g["metadata"]["name"]):
                  {int(listener["port"]) for listener in g["spec"].get("listeners") or []}
                  for g in objects_of_kind(config, "Gateway", GATEWAY_API)})
    return ports


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
