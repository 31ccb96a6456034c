"""EnvoyFilter: Istio's patch language over the resources the translation made, applied
once, last.

Every proxy (a pod's sidecar, the gateway) gets the EnvoyFilters that select it (its
namespace's and the root namespace's, narrowed by ``workloadSelector``), ordered as
Istio orders them: by ``priority``, the root namespace's first, then by age and name.
Their patches apply to that proxy's own resources only, found by name: listeners
``outbound|<pod>|...`` (context SIDECAR_OUTBOUND), ``inbound|<pod>|<port>``
(SIDECAR_INBOUND), ``gateway`` (GATEWAY); the route configurations of those listeners
(by RDS name, or inline); and the clusters their routes and TCP proxies use.
``listener.portNumber`` and ``routeConfiguration.portNumber`` compare with the port Istio
would see: the Service port of an outbound listener, the workload port of an inbound
one, the ports the Gateways declare for the gateway.

As in Istio, a level is patched before the levels inside it (listener, network filters,
HTTP filters; route configuration, virtual hosts, routes), each with the patches in
order; ``INSERT_BEFORE`` without a filter to insert before goes first, ``INSERT_AFTER``
without one last. Clusters are shared between the proxies that use them: a patch that
changes a cluster for some of its users only gives those users their own copy.
Whether the result is a configuration Envoy takes is Envoy's to say: the runner
validates it before anything is stored (bookinfo.runner.admission).
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bookinfo.objects.kinds import ISTIO_NETWORKING

from . import envoy_types as t
from .identity import ROOT_NAMESPACE
from .model import EnvoyResources
from .proto_merge import merge, merge_any, typed
from .proxies import PolicyScope, Proxy
from .registry import Registry, namespace_of, objects_of_kind

SIDECAR_INBOUND, SIDECAR_OUTBOUND, GATEWAY, ANY = "SIDECAR_INBOUND", "SIDECAR_OUTBOUND", "GATEWAY", "ANY"


@dataclass
class Patch:
    """One configPatch, its value in Envoy's ``@type`` form."""

    apply_to: str
    match: dict
    operation: str
    value: dict

    @property
    def context(self) -> str:
        return self.match.get("context") or ANY

    def listener_match(self) -> dict:
        return self.match.get("listener") or {}

    def filter_name(self) -> str | None:
        return ((self.listener_match().get("filterChain") or {}).get("filter") or {}).get("name")

    def sub_filter_name(self) -> str | None:
        chain = self.listener_match().get("filterChain") or {}
        return (((chain.get("filter") or {}).get("subFilter")) or {}).get("name")


@dataclass
class View:
    """One listener of a proxy, with the context and port its patches match on."""

    listener: dict
    context: str
    ports: frozenset[int]
    route_configs: list[dict] = field(default_factory=list)


def apply_envoy_filters(resources: EnvoyResources, config: list[dict], registry: Registry,
                        proxies: list[Proxy], gateway_ports: frozenset[int]) -> EnvoyResources:
    """``resources`` with every EnvoyFilter of ``config`` applied (a new copy)."""
    filters = objects_of_kind(config, "EnvoyFilter", ISTIO_NETWORKING)
    if not filters:
        return resources
    resources = copy.deepcopy(resources)
    scope = PolicyScope(config, registry)
    order = {id(f): i for i, f in enumerate(filters)}
    added_listeners: dict[str, dict] = {}
    patched = []
    for proxy in proxies:
        selected = sorted((f for f in filters if scope.selects(f, proxy)),
                          key=lambda f: ((f.get("spec") or {}).get("priority") or 0,
                                         namespace_of(f) != ROOT_NAMESPACE, order[id(f)]))
        patches = [_patch(p) for f in selected for p in (f.get("spec") or {}).get("configPatches") or []]
        views = _views(resources, proxy, gateway_ports)
        contexts = {v.context for v in views} or {GATEWAY if proxy.is_gateway else SIDECAR_OUTBOUND}
        patched.append((proxy, views, patches, contexts))
        for view in views:
            _patch_listener(view, patches)
            for route_config in view.route_configs:
                _patch_route_configuration(route_config, view, patches)
        for patch in patches:
            if patch.apply_to == "LISTENER" and patch.operation == "ADD" and _adds_in(patch, contexts):
                added_listeners.setdefault(patch.value.get("name", ""), copy.deepcopy(patch.value))
    # Clusters last: the routes that name them are final now, for every proxy.
    clusters = _Clusters(resources, [(proxy, views) for proxy, views, _, _ in patched])
    for proxy, views, patches, contexts in patched:
        clusters.patch(proxy, [p for p in patches if p.apply_to == "CLUSTER"], registry, contexts)
    resources.listeners[:] = [x for x in resources.listeners if x.get("name")] + [
        {"@type": t.LISTENER, **x} for x in added_listeners.values()]
    clusters.finish()
    return resources


def _patch(raw: dict) -> Patch:
    patch = raw.get("patch") or {}
    return Patch(raw["applyTo"], raw.get("match") or {}, patch.get("operation", ""), typed(patch.get("value") or {}))


def _adds_in(patch: Patch, contexts: set[str]) -> bool:
    """Where an ADD applies: its context, or for ANY a sidecar's outbound side or the gateway."""
    if patch.context == ANY:
        return bool(contexts & {SIDECAR_OUTBOUND, GATEWAY})
    return patch.context in contexts


# --- which resources are a proxy's ---------------------------------------------------------------

def _views(resources: EnvoyResources, proxy: Proxy, gateway_ports: frozenset[int]) -> list[View]:
    rds = {rc["name"]: rc for rc in resources.route_configs}
    views = []
    for entry in resources.listeners:
        placed = _place(entry["name"], proxy, gateway_ports)
        if placed is None:
            continue
        view = View(entry, *placed)
        for manager in _managers(entry):
            config = manager["typed_config"]
            if "route_config" in config:
                view.route_configs.append(config["route_config"])
            elif config.get("rds", {}).get("route_config_name") in rds:
                view.route_configs.append(rds[config["rds"]["route_config_name"]])
        views.append(view)
    return views


def _place(name: str, proxy: Proxy, gateway_ports: frozenset[int]) -> tuple[str, frozenset[int]] | None:
    """(context, ports) of a listener of ``proxy``, or None when it is not one of its own."""
    parts = name.split("|")
    if proxy.is_gateway:
        return (GATEWAY, gateway_ports) if name == "gateway" else None
    if len(parts) < 3 or parts[1] != proxy.name:
        return None
    number = parts[-1]
    ports = frozenset({int(number)}) if number.isdigit() else frozenset()
    if parts[0] == "inbound":
        return SIDECAR_INBOUND, ports
    return (SIDECAR_OUTBOUND, ports) if parts[0] == "outbound" else None


def _managers(entry: dict) -> Iterator[dict]:
    for chain in entry.get("filter_chains") or []:
        for network_filter in chain.get("filters") or []:
            if network_filter.get("name") == t.HCM_FILTER:
                yield network_filter


def _in_context(patch: Patch, context: str) -> bool:
    return patch.context in (context, ANY)


def _listener_matches(patch: Patch, view: View) -> bool:
    match = patch.listener_match()
    if match.get("name") and match["name"] != view.listener.get("name"):
        return False
    return not match.get("portNumber") or int(match["portNumber"]) in view.ports


# --- listeners, network filters, HTTP filters ---------------------------------------------------

def _patch_listener(view: View, patches: list[Patch]) -> None:
    listener = view.listener
    for patch in patches:
        if patch.apply_to != "LISTENER" or not _in_context(patch, view.context) or not _listener_matches(patch, view):
            continue
        if patch.operation == "REMOVE":
            listener["name"] = ""
            return
        if patch.operation == "MERGE":
            merge(listener, patch.value)
    for chain in listener.get("filter_chains") or []:
        relevant = [p for p in patches if p.apply_to == "NETWORK_FILTER" and _in_context(p, view.context)
                    and _listener_matches(p, view)]
        chain["filters"] = _list_ops(chain.get("filters") or [], relevant, Patch.filter_name)
        for network_filter in chain["filters"]:
            for patch in relevant:
                if patch.operation == "MERGE" and patch.filter_name() in (None, network_filter.get("name")):
                    _merge_filter(network_filter, patch.value)
            if network_filter.get("name") == t.HCM_FILTER:
                _patch_http_filters(network_filter, view, patches)


def _patch_http_filters(manager: dict, view: View, patches: list[Patch]) -> None:
    relevant = [p for p in patches if p.apply_to == "HTTP_FILTER" and _in_context(p, view.context)
                and _listener_matches(p, view) and p.filter_name() in (None, t.HCM_FILTER)]
    config = manager["typed_config"]
    config["http_filters"] = _list_ops(config.get("http_filters") or [], relevant, Patch.sub_filter_name)
    for http_filter in config["http_filters"]:
        for patch in relevant:
            if patch.operation == "MERGE" and patch.sub_filter_name() in (None, http_filter.get("name")):
                _merge_filter(http_filter, patch.value)


def _merge_filter(target: dict, value: dict) -> None:
    """A filter's MERGE: its name may be replaced, its typed config merged whatever its type."""
    if value.get("name"):
        target["name"] = value["name"]
    config = value.get("typed_config") or value.get("typedConfig")
    if config and target.get("typed_config"):
        merge_any(target["typed_config"], config)


def _list_ops(items: list[dict], patches: list[Patch], selector: Callable[[Patch], str | None]) -> list[dict]:
    """ADD, INSERT_FIRST/BEFORE/AFTER, REPLACE and REMOVE on a list of named filters;
    ``selector`` gives the name a patch selects (None: it selects none)."""
    items = list(items)
    for patch in patches:
        wanted = selector(patch)
        value = copy.deepcopy(patch.value)
        at = next((i for i, item in enumerate(items) if item.get("name") == wanted), None) if wanted else None
        if patch.operation == "ADD" or (patch.operation == "INSERT_AFTER" and wanted is None):
            items.append(value)
        elif patch.operation == "INSERT_FIRST" or (patch.operation == "INSERT_BEFORE" and wanted is None):
            items.insert(0, value)
        elif at is not None and patch.operation == "INSERT_BEFORE":
            items.insert(at, value)
        elif at is not None and patch.operation == "INSERT_AFTER":
            items.insert(at + 1, value)
        elif at is not None and patch.operation == "REPLACE":
            items[at] = value
        elif wanted is not None and patch.operation == "REMOVE":
            items = [item for item in items if item.get("name") != wanted]
    return items


# --- route configurations, virtual hosts, routes -------------------------------------------------

def _route_configuration_matches(patch: Patch, route_config: dict, view: View) -> bool:
    match = patch.match.get("routeConfiguration") or {}
    if match.get("name") and match["name"] != route_config.get("name"):
        return False
    return not match.get("portNumber") or int(match["portNumber"]) in view.ports


def _vhost_match(patch: Patch) -> dict | None:
    return (patch.match.get("routeConfiguration") or {}).get("vhost")


def _vhost_matches(patch: Patch, vhost: dict) -> bool:
    match = _vhost_match(patch)
    return match is None or not match.get("name") or match["name"] == vhost.get("name")


def _route_matches(patch: Patch, route: dict) -> bool:
    match = (_vhost_match(patch) or {}).get("route")
    if match is None:
        return True
    # A VirtualService's http route ``api`` is the Envoy route ``<VirtualService>.api``.
    name = route.get("name") or ""
    if match.get("name") and match["name"] != name and not name.endswith("." + match["name"]):
        return False
    action = match.get("action") or "ANY"
    kinds = {"ROUTE": "route", "REDIRECT": "redirect", "DIRECT_RESPONSE": "direct_response"}
    return action == "ANY" or kinds[action] in route


def _patch_route_configuration(route_config: dict, view: View, patches: list[Patch]) -> None:
    relevant = [p for p in patches if _in_context(p, view.context)
                and _route_configuration_matches(p, route_config, view)]
    for patch in relevant:
        if patch.apply_to == "ROUTE_CONFIGURATION" and patch.operation == "MERGE":
            merge(route_config, patch.value)
    vhosts = []
    for vhost in route_config.get("virtual_hosts") or []:
        for patch in relevant:
            if patch.apply_to != "VIRTUAL_HOST" or vhost is None or not _vhost_matches(patch, vhost):
                continue
            if patch.operation == "REMOVE":
                vhost = None
            elif patch.operation == "MERGE":
                merge(vhost, patch.value)
            elif patch.operation == "REPLACE":
                vhost = copy.deepcopy(patch.value)
        if vhost is not None:
            _patch_routes(vhost, [p for p in relevant if p.apply_to == "HTTP_ROUTE" and _vhost_matches(p, vhost)])
            vhosts.append(vhost)
    vhosts += [copy.deepcopy(p.value) for p in relevant if p.apply_to == "VIRTUAL_HOST" and p.operation == "ADD"]
    route_config["virtual_hosts"] = vhosts


def _patch_routes(vhost: dict, patches: list[Patch]) -> None:
    routes = []
    for route in vhost.get("routes") or []:
        for patch in patches:
            if route is not None and _route_matches(patch, route):
                if patch.operation == "REMOVE":
                    route = None
                elif patch.operation == "MERGE":
                    merge(route, patch.value)
        if route is not None:
            routes.append(route)
    for patch in patches:
        selects = (_vhost_match(patch) or {}).get("route") is not None
        value = copy.deepcopy(patch.value)
        at = next((i for i, r in enumerate(routes) if _route_matches(patch, r)), None) if selects else None
        if patch.operation == "ADD" or (patch.operation == "INSERT_AFTER" and not selects):
            routes.append(value)
        elif patch.operation in ("INSERT_BEFORE", "INSERT_FIRST") and not selects:
            routes.insert(0, value)
        elif at is not None and patch.operation == "INSERT_BEFORE":
            routes.insert(at, value)
        elif at is not None and patch.operation == "INSERT_AFTER":
            routes.insert(at + 1, value)
        elif at is not None and patch.operation == "INSERT_FIRST":
            routes.insert(0, value)
    vhost["routes"] = routes


# --- clusters --------------------------------------------------------------------------------------

class _Clusters:
    """Clusters patched per proxy; a copy per distinct result where users differ."""

    def __init__(self, resources: EnvoyResources, proxies: list[tuple[Proxy, list[View]]]):
        self.resources = resources
        self.by_name = {c["name"]: c for c in resources.clusters}
        self.results: dict[str, dict[str, dict | None]] = {}   # name -> proxy -> patched (None: removed)
        self.added: dict[str, dict] = {}
        # proxy -> [(holder, key, context)] naming clusters; cluster name -> its users
        self.refs = {proxy.name: [ref for view in views for ref in _cluster_refs(view)] for proxy, views in proxies}
        self.users: dict[str, set[str]] = {}
        for proxy, refs in self.refs.items():
            for holder, key, _ in refs:
                self.users.setdefault(holder[key], set()).add(proxy)

    def patch(self, proxy: Proxy, patches: list[Patch], registry: Registry, contexts: set[str]) -> None:
        if not patches:
            return
        refs = self.refs[proxy.name]
        hosts = {s.fqdn for s in registry.selects(proxy.workload)} if proxy.workload else set()
        for name, context in dict.fromkeys((holder[key], context) for holder, key, context in refs):
            original = self.by_name.get(name)
            if original is None:
                continue
            result: dict | None = copy.deepcopy(original)
            for patch in patches:
                if result is None or not _in_context(patch, context) or not _cluster_matches(patch, name, hosts):
                    continue
                if patch.operation == "REMOVE":
                    result = None
                elif patch.operation == "MERGE":
                    _merge_cluster(result, patch.value)
                elif patch.operation == "REPLACE":
                    result = {**copy.deepcopy(patch.value), "name": name}
            if result != original:
                self.results.setdefault(name, {})[proxy.name] = result
        for patch in patches:
            if patch.operation == "ADD" and _adds_in(patch, contexts):
                self.added.setdefault(patch.value.get("name", ""), {"@type": t.CLUSTER, **copy.deepcopy(patch.value)})

    def finish(self) -> None:
        clusters = self.resources.clusters
        for name, results in self.results.items():
            variants: dict[str, tuple[dict | None, list[str]]] = {}
            for proxy, result in results.items():
                key = repr(result)
                variants.setdefault(key, (result, []))[1].append(proxy)
            unpatched = self.users.get(name, set()) - set(results)
            if not unpatched and len(variants) == 1:
                [(result, _)] = variants.values()
                index = next(i for i, c in enumerate(clusters) if c["name"] == name)
                if result is None:
                    del clusters[index]
                else:
                    clusters[index] = result
                continue
            for number, (result, proxies) in enumerate(variants.values()):
                copy_name = f"{name}|patched-{number}"
                if result is not None:
                    clusters.append({**result, "name": copy_name})
                for proxy in proxies:
                    for holder, key, _ in self.refs[proxy]:
                        if holder[key] == name:
                            holder[key] = copy_name
        clusters.extend(c for name, c in self.added.items() if name not in {x["name"] for x in clusters})


def _cluster_refs(view: View) -> Iterator[tuple[dict, str, str]]:
    """(holder, key, context): where a proxy's listener and routes name clusters."""
    for chain in view.listener.get("filter_chains") or []:
        for network_filter in chain.get("filters") or []:
            config = network_filter.get("typed_config") or {}
            if config.get("@type") == t.TCP_PROXY and "cluster" in config:
                yield config, "cluster", view.context
    for route_config in view.route_configs:
        for vhost in route_config.get("virtual_hosts") or []:
            for route in vhost.get("routes") or []:
                action = route.get("route") or {}
                if "cluster" in action:
                    yield action, "cluster", view.context
                for weighted in (action.get("weighted_clusters") or {}).get("clusters") or []:
                    yield weighted, "name", view.context
                for mirror in action.get("request_mirror_policies") or []:
                    yield mirror, "cluster", view.context


def _cluster_matches(patch: Patch, name: str, inbound_hosts: set[str]) -> bool:
    match = patch.match.get("cluster")
    if not match:
        return True
    if match.get("name"):
        return match["name"] == name
    direction, port, subset, host = (name.split("|") + ["", "", "", ""])[:4]
    hosts = inbound_hosts if direction == "inbound" else {host}
    if match.get("subset") and match["subset"] != subset:
        return False
    if match.get("service") and match["service"] not in hosts:
        return False
    return not match.get("portNumber") or str(match["portNumber"]) == port


def _merge_cluster(cluster: dict, value: dict) -> None:
    """Istio's cluster MERGE: a transport socket of the same name is merged, not replaced."""
    socket = value.get("transport_socket") or value.get("transportSocket")
    existing = cluster.get("transport_socket")
    rest = {k: v for k, v in value.items() if k not in ("transport_socket", "transportSocket")}
    if socket and existing and socket.get("name") == existing.get("name") and socket.get("typed_config"):
        merge_any(existing["typed_config"], socket["typed_config"])
    elif socket:
        cluster["transport_socket"] = copy.deepcopy(socket)
    merge(cluster, rest)
