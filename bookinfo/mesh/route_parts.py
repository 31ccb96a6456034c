"""Pieces of Envoy routes shared by the Istio and Gateway API translations."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import envoy_types as t
from .durations import envoy_duration

ISTIO_DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"
NO_TIMEOUT = "0s"  # Istio's default route timeout: disabled


def string_match(kind: str, value: str) -> dict:
    """An Envoy StringMatcher for Istio's exact/prefix/regex (RE2, whole value)."""
    if kind == "regex":
        return {"safe_regex": {"regex": value}}
    return {kind: value}


def header_matcher(name: str, kind: str | None, value: str | None, invert: bool = False) -> dict:
    """Match a request header; ``kind`` None means "present"."""
    matcher: dict = {"name": name}
    if kind is None:
        matcher["present_match"] = True
    else:
        matcher["string_match"] = string_match(kind, value)
    if invert:
        matcher["invert_match"] = True
    return matcher


def istio_default_retry_policy() -> dict:
    """The retry policy Istio gives every route without explicit ``retries``: two
    retries on connection failures and 503, each on a host not tried before."""
    return {"retry_on": ISTIO_DEFAULT_RETRY_ON, "num_retries": 2, "retriable_status_codes": [503],
            "retry_host_predicate": [{"name": "envoy.retry_host_predicates.previous_hosts",
                                      "typed_config": {"@type": t.PREVIOUS_HOSTS}}],
            "host_selection_retry_max_attempts": 5}


def fault_config(fixed_delay: str | None, delay_percent: float,
                 abort_status: int | None, abort_percent: float) -> dict:
    """Per-route config of the HTTP fault filter (``fixed_delay`` as Istio writes it)."""
    config: dict = {"@type": t.HTTP_FAULT}
    if fixed_delay is not None:
        config["delay"] = {"fixed_delay": envoy_duration(fixed_delay),
                           "percentage": t.fraction(delay_percent)}
    if abort_status is not None:
        config["abort"] = {"http_status": abort_status, "percentage": t.fraction(abort_percent)}
    return config


@dataclass
class HeaderEdits:
    """Request/response header set/add/remove, in Envoy's terms."""

    request_add: list = field(default_factory=list)
    request_remove: list = field(default_factory=list)
    response_add: list = field(default_factory=list)
    response_remove: list = field(default_factory=list)

    def apply_to(self, target: dict) -> dict:
        """Write into a Route or a weighted-cluster entry (same field names)."""
        for key, value in (("request_headers_to_add", self.request_add),
                           ("request_headers_to_remove", self.request_remove),
                           ("response_headers_to_add", self.response_add),
                           ("response_headers_to_remove", self.response_remove)):
            if value:
                target[key] = list(value)
        return target


@dataclass
class Backend:
    """A weighted destination with its own header edits."""

    cluster: str
    weight: int
    headers: HeaderEdits = field(default_factory=HeaderEdits)


def forward(route: dict, backends: list[Backend]) -> bool:
    """Point ``route["route"]`` at one cluster or at weighted clusters. A single
    backend's header edits move up to the route (Envoy has no per-cluster edits there).
    With no backend to send to (none given, or every weight 0) the route answers 500,
    as Gateway API specifies for a rule without valid backends; returns False then."""
    live = [b for b in backends if b.weight > 0] if len(backends) > 1 else backends
    if not live:
        route["direct_response"] = {"status": 500}
        return False
    action = route.setdefault("route", {})
    if len(live) == 1:
        action["cluster"] = live[0].cluster
        _merge_edits(route, live[0].headers)
    else:
        action["weighted_clusters"] = {"clusters": [
            b.headers.apply_to({"name": b.cluster, "weight": b.weight}) for b in live]}
    return True


def _merge_edits(route: dict, edits: HeaderEdits) -> None:
    for key, value in edits.apply_to({}).items():
        route[key] = route.get(key, []) + value


def mirror_policy(cluster: str, percent: float | None) -> dict:
    policy: dict = {"cluster": cluster}
    if percent is not None:
        policy["runtime_fraction"] = {"default_value": t.fraction(percent)}
    return policy


def timeout(text: str | None) -> str:
    return envoy_duration(text) if text else NO_TIMEOUT
