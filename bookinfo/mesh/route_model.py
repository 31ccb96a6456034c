"""The one internal form of HTTP routing, whichever API wrote it.

Istio's pilot converts every Gateway API HTTPRoute into VirtualService-shaped routes
and then runs a single translation to Envoy; the mesh does the same. A VirtualService
(istio_routes) and an HTTPRoute (gateway_api_routes) each become a :class:`RouteTable`
of :class:`RouteRule`; only envoy_routes turns rules into Envoy JSON, so cluster names,
header edits, rewrites, mirrors, retries and faults are written in one place.

Everything is frozen and hashable: a rule converted once can be looked up and reused
for every listener and virtual host it belongs to.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MESH = "mesh"
"""The parent name of every workload's outbound listener (Istio's reserved gateway name)."""
ISTIO_DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes"


@dataclass(frozen=True)
class Caller:
    """Who sends the request through a listener.

    ``gateways`` is {"mesh"} for a workload's outbound listener, or the parents the
    ingress gateway stands for; ``ports`` are the ports the listener stands for (the
    service port, or the Istio Gateways' declared server ports); ``identity`` is the
    caller's SPIFFE ID, the certificate its mutual TLS hops present.
    """

    labels: Mapping[str, str]
    gateways: frozenset[str]
    ports: frozenset[int]
    identity: str | None = None


@dataclass(frozen=True)
class StringMatch:
    """exact / prefix / regex (RE2, whole value); ``kind`` None: only present."""

    kind: str | None
    value: str = ""


PRESENT = StringMatch(None)


@dataclass(frozen=True)
class HeaderMatch:
    name: str
    value: StringMatch
    invert: bool = False


@dataclass(frozen=True)
class QueryMatch:
    name: str
    value: StringMatch


@dataclass(frozen=True)
class PathMatch:
    """``kind`` exact / prefix / regex. ``whole_segments``: a prefix matches whole path
    segments (Gateway API PathPrefix: /static matches /static/x, not /staticx)."""

    kind: str
    value: str
    whole_segments: bool = False


ANY_PATH = PathMatch("prefix", "/")


@dataclass(frozen=True)
class Match:
    """One match block: request conditions (AND), and the callers it applies to.

    ``source_labels``, ``gateways`` and ``port`` are decided per caller at translation
    time, as istiod does per proxy; ``gateways`` None applies wherever the route is bound.
    """

    path: PathMatch = ANY_PATH
    ignore_case: bool = False
    headers: tuple[HeaderMatch, ...] = ()
    method: StringMatch | None = None
    authority: StringMatch | None = None
    scheme: StringMatch | None = None
    query_params: tuple[QueryMatch, ...] = ()
    source_labels: tuple[tuple[str, str], ...] = ()
    gateways: frozenset[str] | None = None
    port: int | None = None

    def applies_to(self, caller: Caller) -> bool:
        if any(caller.labels.get(k) != v for k, v in self.source_labels):
            return False
        if self.gateways is not None and not self.gateways & caller.gateways:
            return False
        return self.port is None or self.port in caller.ports


@dataclass(frozen=True)
class HeaderOperations:
    """``set`` overwrites, ``add`` appends, ``remove`` drops (names as written)."""

    set: tuple[tuple[str, str], ...] = ()
    add: tuple[tuple[str, str], ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeaderEdits:
    request: HeaderOperations = HeaderOperations()
    response: HeaderOperations = HeaderOperations()


@dataclass(frozen=True)
class Destination:
    """A registry host (resolved), a port (None: the host's only port), a subset."""

    host: str
    port: int | None = None
    subset: str | None = None


@dataclass(frozen=True)
class WeightedDestination:
    destination: Destination
    weight: int
    headers: HeaderEdits = HeaderEdits()


@dataclass(frozen=True)
class Mirror:
    """A copy of each request, for ``percent`` of requests (None: every request)."""

    destination: Destination
    percent: float | None = None


@dataclass(frozen=True)
class RegexRewrite:
    pattern: str
    substitution: str


@dataclass(frozen=True)
class Rewrite:
    prefix: str | None = None
    path_regex: RegexRewrite | None = None
    host: str | None = None


@dataclass(frozen=True)
class Retries:
    """The defaults are Istio's policy for a route without explicit ``retries``: two
    retries on connection failures and 503."""

    attempts: int = 2
    retry_on: tuple[str, ...] = tuple(ISTIO_DEFAULT_RETRY_ON.split(","))
    status_codes: tuple[int, ...] = (503,)
    per_try_timeout: str | None = None


@dataclass(frozen=True)
class Fault:
    """Delay and/or abort, each for a percentage of requests."""

    delay: str | None = None
    delay_percent: float = 0.0
    abort_status: int | None = None
    abort_percent: float = 0.0


@dataclass(frozen=True)
class DirectResponse:
    status: int
    body: str | None = None


@dataclass(frozen=True)
class RouteRule:
    """A rule: an Envoy route per applicable match, all named ``name``.

    The action is ``direct_response`` if set, else the weighted ``destinations`` (none
    with weight > 0: 500, as Gateway API specifies). ``retries`` None turns retrying off.
    ``precedence`` orders rules merged from several HTTPRoutes (Gateway API only).
    """

    name: str
    matches: tuple[Match, ...] = (Match(),)
    destinations: tuple[WeightedDestination, ...] = ()
    direct_response: DirectResponse | None = None
    headers: HeaderEdits = HeaderEdits()
    rewrite: Rewrite = Rewrite()
    mirrors: tuple[Mirror, ...] = ()
    timeout: str | None = None
    retries: Retries | None = Retries()
    fault: Fault | None = None
    precedence: tuple = ()


@dataclass(frozen=True)
class RouteTable:
    """The rules one routing object contributes, and where they apply (a VirtualService
    in pilot's terms).

    ``parents``: "mesh" and/or gateway keys (a VirtualService's sorted, an HTTPRoute's
    in parentRefs order: the order in which the gateways' served hosts are read).
    ``hostnames``: the host names it serves at those gateways. ``services``: the
    (registry host, port) pairs it routes in the mesh, port None for every port.
    ``merged``: Gateway API semantics, where the tables of one parent and host are
    merged and their rules ordered by ``precedence``; otherwise rules keep their order.
    ``order`` is the object's apply order: for one host the oldest object wins.
    """

    order: int
    parents: tuple[str, ...]
    hostnames: tuple[str, ...]
    services: tuple[tuple[str, int | None], ...]
    rules: tuple[RouteRule, ...]
    merged: bool = False

    def routes_service(self, host: str, port: int) -> bool:
        return MESH in self.parents and any(h == host and p in (None, port) for h, p in self.services)
