"""TrafficExtension (Lua) -> Envoy's Lua filter on the proxies the extensions select.

Where Istio places an extension in the filter chain: ``AUTHN`` before the JWT filter,
``AUTHZ`` after it and before the RBAC filters, ``STATS`` after those, and without a
phase just before the router; within a phase the higher ``priority`` runs first (then
the older). ``match`` narrows an extension to traffic a proxy serves (``SERVER``: a
sidecar's inbound side) or sends (``CLIENT``: its outbound side, and the gateway's), and
to ports (the workload port inbound, the service port outbound, the gateway's declared
ports). A Wasm extension cannot run here: support.py refuses it.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from . import envoy_types as t
from .registry import namespace_of

AUTHN, AUTHZ, STATS, UNSPECIFIED = "AUTHN", "AUTHZ", "STATS", "UNSPECIFIED"
SERVER_MODES = {"SERVER", "CLIENT_AND_SERVER", "UNDEFINED"}
CLIENT_MODES = {"CLIENT", "CLIENT_AND_SERVER", "UNDEFINED"}


def lua_filters(extensions: Sequence[dict], inbound: bool, ports: Iterable[int]) -> dict[str, list[dict]]:
    """Phase -> the Lua filters of ``extensions`` (those selecting the proxy, in apply
    order) that apply to a listener serving (``inbound``) or sending on ``ports``."""
    ports = frozenset(ports)
    chosen = [(order, e) for order, e in enumerate(extensions) if _matches(e, inbound, ports)]
    chosen.sort(key=lambda item: (-((item[1].get("spec") or {}).get("priority") or 0), item[0]))
    phases: dict[str, list[dict]] = {AUTHN: [], AUTHZ: [], STATS: [], UNSPECIFIED: []}
    for _, extension in chosen:
        spec = extension.get("spec") or {}
        phases[spec.get("phase") or UNSPECIFIED].append({
            "name": f"extensions.istio.io/trafficextension/{namespace_of(extension)}.{extension['metadata']['name']}",
            "typed_config": {"@type": t.LUA, "default_source_code": {"inline_string": spec["lua"]["inlineCode"]}}})
    return phases


def _matches(extension: dict, inbound: bool, ports: frozenset[int]) -> bool:
    selectors = (extension.get("spec") or {}).get("match") or [{}]
    for selector in selectors:
        modes = SERVER_MODES if inbound else CLIENT_MODES
        wanted = {p["number"] for p in selector.get("ports") or []}
        if (selector.get("mode") or "UNDEFINED") in modes and (not wanted or wanted & ports):
            return True
    return False
