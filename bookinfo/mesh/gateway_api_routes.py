"""Gateway API HTTPRoute rules -> Envoy routes.

Unlike a VirtualService, HTTPRoutes attached to one parent are merged and ordered by the
Gateway API precedence rules (exact path, longest prefix, method, most header matches,
most query matches, then the older route, then rule order), so each match is sorted
with its key before the routes are written.
"""
from __future__ import annotations

from . import envoy_types as t
from .clusters import ClusterBook
from .registry import namespace_of
from .route_parts import (Backend, HeaderEdits, forward, header_matcher, istio_default_retry_policy,
                          mirror_policy, string_match, timeout)

_PATH_RANK = {"Exact": 0, "PathPrefix": 1, "RegularExpression": 2}
_KIND = {"Exact": "exact", "RegularExpression": "regex"}


def http_route_routes(route: dict, order: int, book: ClusterBook) -> list[tuple[tuple, dict]]:
    """(precedence key, Envoy route) for every match of every rule of ``route``."""
    namespace = namespace_of(route)
    out = []
    for rule_index, rule in enumerate(route["spec"].get("rules") or []):
        for match_index, match in enumerate(rule.get("matches") or [{}]):
            path = match.get("path") or {"type": "PathPrefix", "value": "/"}
            path_type = path.get("type", "PathPrefix")
            value = path.get("value", "/")
            key = (_PATH_RANK[path_type], -len(value) if path_type == "PathPrefix" else 0,
                   0 if "method" in match else 1, -len(match.get("headers") or []),
                   -len(match.get("queryParams") or []), order, rule_index, match_index)
            envoy_route = {"name": f"{route['metadata']['name']}.{rule_index}.{match_index}",
                           "match": _match(path_type, value, match)}
            _act(envoy_route, rule, namespace, book)
            out.append((key, envoy_route))
    return out


def _match(path_type: str, value: str, match: dict) -> dict:
    if path_type == "Exact":
        envoy_match: dict = {"path": value}
    elif path_type == "RegularExpression":
        envoy_match = {"safe_regex": {"regex": value}}
    elif value.rstrip("/") == "":
        envoy_match = {"prefix": "/"}
    else:  # Gateway API prefixes match whole path segments: /static matches /static/x, not /staticx
        envoy_match = {"path_separated_prefix": value.rstrip("/")}
    headers = [header_matcher(h["name"].lower(), _KIND[h.get("type", "Exact")], h["value"])
               for h in match.get("headers") or []]
    if "method" in match:
        headers.append(header_matcher(":method", "exact", match["method"]))
    if headers:
        envoy_match["headers"] = headers
    params = [{"name": q["name"], "string_match": string_match(_KIND[q.get("type", "Exact")], q["value"])}
              for q in match.get("queryParams") or []]
    if params:
        envoy_match["query_parameters"] = params
    return envoy_match


def _act(envoy_route: dict, rule: dict, namespace: str, book: ClusterBook) -> None:
    filters = rule.get("filters") or []
    _header_edits(filters).apply_to(envoy_route)
    backends = [Backend(_cluster(ref, namespace, book), int(ref.get("weight", 1)),
                        _header_edits(ref.get("filters") or [])) for ref in rule.get("backendRefs") or []]
    if not forward(envoy_route, backends):
        return
    action = envoy_route["route"]
    timeouts = rule.get("timeouts") or {}
    action["timeout"] = timeout(timeouts.get("request"))
    retry = istio_default_retry_policy()
    if timeouts.get("backendRequest"):
        retry["per_try_timeout"] = timeout(timeouts["backendRequest"])
    action["retry_policy"] = retry
    mirrors = [_mirror(f["requestMirror"], namespace, book) for f in filters if f["type"] == "RequestMirror"]
    if mirrors:
        action["request_mirror_policies"] = mirrors
    for f in filters:
        if f["type"] == "URLRewrite":
            _rewrite(action, f["urlRewrite"])


def _cluster(ref: dict, namespace: str, book: ClusterBook) -> str:
    host = book.registry.resolve(ref["name"], ref.get("namespace", namespace))
    return book.ref(host, int(ref["port"]) if "port" in ref else None)


def _header_edits(filters: list[dict]) -> HeaderEdits:
    edits = HeaderEdits()
    for f in filters:
        if f["type"] == "RequestHeaderModifier":
            spec = f["requestHeaderModifier"]
            edits.request_add += t.header_value_options(spec.get("set") or [], append=False)
            edits.request_add += t.header_value_options(spec.get("add") or [], append=True)
            edits.request_remove += list(spec.get("remove") or [])
        elif f["type"] == "ResponseHeaderModifier":
            spec = f["responseHeaderModifier"]
            edits.response_add += t.header_value_options(spec.get("set") or [], append=False)
            edits.response_add += t.header_value_options(spec.get("add") or [], append=True)
            edits.response_remove += list(spec.get("remove") or [])
    return edits


def _mirror(spec: dict, namespace: str, book: ClusterBook) -> dict:
    percent = None
    if "percent" in spec:
        percent = float(spec["percent"])
    elif "fraction" in spec:
        fraction = spec["fraction"]
        percent = 100.0 * int(fraction["numerator"]) / int(fraction.get("denominator", 100))
    return mirror_policy(_cluster(spec["backendRef"], namespace, book), percent)


def _rewrite(action: dict, spec: dict) -> None:
    if "hostname" in spec:
        action["host_rewrite_literal"] = spec["hostname"]
    path = spec.get("path") or {}
    if path.get("type") == "ReplaceFullPath":
        action["regex_rewrite"] = {"pattern": {"regex": "^/.*$"}, "substitution": path["replaceFullPath"]}
    elif path.get("type") == "ReplacePrefixMatch":
        action["prefix_rewrite"] = path["replacePrefixMatch"]
