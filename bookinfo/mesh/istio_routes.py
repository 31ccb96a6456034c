"""Istio VirtualService (``http`` rules) and Gateway -> the internal route model.

Rules keep their order (first match wins). Each match block keeps its caller
conditions (sourceLabels, gateways, port) for envoy_routes to decide per caller.
"""
from __future__ import annotations

from bookinfo.objects.kinds import ISTIO_NETWORKING

from .registry import Registry, namespace_of, objects_of_kind
from .route_model import (ANY_PATH, MESH, PRESENT, DirectResponse, Destination, Fault, HeaderEdits,
                          HeaderOperations, HeaderMatch, Match, Mirror, PathMatch, QueryMatch, RegexRewrite,
                          Retries, Rewrite, RouteRule, RouteTable, StringMatch, WeightedDestination)

_STRING_MATCH_KINDS = ("exact", "prefix", "regex")


def bound_gateways(vs: dict) -> frozenset[str]:
    """The VirtualService's ``gateways`` as "namespace/name" (or "mesh"); none means mesh."""
    return _qualified(vs["spec"].get("gateways") or [MESH], namespace_of(vs))


def _qualified(names: list[str], namespace: str) -> frozenset[str]:
    return frozenset(n if n == MESH or "/" in n else f"{namespace}/{n}" for n in names)


def gateway_key(gateway: dict) -> str:
    return f"{namespace_of(gateway)}/{gateway['metadata']['name']}"


def served_hosts(config: list[dict]) -> dict[str, list[str]]:
    """Each Istio Gateway's key -> the host names its servers accept ("ns/" dropped)."""
    return {gateway_key(g): [h.split("/", 1)[-1] for server in g["spec"].get("servers") or []
                             for h in server.get("hosts") or ["*"]]
            for g in objects_of_kind(config, "Gateway", ISTIO_NETWORKING)}


def server_ports(config: list[dict]) -> frozenset[int]:
    """The ports Istio Gateways declare, which a match ``port`` compares with."""
    return frozenset(int(s["port"]["number"]) for g in objects_of_kind(config, "Gateway", ISTIO_NETWORKING)
                     for s in g["spec"].get("servers") or [])


def virtual_service_table(vs: dict, order: int, registry: Registry) -> RouteTable:
    namespace = namespace_of(vs)
    hosts = vs["spec"].get("hosts") or []
    return RouteTable(order=order, parents=tuple(sorted(bound_gateways(vs))),
                      hostnames=tuple(hosts),
                      services=tuple((registry.resolve(h, namespace), None) for h in hosts),
                      rules=tuple(virtual_service_rules(vs, registry)))


def virtual_service_rules(vs: dict, registry: Registry) -> list[RouteRule]:
    namespace, bound = namespace_of(vs), bound_gateways(vs)
    rules = []
    for index, rule in enumerate(vs["spec"].get("http") or []):
        matches = tuple(_match(block, namespace, bound) for block in rule.get("match") or [{}])
        rules.append(RouteRule(name=f"{vs['metadata']['name']}.{rule.get('name', index)}", matches=matches,
                               **_actions(rule, namespace, registry)))
    return rules


def _match(block: dict, namespace: str, bound: frozenset[str]) -> Match:
    uri = block.get("uri") or {}
    path = next((PathMatch(kind, uri[kind]) for kind in _STRING_MATCH_KINDS if kind in uri), ANY_PATH)
    headers = [HeaderMatch(name, _string_match(spec)) for name, spec in (block.get("headers") or {}).items()]
    headers += [HeaderMatch(name, _string_match(spec), invert=True)
                for name, spec in (block.get("withoutHeaders") or {}).items()]
    return Match(
        path=path, ignore_case=bool(block.get("ignoreUriCase")), headers=tuple(headers),
        method=_string_match(block["method"]) if "method" in block else None,
        authority=_string_match(block["authority"]) if "authority" in block else None,
        scheme=_string_match(block["scheme"]) if "scheme" in block else None,
        query_params=tuple(QueryMatch(name, _query_match(spec))
                           for name, spec in (block.get("queryParams") or {}).items()),
        source_labels=tuple((block.get("sourceLabels") or {}).items()),
        gateways=_qualified(block["gateways"], namespace) if block.get("gateways") else bound,
        port=int(block["port"]) if "port" in block else None)


def _string_match(spec: dict) -> StringMatch:
    """Istio's StringMatch; one without exact/prefix/regex asks for presence only."""
    return next((StringMatch(kind, spec[kind]) for kind in _STRING_MATCH_KINDS if kind in spec), PRESENT)


def _query_match(spec: dict) -> StringMatch:
    """As a header match, except that ``exact: ""`` asks for presence too (Istio's rule)."""
    match = _string_match(spec)
    return PRESENT if match == StringMatch("exact", "") else match


def _actions(rule: dict, namespace: str, registry: Registry) -> dict:
    """The RouteRule fields other than name and matches."""
    actions: dict = {"headers": _header_edits(rule.get("headers")), "timeout": rule.get("timeout"),
                     "retries": _retries(rule["retries"]) if "retries" in rule else Retries(),
                     "mirrors": tuple(_mirrors(rule, namespace, registry)),
                     "rewrite": _rewrite(rule.get("rewrite") or {})}
    if "directResponse" in rule:
        direct = rule["directResponse"]
        body = direct["body"].get("string", "") if "body" in direct else None
        actions["direct_response"] = DirectResponse(int(direct["status"]), body)
    else:
        routes = rule.get("route") or []
        actions["destinations"] = tuple(
            WeightedDestination(_destination(entry["destination"], namespace, registry),
                                int(entry.get("weight", 100 if len(routes) == 1 else 0)),
                                _header_edits(entry.get("headers")))
            for entry in routes)
    if "fault" in rule:
        actions["fault"] = _fault(rule["fault"])
    return actions


def _destination(destination: dict, namespace: str, registry: Registry) -> Destination:
    port = (destination.get("port") or {}).get("number")
    return Destination(registry.resolve(destination["host"], namespace),
                       int(port) if port is not None else None, destination.get("subset"))


def _header_edits(spec: dict | None) -> HeaderEdits:
    spec = spec or {}
    return HeaderEdits(*(_operations(spec.get(side) or {}) for side in ("request", "response")))


def _operations(spec: dict) -> HeaderOperations:
    return HeaderOperations(set=tuple((k, str(v)) for k, v in (spec.get("set") or {}).items()),
                            add=tuple((k, str(v)) for k, v in (spec.get("add") or {}).items()),
                            remove=tuple(spec.get("remove") or []))


def _retries(retries: dict) -> Retries | None:
    """Istio's mapping of ``retries``: attempts 0 turns retrying off; numeric entries of
    ``retryOn`` become retriable status codes; the rest keeps the default policy."""
    attempts = int(retries.get("attempts", 2))
    if attempts == 0:
        return None
    policy = Retries(attempts=attempts, per_try_timeout=retries.get("perTryTimeout") or None)
    if retries.get("retryOn"):
        names, codes = [], []
        for item in (s.strip() for s in retries["retryOn"].split(",")):
            (codes if item.isdigit() else names).append(int(item) if item.isdigit() else item)
        if codes and "retriable-status-codes" not in names:
            names.append("retriable-status-codes")
        policy = Retries(attempts, tuple(names), tuple(codes), policy.per_try_timeout)
    return policy


def _mirrors(rule: dict, namespace: str, registry: Registry) -> list[Mirror]:
    mirrors = []
    if "mirror" in rule:
        percent = _percent(rule.get("mirrorPercentage"), rule.get("mirrorPercent"))
        mirrors.append(Mirror(_destination(rule["mirror"], namespace, registry), percent))
    for entry in rule.get("mirrors") or []:
        mirrors.append(Mirror(_destination(entry["destination"], namespace, registry),
                              _percent(entry.get("percentage"), None)))
    return mirrors


def _percent(percentage: dict | None, legacy: int | None) -> float:
    """Istio's ``percentage.value`` (or the old integer ``percent``); absent means 100."""
    if percentage is not None:
        return float(percentage.get("value", 0))
    return float(legacy) if legacy is not None else 100.0


def _rewrite(rewrite: dict) -> Rewrite:
    regex = rewrite.get("uriRegexRewrite")
    return Rewrite(prefix=rewrite.get("uri"), host=rewrite.get("authority"),
                   path_regex=RegexRewrite(regex["match"], regex["rewrite"]) if regex else None)


def _fault(fault: dict) -> Fault:
    delay, abort = fault.get("delay"), fault.get("abort")
    return Fault(delay=delay.get("fixedDelay") if delay else None,
                 delay_percent=_percent(delay.get("percentage"), delay.get("percent")) if delay else 0.0,
                 abort_status=int(abort["httpStatus"]) if abort else None,
                 abort_percent=_percent(abort.get("percentage"), None) if abort else 0.0)
