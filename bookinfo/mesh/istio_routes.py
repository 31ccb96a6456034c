"""VirtualService ``http`` rules -> Envoy routes, for one caller's view.

Rules are first-match-wins, so their order is kept. A match block that does not apply to
this caller (sourceLabels, gateways, port) is dropped here, at translation time, as
Istio does per proxy; a rule left with no applicable match block is dropped.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import envoy_types as t
from .clusters import ClusterBook
from .registry import namespace_of
from .route_parts import (Backend, HeaderEdits, fault_config, forward, header_matcher,
                          istio_default_retry_policy, mirror_policy, string_match, timeout)

MESH = "mesh"


@dataclass(frozen=True)
class Caller:
    """Who sends the request through this listener.

    ``gateways`` is {"mesh"} for a workload's outbound listener, or the ingress
    gateway's bound Gateway names ("namespace/name"); ``ports`` are the ports the
    listener stands for (the service port, or the Gateways' declared server ports).
    """

    labels: Mapping[str, str]
    gateways: frozenset[str]
    ports: frozenset[int]


def bound_gateways(vs: dict) -> frozenset[str]:
    """The VirtualService's ``gateways`` as "namespace/name" (or "mesh"); none means mesh."""
    return _qualified(vs["spec"].get("gateways") or [MESH], namespace_of(vs))


def _qualified(names: list[str], namespace: str) -> frozenset[str]:
    return frozenset(n if n == MESH or "/" in n else f"{namespace}/{n}" for n in names)


def virtual_service_routes(vs: dict, caller: Caller, book: ClusterBook) -> list[dict]:
    namespace = namespace_of(vs)
    routes = []
    for index, rule in enumerate(vs["spec"].get("http") or []):
        blocks = rule.get("match") or [{}]
        for block in blocks:
            if not _applies(block, caller, vs, namespace):
                continue
            route = {"name": f"{vs['metadata']['name']}.{rule.get('name', index)}", "match": _match(block)}
            _act(route, rule, namespace, book)
            routes.append(route)
    return routes


def _applies(block: dict, caller: Caller, vs: dict, namespace: str) -> bool:
    source = block.get("sourceLabels") or {}
    if any(caller.labels.get(k) != v for k, v in source.items()):
        return False
    gateways = _qualified(block["gateways"], namespace) if block.get("gateways") else bound_gateways(vs)
    if not gateways & caller.gateways:
        return False
    return "port" not in block or int(block["port"]) in caller.ports


def _match(block: dict) -> dict:
    uri = block.get("uri") or {}
    match: dict = {"prefix": "/"}
    if "exact" in uri:
        match = {"path": uri["exact"]}
    elif "prefix" in uri:
        match = {"prefix": uri["prefix"]}
    elif "regex" in uri:
        match = {"safe_regex": {"regex": uri["regex"]}}
    if block.get("ignoreUriCase"):
        match["case_sensitive"] = False
    headers = [_header(name, spec) for name, spec in (block.get("headers") or {}).items()]
    headers += [_header(name, spec, invert=True) for name, spec in (block.get("withoutHeaders") or {}).items()]
    for pseudo, key in ((":method", "method"), (":authority", "authority"), (":scheme", "scheme")):
        if key in block:
            headers.append(_header(pseudo, block[key]))
    if headers:
        match["headers"] = headers
    params = [_query(name, spec) for name, spec in (block.get("queryParams") or {}).items()]
    if params:
        match["query_parameters"] = params
    return match


def _header(name: str, spec: dict, invert: bool = False) -> dict:
    for kind in ("exact", "prefix", "regex"):
        if kind in spec:
            return header_matcher(name.lower(), kind, spec[kind], invert)
    return header_matcher(name.lower(), None, None, invert)


def _query(name: str, spec: dict) -> dict:
    for kind in ("exact", "prefix", "regex"):
        if kind in spec:
            if kind == "exact" and spec[kind] == "":
                return {"name": name, "present_match": True}
            return {"name": name, "string_match": string_match(kind, spec[kind])}
    return {"name": name, "present_match": True}


def _act(route: dict, rule: dict, namespace: str, book: ClusterBook) -> None:
    _header_edits(rule.get("headers")).apply_to(route)
    if "directResponse" in rule:
        direct = rule["directResponse"]
        route["direct_response"] = {"status": int(direct["status"])}
        if "body" in direct:
            route["direct_response"]["body"] = {"inline_string": direct["body"].get("string", "")}
    else:
        backends = []
        for destination in rule.get("route") or []:
            cluster = _cluster(destination["destination"], namespace, book)
            weight = int(destination.get("weight", 100 if len(rule["route"]) == 1 else 0))
            backends.append(Backend(cluster, weight, _header_edits(destination.get("headers"))))
        if not forward(route, backends):
            return
        action = route["route"]
        action["timeout"] = timeout(rule.get("timeout"))
        retry = _retry_policy(rule["retries"]) if "retries" in rule else istio_default_retry_policy()
        if retry:
            action["retry_policy"] = retry
        mirrors = _mirrors(rule, namespace, book)
        if mirrors:
            action["request_mirror_policies"] = mirrors
        _rewrite(action, rule.get("rewrite") or {})
    if "fault" in rule:
        route["typed_per_filter_config"] = {t.FAULT_FILTER: _fault(rule["fault"])}


def _cluster(destination: dict, namespace: str, book: ClusterBook) -> str:
    host = book.registry.resolve(destination["host"], namespace)
    port = (destination.get("port") or {}).get("number")
    return book.ref(host, int(port) if port is not None else None, destination.get("subset"))


def _header_edits(spec: dict | None) -> HeaderEdits:
    spec = spec or {}
    request, response = spec.get("request") or {}, spec.get("response") or {}
    return HeaderEdits(
        request_add=t.header_value_options(request.get("set") or {}, append=False)
        + t.header_value_options(request.get("add") or {}, append=True),
        request_remove=list(request.get("remove") or []),
        response_add=t.header_value_options(response.get("set") or {}, append=False)
        + t.header_value_options(response.get("add") or {}, append=True),
        response_remove=list(response.get("remove") or []))


def _retry_policy(retries: dict) -> dict | None:
    """Istio's mapping of ``retries``: attempts 0 turns retrying off; numeric entries of
    ``retryOn`` become retriable status codes; the rest keeps the default policy."""
    attempts = int(retries.get("attempts", 2))
    if attempts == 0:
        return None
    policy = istio_default_retry_policy()
    policy["num_retries"] = attempts
    if retries.get("retryOn"):
        names, codes = [], []
        for item in (s.strip() for s in retries["retryOn"].split(",")):
            (codes if item.isdigit() else names).append(int(item) if item.isdigit() else item)
        if codes and "retriable-status-codes" not in names:
            names.append("retriable-status-codes")
        policy["retry_on"] = ",".join(names)
        policy["retriable_status_codes"] = codes
        if not codes:
            del policy["retriable_status_codes"]
    if retries.get("perTryTimeout"):
        policy["per_try_timeout"] = timeout(retries["perTryTimeout"])
    return policy


def _mirrors(rule: dict, namespace: str, book: ClusterBook) -> list[dict]:
    mirrors = []
    if "mirror" in rule:
        percent = _percent(rule.get("mirrorPercentage"), rule.get("mirrorPercent"))
        mirrors.append(mirror_policy(_cluster(rule["mirror"], namespace, book), percent))
    for entry in rule.get("mirrors") or []:
        percent = _percent(entry.get("percentage"), None)
        mirrors.append(mirror_policy(_cluster(entry["destination"], namespace, book), percent))
    return mirrors


def _percent(percentage: dict | None, legacy: int | None) -> float:
    """Istio's ``percentage.value`` (or the old integer ``percent``); absent means 100."""
    if percentage is not None:
        return float(percentage.get("value", 0))
    return float(legacy) if legacy is not None else 100.0


def _rewrite(action: dict, rewrite: dict) -> None:
    if "uri" in rewrite:
        action["prefix_rewrite"] = rewrite["uri"]
    if "uriRegexRewrite" in rewrite:
        regex = rewrite["uriRegexRewrite"]
        action["regex_rewrite"] = {"pattern": {"regex": regex["match"]}, "substitution": regex["rewrite"]}
    if "authority" in rewrite:
        action["host_rewrite_literal"] = rewrite["authority"]


def _fault(fault: dict) -> dict:
    delay, abort = fault.get("delay"), fault.get("abort")
    return fault_config(
        delay.get("fixedDelay") if delay else None,
        _percent(delay.get("percentage"), delay.get("percent")) if delay else 0,
        int(abort["httpStatus"]) if abort else None,
        _percent(abort.get("percentage"), None) if abort else 0)
