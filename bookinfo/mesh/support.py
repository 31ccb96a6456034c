"""Which fields of Istio and Gateway API objects the local mesh implements.

An allow-list per kind, so a field the translation does not read is reported (and the
object refused by bookinfo.objects with a message naming it) rather than silently
ignored. Paths use ``[]`` for list items and ``*`` for map keys (header names, labels).
A few fields are implemented for some values only; a value outside those is reported
as ``path=VALUE``.
"""
from __future__ import annotations

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


_HTTP = "spec.http[]"
_RULE = "spec.rules[]"
SUPPORTED: dict[str, list[str]] = {
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

_HEADER_FILTERS = {"RequestHeaderModifier", "ResponseHeaderModifier"}
SUPPORTED_VALUES: dict[str, dict[str, set]] = {
    "networking.istio.io/DestinationRule": {
        **{f"{p}.loadBalancer.simple": {"UNSPECIFIED", "ROUND_ROBIN", "LEAST_REQUEST", "LEAST_CONN", "RANDOM"}
           for p in ("spec.trafficPolicy", "spec.trafficPolicy.portLevelSettings[]",
                     "spec.subsets[].trafficPolicy", "spec.subsets[].trafficPolicy.portLevelSettings[]")},
        # ISTIO_MUTUAL: the mesh's own mTLS; on loopback the hops are plain, as documented.
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
    leaves = set(SUPPORTED[key])
    containers = _containers(SUPPORTED[key])
    values = SUPPORTED_VALUES.get(key, {})
    found: list[str] = []

    def walk(node, pattern: str, path: str) -> None:
        if pattern in leaves:
            if pattern in values and node not in values[pattern]:
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

    walk(obj.get("spec") or {}, "spec", "spec")
    return found
