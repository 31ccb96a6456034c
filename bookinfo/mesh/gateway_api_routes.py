"""Gateway API HTTPRoute and Gateway -> the internal route model, as Istio's pilot
converts them into VirtualService-shaped routes before its one Envoy translation.

As in pilot, every match of a rule becomes a rule of its own, so that the HTTPRoutes
attached to one parent can be merged and ordered by the Gateway API precedence rules
(exact path, longest prefix, method, most header matches, most query matches, then the
older route, then rule order): each rule carries that precedence key.
"""
from __future__ import annotations

from bookinfo.objects.kinds import GATEWAY_API

from .registry import Registry, namespace_of, objects_of_kind
from .route_model import (MESH, Destination, HeaderEdits, HeaderMatch, HeaderOperations, Match, Mirror,
                          PathMatch, QueryMatch, RegexRewrite, Retries, Rewrite, RouteRule, RouteTable,
                          StringMatch, WeightedDestination)

_PATH_RANK = {"Exact": 0, "PathPrefix": 1, "RegularExpression": 2}
_PATH_KIND = {"Exact": "exact", "PathPrefix": "prefix", "RegularExpression": "regex"}
_KIND = {"Exact": "exact", "RegularExpression": "regex"}
WHOLE_PATH = "^/.*$"
"""ReplaceFullPath is a regex rewrite of the whole path, as pilot converts it."""


def gateway_key(namespace: str, name: str) -> str:
    """A Gateway API Gateway as a route parent; kept apart from Istio Gateways of the same name."""
    return f"{GATEWAY_API}:{namespace}/{name}"


def served_hosts(config: list[dict]) -> dict[str, list[str]]:
    """Each Gateway API Gateway's key -> the host names of its listeners ("*": any)."""
    return {gateway_key(namespace_of(g), g["metadata"]["name"]):
            [listener.get("hostname", "*") for listener in g["spec"].get("listeners") or []]
            for g in objects_of_kind(config, "Gateway", GATEWAY_API)}


def http_route_table(route: dict, order: int, registry: Registry) -> RouteTable:
    """The route's rules with its parents: Gateways, and Services (GAMMA: every caller
    of that Service, on the port named or on every port)."""
    namespace = namespace_of(route)
    parents, services = [], []
    for ref in route["spec"].get("parentRefs") or []:
        ref_namespace = ref.get("namespace", namespace)
        if ref.get("kind") == "Service" and ref.get("group", "") in ("", "core"):
            parents.append(MESH)
            port = int(ref["port"]) if "port" in ref else None
            services.append((registry.resolve(ref["name"], ref_namespace), port))
        elif ref.get("kind", "Gateway") == "Gateway" and ref.get("group", GATEWAY_API) == GATEWAY_API:
            parents.append(gateway_key(ref_namespace, ref["name"]))
    return RouteTable(order=order, parents=tuple(dict.fromkeys(parents)),
                      hostnames=tuple(route["spec"].get("hostnames") or ["*"]), services=tuple(services),
                      rules=tuple(http_route_rules(route, order, registry)), merged=True)


def http_route_rules(route: dict, order: int, registry: Registry) -> list[RouteRule]:
    """One rule per match of every rule of ``route``, with its precedence key."""
    namespace = namespace_of(route)
    out = []
    for rule_index, rule in enumerate(route["spec"].get("rules") or []):
        actions = _actions(rule, namespace, registry)
        for match_index, match in enumerate(rule.get("matches") or [{}]):
            path = match.get("path") or {"type": "PathPrefix", "value": "/"}
            path_type = path.get("type", "PathPrefix")
            value = path.get("value", "/")
            key = (_PATH_RANK[path_type], -len(value) if path_type == "PathPrefix" else 0,
                   0 if "method" in match else 1, -len(match.get("headers") or []),
                   -len(match.get("queryParams") or []), order, rule_index, match_index)
            path_match = PathMatch(_PATH_KIND[path_type], value, whole_segments=path_type == "PathPrefix")
            out.append(RouteRule(name=f"{route['metadata']['name']}.{rule_index}.{match_index}",
                                 matches=(_match(path_match, match),), precedence=key, **actions))
    return out


def _match(path: PathMatch, match: dict) -> Match:
    return Match(
        path=path,
        headers=tuple(HeaderMatch(h["name"], StringMatch(_KIND[h.get("type", "Exact")], h["value"]))
                      for h in match.get("headers") or []),
        method=StringMatch("exact", match["method"]) if "method" in match else None,
        query_params=tuple(QueryMatch(q["name"], StringMatch(_KIND[q.get("type", "Exact")], q["value"]))
                           for q in match.get("queryParams") or []))


def _actions(rule: dict, namespace: str, registry: Registry) -> dict:
    """The RouteRule fields other than name, matches and precedence. Every route keeps
    Istio's default retries; ``backendRequest`` bounds each try."""
    filters = rule.get("filters") or []
    timeouts = rule.get("timeouts") or {}
    rewrite = next((f["urlRewrite"] for f in filters if f["type"] == "URLRewrite"), {})
    return {
        "headers": _header_edits(filters),
        "destinations": tuple(_weighted(ref, namespace, registry) for ref in rule.get("backendRefs") or []),
        "timeout": timeouts.get("request"),
        "retries": Retries(per_try_timeout=timeouts.get("backendRequest") or None),
        "mirrors": tuple(_mirror(f["requestMirror"], namespace, registry)
                         for f in filters if f["type"] == "RequestMirror"),
        "rewrite": _rewrite(rewrite)}


def _weighted(ref: dict, namespace: str, registry: Registry) -> WeightedDestination:
    return WeightedDestination(_destination(ref, namespace, registry), int(ref.get("weight", 1)),
                               _header_edits(ref.get("filters") or []))


def _destination(ref: dict, namespace: str, registry: Registry) -> Destination:
    return Destination(registry.resolve(ref["name"], ref.get("namespace", namespace)),
                       int(ref["port"]) if "port" in ref else None)


def _header_edits(filters: list[dict]) -> HeaderEdits:
    return HeaderEdits(
        request=_operations([f["requestHeaderModifier"] for f in filters
                             if f["type"] == "RequestHeaderModifier"]),
        response=_operations([f["responseHeaderModifier"] for f in filters
                              if f["type"] == "ResponseHeaderModifier"]))


def _operations(modifiers: list[dict]) -> HeaderOperations:
    return HeaderOperations(
        set=tuple((h["name"], str(h["value"])) for m in modifiers for h in m.get("set") or []),
        add=tuple((h["name"], str(h["value"])) for m in modifiers for h in m.get("add") or []),
        remove=tuple(name for m in modifiers for name in m.get("remove") or []))


def _mirror(spec: dict, namespace: str, registry: Registry) -> Mirror:
    percent = None
    if "percent" in spec:
        percent = float(spec["percent"])
    elif "fraction" in spec:
        fraction = spec["fraction"]
        percent = 100.0 * int(fraction["numerator"]) / int(fraction.get("denominator", 100))
    return Mirror(_destination(spec["backendRef"], namespace, registry), percent)


def _rewrite(spec: dict) -> Rewrite:
    path = spec.get("path") or {}
    kind = path.get("type")
    full_path = RegexRewrite(WHOLE_PATH, path["replaceFullPath"]) if kind == "ReplaceFullPath" else None
    return Rewrite(prefix=path["replacePrefixMatch"] if kind == "ReplacePrefixMatch" else None,
                   path_regex=full_path, host=spec.get("hostname"))
