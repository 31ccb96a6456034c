"""Which fields of Istio and Gateway API objects the local mesh implements.

An allow-list per kind, so a field the translation does not read is reported (and the
object refused by bookinfo.objects with a message naming it) rather than silently
ignored. Paths use ``[]`` for list items and ``*`` for map keys (header names, labels).
A few fields are implemented for some values only; a value outside those is reported
as ``path=VALUE``. Some objects cannot run here whatever their fields (an external
authorizer, a Wasm module, the global rate-limit service): ``refusals(obj)`` says why,
in one line each.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from .cel_attributes import attribute_format

_STRING_MATCH = ("exact", "prefix", "regex")
_HEADER_OPERATIONS = [f"{side}.{op}" for side in ("request", "response") for op in ("set", "add", "remove")]


def _expand(prefix: str, leaves) -> list[str]:
    return [f"{prefix}.{leaf}" for leaf in leaves]


def _destination(prefix: str) -> list[str]:
    return _expand(prefix, ("host", "subset", "port.number"))


def _traffic_policy(prefix: str) -> list[str]:
    sections = (["loadBalancer.simple", "tls.mode", "tls.sni"]
                + _expand("connectionPool.tcp", ("maxConnections", "connectTimeout"))
                + _expand("connectionPool.http", ("http1MaxPendingRequests", "http2MaxRequests",
                                                  "maxRequestsPerConnection", "maxRetries", "idleTimeout"))
                + _expand("outlierDetection", ("consecutive5xxErrors", "consecutiveGatewayErrors", "interval",
                                               "baseEjectionTime", "maxEjectionPercent", "minHealthPercent",
                                               "splitExternalLocalOriginErrors",
                                               "consecutiveLocalOriginFailures")))
    return (_expand(prefix, sections) + [f"{prefix}.portLevelSettings[].port.number"]
            + _expand(f"{prefix}.portLevelSettings[]", sections))


def _http_match(prefix: str) -> list[str]:
    fields = ["name", "ignoreUriCase", "sourceLabels", "gateways", "port"]
    for field in ("uri", "method", "authority", "scheme"):
        fields += _expand(field, _STRING_MATCH)
    for field in ("headers.*", "withoutHeaders.*", "queryParams.*"):
        fields += [field] + _expand(field, _STRING_MATCH)
    return _expand(prefix, fields)


def _header_modifier(prefix: str) -> list[str]:
    return _expand(prefix, ("set[].name", "set[].value", "add[].name", "add[].value", "remove"))


def _backend_ref(prefix: str) -> list[str]:
    return _expand(prefix, ("name", "namespace", "port", "kind", "group"))


def _selection(prefix: str = "spec") -> list[str]:
    """``selector.matchLabels`` and ``targetRefs`` (policies that select workloads)."""
    return ([f"{prefix}.selector.matchLabels.*"] + _backend_ref(f"{prefix}.targetRefs[]")
            + _backend_ref(f"{prefix}.targetRef"))


def _telemetry() -> list[str]:
    """Telemetry (telemetry.istio.io): access logs, tracing and Istio's standard metrics."""
    tags = [f"spec.tracing[].customTags.*.{leaf}" for leaf in (
        "literal.value", "header.name", "header.defaultValue", "environment.name", "environment.defaultValue",
        "formatter.value")]
    return (_selection()
            + _expand("spec.accessLogging[]", ("providers[].name", "disabled", "filter.expression", "match.mode"))
            + _expand("spec.tracing[]", ("providers[].name", "randomSamplingPercentage", "disableSpanReporting",
                                         "enableIstioTags", "useRequestIdForTraceSampling", "match.mode")) + tags
            + _expand("spec.metrics[]", ("providers[].name", "overrides[].match.metric", "overrides[].match.mode",
                                         "overrides[].disabled", "overrides[].tagOverrides.*.operation",
                                         "overrides[].tagOverrides.*.value")))


_SOURCE_FIELDS = ("principals", "namespaces", "ipBlocks", "remoteIpBlocks", "requestPrincipals", "serviceAccounts")
_OPERATION_FIELDS = ("hosts", "ports", "methods", "paths")
_PATCH = "spec.configPatches[]"
_HTTP = "spec.http[]"
_RULE = "spec.rules[]"
SUPPORTED: dict[str, list[str]] = {
    "security.istio.io/PeerAuthentication": ["spec.selector.matchLabels.*", "spec.mtls.mode",
                                             "spec.portLevelMtls.*.mode"],
    "security.istio.io/AuthorizationPolicy": (
        _selection() + ["spec.action", f"{_RULE}.when[].key", f"{_RULE}.when[].values", f"{_RULE}.when[].notValues"]
        + _expand(f"{_RULE}.from[].source", [f for name in _SOURCE_FIELDS
                                             for f in (name, "not" + name[0].upper() + name[1:])])
        + _expand(f"{_RULE}.to[].operation", [f for name in _OPERATION_FIELDS
                                              for f in (name, "not" + name[0].upper() + name[1:])])),
    "security.istio.io/RequestAuthentication": (
        _selection() + _expand("spec.jwtRules[]", (
            "issuer", "audiences", "jwks", "jwksUri", "timeout", "fromHeaders[].name", "fromHeaders[].prefix",
            "fromParams", "fromCookies", "outputPayloadToHeader", "forwardOriginalToken",
            "outputClaimToHeaders[].header", "outputClaimToHeaders[].claim"))),
    "telemetry.istio.io/Telemetry": _telemetry(),
    "extensions.istio.io/TrafficExtension": (
        _selection() + ["spec.phase", "spec.priority", "spec.lua.inlineCode", "spec.match[].mode",
                        "spec.match[].ports[].number"]),
    "networking.istio.io/EnvoyFilter": (
        ["spec.workloadSelector.labels.*", "spec.priority", f"{_PATCH}.applyTo", f"{_PATCH}.patch.operation",
         f"{_PATCH}.patch.value", f"{_PATCH}.match.context"]
        + _expand(f"{_PATCH}.match.listener", ("portNumber", "name", "filterChain.filter.name",
                                               "filterChain.filter.subFilter.name"))
        + _expand(f"{_PATCH}.match.routeConfiguration", ("portNumber", "name", "vhost.name", "vhost.route.name",
                                                         "vhost.route.action"))
        + _expand(f"{_PATCH}.match.cluster", ("name", "service", "subset", "portNumber"))),
    "networking.istio.io/VirtualService": (
        ["spec.hosts", "spec.gateways", "spec.exportTo", f"{_HTTP}.name", f"{_HTTP}.timeout",
         f"{_HTTP}.route[].weight", f"{_HTTP}.mirrorPercentage.value", f"{_HTTP}.mirrorPercent",
         f"{_HTTP}.mirrors[].percentage.value", f"{_HTTP}.directResponse.status",
         f"{_HTTP}.directResponse.body.string"]
        + _http_match(f"{_HTTP}.match[]")
        + _destination(f"{_HTTP}.route[].destination")
        + _expand(f"{_HTTP}.route[].headers", _HEADER_OPERATIONS)
        + _expand(f"{_HTTP}.headers", _HEADER_OPERATIONS)
        + _expand(f"{_HTTP}.retries", ("attempts", "perTryTimeout", "retryOn"))
        + _expand(f"{_HTTP}.fault.delay", ("fixedDelay", "percentage.value", "percent"))
        + _expand(f"{_HTTP}.fault.abort", ("httpStatus", "percentage.value"))
        + _destination(f"{_HTTP}.mirror") + _destination(f"{_HTTP}.mirrors[].destination")
        + _expand(f"{_HTTP}.rewrite", ("uri", "authority", "uriRegexRewrite.match", "uriRegexRewrite.rewrite"))),
    "networking.istio.io/DestinationRule": (
        ["spec.host", "spec.exportTo", "spec.subsets[].name", "spec.subsets[].labels"]
        + _traffic_policy("spec.trafficPolicy") + _traffic_policy("spec.subsets[].trafficPolicy")),
    "networking.istio.io/Gateway": (
        ["spec.selector", "spec.servers[].hosts", "spec.servers[].name"]
        + _expand("spec.servers[].port", ("number", "name", "protocol"))),
    "networking.istio.io/ServiceEntry": (
        ["spec.hosts", "spec.exportTo", "spec.location", "spec.resolution",
         "spec.endpoints[].address", "spec.endpoints[].ports"]
        + _expand("spec.ports[]", ("number", "name", "protocol", "targetPort"))),
    "gateway.networking.k8s.io/Gateway": (
        ["spec.gatewayClassName"]
        + _expand("spec.listeners[]", ("name", "port", "protocol", "hostname", "allowedRoutes.namespaces.from"))),
    "gateway.networking.k8s.io/HTTPRoute": (
        ["spec.hostnames"]
        + _expand("spec.parentRefs[]", ("name", "namespace", "kind", "group", "port", "sectionName"))
        + _expand(f"{_RULE}.matches[]", ("path.type", "path.value", "method"))
        + _expand(f"{_RULE}.matches[].headers[]", ("type", "name", "value"))
        + _expand(f"{_RULE}.matches[].queryParams[]", ("type", "name", "value"))
        + [f"{_RULE}.name", f"{_RULE}.filters[].type", f"{_RULE}.backendRefs[].weight",
           f"{_RULE}.backendRefs[].filters[].type", f"{_RULE}.timeouts.request", f"{_RULE}.timeouts.backendRequest"]
        + _header_modifier(f"{_RULE}.filters[].requestHeaderModifier")
        + _header_modifier(f"{_RULE}.filters[].responseHeaderModifier")
        + _header_modifier(f"{_RULE}.backendRefs[].filters[].requestHeaderModifier")
        + _header_modifier(f"{_RULE}.backendRefs[].filters[].responseHeaderModifier")
        + _expand(f"{_RULE}.filters[].urlRewrite", ("hostname", "path.type", "path.replaceFullPath",
                                                    "path.replacePrefixMatch"))
        + _backend_ref(f"{_RULE}.filters[].requestMirror.backendRef")
        + _expand(f"{_RULE}.filters[].requestMirror", ("percent", "fraction.numerator", "fraction.denominator"))
        + _backend_ref(f"{_RULE}.backendRefs[]")),
}

def _when_key(key: str) -> bool:
    """The ``when`` keys the translation implements (authorization.py)."""
    return (key in {"source.principal", "source.namespace", "source.ip", "remote.ip", "destination.port",
                    "request.auth.principal"}
            or re.fullmatch(r"request\.headers\[[^\]]+\]", key) is not None
            or re.fullmatch(r"request\.auth\.claims(\[[^\]]+\])+", key) is not None)


def _local_jwks_uri(uri: str) -> bool:
    """A JWKS the runner can reach: a file, or plain HTTP on this machine's loopback."""
    parts = urlsplit(uri)
    return parts.scheme == "file" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost"))


_TARGET_KINDS = {"Gateway", "Service"}
_HEADER_FILTERS = {"RequestHeaderModifier", "ResponseHeaderModifier"}
SUPPORTED_VALUES: dict[str, dict[str, set | Callable[[object], bool]]] = {
    "security.istio.io/RequestAuthentication": {"spec.targetRefs[].kind": _TARGET_KINDS,
                                                "spec.targetRef.kind": _TARGET_KINDS,
                                                "spec.jwtRules[].jwksUri": _local_jwks_uri},
    "security.istio.io/AuthorizationPolicy": {"spec.targetRefs[].kind": _TARGET_KINDS,
                                              "spec.targetRef.kind": _TARGET_KINDS,
                                              "spec.action": {"ALLOW", "DENY", "AUDIT"},
                                              f"{_RULE}.when[].key": _when_key},
    "extensions.istio.io/TrafficExtension": {"spec.targetRefs[].kind": _TARGET_KINDS,
                                             "spec.targetRef.kind": _TARGET_KINDS},
    "telemetry.istio.io/Telemetry": {"spec.targetRefs[].kind": _TARGET_KINDS, "spec.targetRef.kind": _TARGET_KINDS,
                                     "spec.metrics[].overrides[].tagOverrides.*.value":
                                         lambda value: attribute_format(str(value)) is not None},
    "networking.istio.io/EnvoyFilter": {
        f"{_PATCH}.applyTo": {"LISTENER", "NETWORK_FILTER", "HTTP_FILTER", "ROUTE_CONFIGURATION", "VIRTUAL_HOST",
                              "HTTP_ROUTE", "CLUSTER"},
        f"{_PATCH}.match.context": {"SIDECAR_INBOUND", "SIDECAR_OUTBOUND", "GATEWAY", "ANY"}},
    "networking.istio.io/DestinationRule": {
        **{f"{p}.loadBalancer.simple": {"UNSPECIFIED", "ROUND_ROBIN", "LEAST_REQUEST", "LEAST_CONN", "RANDOM"}
           for p in ("spec.trafficPolicy", "spec.trafficPolicy.portLevelSettings[]",
                     "spec.subsets[].trafficPolicy", "spec.subsets[].trafficPolicy.portLevelSettings[]")},
        # SIMPLE without certificate files; MUTUAL needs client certificate files.
        **{f"{p}.tls.mode": {"DISABLE", "ISTIO_MUTUAL", "SIMPLE"}
           for p in ("spec.trafficPolicy", "spec.trafficPolicy.portLevelSettings[]",
                     "spec.subsets[].trafficPolicy", "spec.subsets[].trafficPolicy.portLevelSettings[]")}},
    "networking.istio.io/Gateway": {"spec.servers[].port.protocol": {"HTTP", "HTTP2"}},
    "networking.istio.io/ServiceEntry": {"spec.resolution": {"DNS", "STATIC"}},
    "gateway.networking.k8s.io/Gateway": {"spec.listeners[].protocol": {"HTTP"},
                                          "spec.listeners[].allowedRoutes.namespaces.from": {"Same", "All"}},
    "gateway.networking.k8s.io/HTTPRoute": {
        "spec.parentRefs[].kind": {"Gateway", "Service"},
        f"{_RULE}.matches[].path.type": {"Exact", "PathPrefix", "RegularExpression"},
        f"{_RULE}.matches[].headers[].type": {"Exact", "RegularExpression"},
        f"{_RULE}.matches[].queryParams[].type": {"Exact", "RegularExpression"},
        f"{_RULE}.filters[].type": _HEADER_FILTERS | {"URLRewrite", "RequestMirror"},
        f"{_RULE}.backendRefs[].filters[].type": _HEADER_FILTERS,
        f"{_RULE}.backendRefs[].kind": {"Service"},
        f"{_RULE}.filters[].requestMirror.backendRef.kind": {"Service"}},
}


def _containers(patterns: list[str]) -> set[str]:
    """Every proper prefix of every pattern: the nodes the walk descends into."""
    out = set()
    for pattern in patterns:
        parts = pattern.split(".")
        for i in range(1, len(parts)):
            out.add(".".join(parts[:i]))
    return out


def _kind_key(obj: dict) -> str:
    group = str(obj.get("apiVersion", "")).split("/", 1)[0]
    return f"{group}/{obj.get('kind', '')}"


def unsupported_fields(obj: dict) -> list[str]:
    """Dotted paths (with list indices) of the fields set in ``obj`` that the local mesh
    does not implement; ``path=VALUE`` when only that value is unsupported. Kinds the
    mesh does not translate at all are reported as ``kind``."""
    key = _kind_key(obj)
    if key not in SUPPORTED:
        return ["kind"]
    return unsupported_paths(obj.get("spec") or {}, "spec", SUPPORTED[key], SUPPORTED_VALUES.get(key, {}))


def unsupported_paths(document, root: str, patterns: list[str],
                      values: dict[str, set | Callable[[object], bool]]) -> list[str]:
    """The paths under ``root`` of the fields set in ``document`` that no pattern allows
    (``path=VALUE`` when ``values`` allows other values only): the walk behind
    :func:`unsupported_fields`, for any document shaped by an allow-list."""
    leaves = set(patterns)
    containers = _containers(patterns)
    found: list[str] = []

    def walk(node, pattern: str, path: str) -> None:
        if pattern in leaves:
            allowed = values.get(pattern)
            if allowed is not None and not (allowed(node) if callable(allowed) else node in allowed):
                found.append(f"{path}={node}")
            return
        if isinstance(node, list) and f"{pattern}[]" in containers | leaves:
            for index, item in enumerate(node):
                walk(item, pattern + "[]", f"{path}[{index}]")
        elif isinstance(node, dict) and pattern in containers:
            for name, value in node.items():
                wildcard = f"{pattern}.*"
                child = wildcard if wildcard in leaves or wildcard in containers else f"{pattern}.{name}"
                walk(value, child, f"{path}.{name}")
        else:
            found.append(path)

    walk(document, root, root)
    return found


# EnvoyFilter operations that take effect for each applyTo (Istio ignores the others).
PATCH_OPERATIONS = {
    "LISTENER": {"MERGE", "REMOVE", "ADD"},
    "NETWORK_FILTER": {"MERGE", "ADD", "REMOVE", "INSERT_BEFORE", "INSERT_AFTER", "INSERT_FIRST", "REPLACE"},
    "HTTP_FILTER": {"MERGE", "ADD", "REMOVE", "INSERT_BEFORE", "INSERT_AFTER", "INSERT_FIRST", "REPLACE"},
    "ROUTE_CONFIGURATION": {"MERGE"},
    "VIRTUAL_HOST": {"MERGE", "REMOVE", "REPLACE", "ADD"},
    "HTTP_ROUTE": {"MERGE", "REMOVE", "ADD", "INSERT_BEFORE", "INSERT_AFTER", "INSERT_FIRST"},
    "CLUSTER": {"MERGE", "REMOVE", "ADD", "REPLACE"},
}
GLOBAL_RATE_LIMIT = ("envoy.filters.http.ratelimit", "envoy.extensions.filters.http.ratelimit.v3.RateLimit")


def refusals(obj: dict) -> list[str]:
    """Why ``obj`` cannot run on the local mesh whatever its fields, one line per reason
    (empty when it can)."""
    key, spec = _kind_key(obj), obj.get("spec") or {}
    if key == "extensions.istio.io/WasmPlugin":
        return [_wasm_refusal(spec.get("url", ""))]
    if key == "extensions.istio.io/TrafficExtension" and "wasm" in spec:
        return [_wasm_refusal((spec.get("wasm") or {}).get("url", ""))]
    if key == "security.istio.io/AuthorizationPolicy" and spec.get("action") == "CUSTOM":
        return ["action CUSTOM needs an external authorizer (an extension provider of the mesh config), "
                "which the local mesh does not have"]
    if key == "networking.istio.io/EnvoyFilter":
        return _envoy_filter_refusals(spec)
    if key == "security.istio.io/RequestAuthentication":
        return [f"jwtRules[{index}]: without jwks or jwksUri the keys would come from the issuer's OpenID "
                "discovery document, which the local runner cannot reach; give jwks, or a jwksUri that is a "
                "file or on 127.0.0.1"
                for index, rule in enumerate(spec.get("jwtRules") or []) if not rule.get("jwks")
                and not rule.get("jwksUri")]
    return []


def _wasm_refusal(url: str) -> str:
    scheme = urlsplit(url).scheme or "oci"
    if scheme in ("oci", "http", "https"):
        return f"the Wasm module {url!r} cannot be fetched: no registry or remote URL is reachable from the local runner"
    return f"the Wasm module {url!r} cannot run: the local Envoy has no Wasm runtime (TrafficExtension's lua can)"


def _envoy_filter_refusals(spec: dict) -> list[str]:
    reasons = []
    for index, patch in enumerate(spec.get("configPatches") or []):
        apply_to, operation = patch.get("applyTo"), (patch.get("patch") or {}).get("operation")
        if apply_to in PATCH_OPERATIONS and operation and operation not in PATCH_OPERATIONS[apply_to]:
            reasons.append(f"configPatches[{index}]: operation {operation} has no effect on {apply_to} "
                           f"(it takes {', '.join(sorted(PATCH_OPERATIONS[apply_to]))})")
        value = json.dumps((patch.get("patch") or {}).get("value") or {})
        if any(name in value for name in GLOBAL_RATE_LIMIT):
            reasons.append(f"configPatches[{index}]: the global rate limit filter (envoy.filters.http.ratelimit) "
                           "needs the envoyproxy/ratelimit service, which does not run here; "
                           "the local rate limit (envoy.filters.http.local_ratelimit) does")
    return reasons
