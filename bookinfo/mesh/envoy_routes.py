"""Route rules (route_model) -> Envoy v3 routes: the one place either API's routing
becomes Envoy JSON, for one caller's view.

Rules are first-match-wins, so their order is kept. A match that does not apply to
this caller (sourceLabels, gateways, port) is dropped here, at translation time, as
Istio does per proxy; a rule left with no applicable match gives no route.
"""
from __future__ import annotations

from collections.abc import Iterable

from . import envoy_types as t
from .clusters import ClusterBook
from .durations import envoy_duration
from .route_model import (Caller, Destination, Fault, HeaderEdits, HeaderOperations, Match, Retries, Rewrite,
                          RouteRule, StringMatch)

NO_TIMEOUT = "0s"  # Istio's default route timeout: disabled


def envoy_routes(rules: Iterable[RouteRule], caller: Caller, book: ClusterBook) -> list[dict]:
    book = book.as_caller(caller.identity)
    routes = []
    for rule in rules:
        for match in rule.matches:
            if match.applies_to(caller):
                route = {"name": rule.name, "match": _match(match)}
                _act(route, rule, book)
                routes.append(route)
    return routes


def _match(match: Match) -> dict:
    path = match.path
    if path.kind == "exact":
        envoy: dict = {"path": path.value}
    elif path.kind == "regex":
        envoy = {"safe_regex": {"regex": path.value}}
    elif path.whole_segments and path.value.rstrip("/"):
        envoy = {"path_separated_prefix": path.value.rstrip("/")}
    else:
        envoy = {"prefix": "/" if path.whole_segments else path.value}
    if match.ignore_case:
        envoy["case_sensitive"] = False
    headers = [_header_matcher(h.name, h.value, h.invert) for h in match.headers]
    for pseudo, value in ((":method", match.method), (":authority", match.authority), (":scheme", match.scheme)):
        if value is not None:
            headers.append(_header_matcher(pseudo, value))
    if headers:
        envoy["headers"] = headers
    params = [_present_or({"name": q.name}, q.value) for q in match.query_params]
    if params:
        envoy["query_parameters"] = params
    return envoy


def _header_matcher(name: str, value: StringMatch, invert: bool = False) -> dict:
    matcher = _present_or({"name": name.lower()}, value)
    if invert:
        matcher["invert_match"] = True
    return matcher


def _present_or(matcher: dict, value: StringMatch) -> dict:
    if value.kind is None:
        matcher["present_match"] = True
    elif value.kind == "regex":
        matcher["string_match"] = {"safe_regex": {"regex": value.value}}
    else:
        matcher["string_match"] = {value.kind: value.value}
    return matcher


def _act(route: dict, rule: RouteRule, book: ClusterBook) -> None:
    _edit_headers(route, rule.headers)
    if rule.direct_response is not None:
        route["direct_response"] = {"status": rule.direct_response.status}
        if rule.direct_response.body is not None:
            route["direct_response"]["body"] = {"inline_string": rule.direct_response.body}
    else:
        if not _forward(route, rule, book):
            return
        action = route["route"]
        action["timeout"] = envoy_duration(rule.timeout) if rule.timeout else NO_TIMEOUT
        if rule.retries is not None:
            action["retry_policy"] = retry_policy(rule.retries)
        if rule.mirrors:
            action["request_mirror_policies"] = [_mirror_policy(book, m.destination, m.percent)
                                                 for m in rule.mirrors]
        _rewrite(action, rule.rewrite)
    if rule.fault is not None:
        route["typed_per_filter_config"] = {t.FAULT_FILTER: _fault_config(rule.fault)}


def _cluster(book: ClusterBook, destination: Destination) -> str:
    return book.ref(destination.host, destination.port, destination.subset)


def _forward(route: dict, rule: RouteRule, book: ClusterBook) -> bool:
    """Point ``route["route"]`` at one cluster or at weighted clusters. A single
    destination's header edits move up to the route (Envoy has no per-cluster edits there).
    With nothing to send to (no destination, or every weight 0) the route answers 500,
    as Gateway API specifies for a rule without valid backends; returns False then."""
    weighted = rule.destinations
    live = [d for d in weighted if d.weight > 0] if len(weighted) > 1 else list(weighted)
    if not live:
        route["direct_response"] = {"status": 500}
        return False
    action = route.setdefault("route", {})
    if len(live) == 1:
        action["cluster"] = _cluster(book, live[0].destination)
        _edit_headers(route, live[0].headers)
    else:
        action["weighted_clusters"] = {"clusters": [
            _edit_headers({"name": _cluster(book, d.destination), "weight": d.weight}, d.headers) for d in live]}
    return True


def _edit_headers(target: dict, edits: HeaderEdits) -> dict:
    """Write into a Route or a weighted-cluster entry (same field names), after the
    edits already there."""
    for key, value in (("request_headers_to_add", _header_values(edits.request)),
                       ("request_headers_to_remove", list(edits.request.remove)),
                       ("response_headers_to_add", _header_values(edits.response)),
                       ("response_headers_to_remove", list(edits.response.remove))):
        if value:
            target[key] = target.get(key, []) + value
    return target


def _header_values(operations: HeaderOperations) -> list[dict]:
    return (t.header_value_options(operations.set, append=False)
            + t.header_value_options(operations.add, append=True))


def retry_policy(retries: Retries) -> dict:
    """Envoy's retry policy; each retry goes to a host not tried before, as in Istio."""
    policy: dict = {"retry_on": ",".join(retries.retry_on), "num_retries": retries.attempts}
    if retries.status_codes:
        policy["retriable_status_codes"] = list(retries.status_codes)
    policy["retry_host_predicate"] = [{"name": "envoy.retry_host_predicates.previous_hosts",
                                       "typed_config": {"@type": t.PREVIOUS_HOSTS}}]
    policy["host_selection_retry_max_attempts"] = 5
    if retries.per_try_timeout:
        policy["per_try_timeout"] = envoy_duration(retries.per_try_timeout)
    return policy


def _mirror_policy(book: ClusterBook, destination: Destination, percent: float | None) -> dict:
    policy: dict = {"cluster": _cluster(book, destination)}
    if percent is not None:
        policy["runtime_fraction"] = {"default_value": t.fraction(percent)}
    return policy


def _rewrite(action: dict, rewrite: Rewrite) -> None:
    if rewrite.prefix is not None:
        action["prefix_rewrite"] = rewrite.prefix
    if rewrite.path_regex is not None:
        action["regex_rewrite"] = {"pattern": {"regex": rewrite.path_regex.pattern},
                                   "substitution": rewrite.path_regex.substitution}
    if rewrite.host is not None:
        action["host_rewrite_literal"] = rewrite.host


def _fault_config(fault: Fault) -> dict:
    """Per-route config of the HTTP fault filter the listeners carry."""
    config: dict = {"@type": t.HTTP_FAULT}
    if fault.delay is not None:
        config["delay"] = {"fixed_delay": envoy_duration(fault.delay),
                           "percentage": t.fraction(fault.delay_percent)}
    if fault.abort_status is not None:
        config["abort"] = {"http_status": fault.abort_status, "percentage": t.fraction(fault.abort_percent)}
    return config
