"""A structural check for Istio and Gateway API objects when the CRD schemas are absent.

Without ``../shared/schemas`` the official schemas cannot be used; rather than accept any
spelling, objects are checked against the field names and types of these APIs that the
local mesh works with (a typo is still an unknown field). Subtrees marked ``ANY`` are
passed through to the mesh's own check of what it implements.
"""
from __future__ import annotations

from typing import Any

from .field_errors import field_path, shown
from .kinds import GATEWAY_API, ISTIO_NETWORKING, split_api_version
from .metadata import metadata_problems

ANY, STR, INT, BOOL, NUM = "any", "string", "integer", "boolean", "number"
STR_MAP = {"*": STR}

_STRING_MATCH = {"exact": STR, "prefix": STR, "regex": STR}
_PERCENT = {"value": NUM}
_HEADER_OPS = {"set": STR_MAP, "add": STR_MAP, "remove": [STR]}
_ISTIO_DESTINATION = {"host": STR, "subset": STR, "port": {"number": INT}}
_ISTIO_HTTP_ROUTE = {
    "name": STR,
    "match": [{"name": STR, "uri": _STRING_MATCH, "scheme": _STRING_MATCH, "method": _STRING_MATCH,
               "authority": _STRING_MATCH, "headers": {"*": _STRING_MATCH},
               "withoutHeaders": {"*": _STRING_MATCH}, "queryParams": {"*": _STRING_MATCH},
               "port": INT, "sourceLabels": STR_MAP, "gateways": [STR], "ignoreUriCase": BOOL,
               "sourceNamespace": STR, "statPrefix": STR}],
    "route": [{"destination": _ISTIO_DESTINATION, "weight": INT,
               "headers": {"request": _HEADER_OPS, "response": _HEADER_OPS}}],
    "redirect": ANY, "directResponse": ANY, "delegate": ANY, "mirror": ANY, "mirrors": ANY,
    "mirrorPercentage": ANY, "mirror_percent": ANY, "mirrorPercent": ANY, "corsPolicy": ANY,
    "rewrite": {"uri": STR, "authority": STR, "uriRegexRewrite": ANY},
    "timeout": STR,
    "retries": {"attempts": INT, "perTryTimeout": STR, "retryOn": STR,
                "retryRemoteLocalities": BOOL, "retryIgnorePreviousHosts": BOOL, "backoff": STR},
    "fault": {"delay": {"fixedDelay": STR, "exponentialDelay": STR, "percentage": _PERCENT, "percent": INT},
              "abort": {"httpStatus": INT, "grpcStatus": STR, "http2Error": STR, "percentage": _PERCENT}},
    "headers": {"request": _HEADER_OPS, "response": _HEADER_OPS},
}
_ISTIO_SPECS: dict[str, Any] = {
    "VirtualService": {"hosts": [STR], "gateways": [STR], "exportTo": [STR],
                       "http": [_ISTIO_HTTP_ROUTE], "tcp": ANY, "tls": ANY},
    "DestinationRule": {"host": STR, "exportTo": [STR], "workloadSelector": ANY,
                        "trafficPolicy": ANY,
                        "subsets": [{"name": STR, "labels": STR_MAP, "trafficPolicy": ANY}]},
    "Gateway": {"selector": STR_MAP,
                "servers": [{"port": {"number": INT, "name": STR, "protocol": STR, "targetPort": INT},
                             "hosts": [STR], "bind": STR, "name": STR, "tls": ANY,
                             "defaultEndpoint": STR}]},
    "ServiceEntry": {"hosts": [STR], "addresses": [STR], "location": STR, "resolution": STR,
                     "exportTo": [STR], "subjectAltNames": [STR], "workloadSelector": ANY,
                     "ports": [{"number": INT, "protocol": STR, "name": STR, "targetPort": INT}],
                     "endpoints": [{"address": STR, "ports": {"*": INT}, "labels": STR_MAP,
                                    "network": STR, "locality": STR, "weight": INT,
                                    "serviceAccount": STR}]},
}
_PARENT_REF = {"group": STR, "kind": STR, "namespace": STR, "name": STR, "sectionName": STR, "port": INT}
_BACKEND_REF = {"group": STR, "kind": STR, "namespace": STR, "name": STR, "port": INT, "weight": INT,
                "filters": ANY}
_GATEWAY_API_SPECS: dict[str, Any] = {
    "Gateway": {"gatewayClassName": STR, "addresses": ANY, "infrastructure": ANY,
                "listeners": [{"name": STR, "hostname": STR, "port": INT, "protocol": STR, "tls": ANY,
                               "allowedRoutes": {"namespaces": {"from": STR, "selector": ANY},
                                                 "kinds": [{"group": STR, "kind": STR}]}}]},
    "HTTPRoute": {"parentRefs": [_PARENT_REF], "hostnames": [STR],
                  "rules": [{"name": STR, "backendRefs": [_BACKEND_REF], "filters": ANY,
                             "timeouts": {"request": STR, "backendRequest": STR}, "retry": ANY,
                             "sessionPersistence": ANY,
                             "matches": [{"path": {"type": STR, "value": STR},
                                          "headers": [{"type": STR, "name": STR, "value": STR}],
                                          "queryParams": [{"type": STR, "name": STR, "value": STR}],
                                          "method": STR}]}]},
}
_TOP_LEVEL = {"apiVersion", "kind", "metadata", "spec", "status"}


def problems(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, reason) pairs for an Istio or Gateway API object checked without its CRD."""
    group, _ = split_api_version(obj["apiVersion"])
    specs = {ISTIO_NETWORKING: _ISTIO_SPECS, GATEWAY_API: _GATEWAY_API_SPECS}.get(group, {})
    tree = specs.get(obj["kind"])
    if tree is None:
        return [("", f'no matches for kind "{obj["kind"]}" in version "{obj["apiVersion"]}"')]
    found = [(name, "unknown field") for name in obj if name not in _TOP_LEVEL]
    found += metadata_problems(obj, check_fields=True)
    found += _check(obj.get("spec", {}), tree, ["spec"])
    return found


def _check(value: Any, shape: Any, path: list[Any]) -> list[tuple[str, str]]:
    if shape == ANY or value is None:
        return []
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [(field_path(path), f"must be of type array, got {shown(value)}")]
        return [p for i, item in enumerate(value) for p in _check(item, shape[0], [*path, i])]
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [(field_path(path), f"must be of type object, got {shown(value)}")]
        found = []
        for name, item in value.items():
            sub = shape.get(name, shape.get("*"))
            if sub is None:
                found.append((field_path([*path, name]), "unknown field"))
            else:
                found.extend(_check(item, sub, [*path, name]))
        return found
    return [] if _is_type(value, shape) else [(field_path(path), f"must be of type {shape}, got {shown(value)}")]


def _is_type(value: Any, wanted: str) -> bool:
    if wanted == STR:
        return isinstance(value, str)
    if wanted == BOOL:
        return isinstance(value, bool)
    if wanted == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, (int, float)) and not isinstance(value, bool)  # NUM
