"""The status Istio's gateway controller writes on Gateway API objects, for the local
gateway: ``kubectl wait --for=condition=programmed gtw bookinfo-gateway`` and the
ADDRESS and PROGRAMMED columns of ``get gtw`` read it.

While a stack runs, every Gateway is served by its one gateway listener on
127.0.0.1:<gateway port>: Accepted, Programmed once Envoy is ready, each listener with
the number of routes attached. Each HTTPRoute gets a parent status per parentRef: Accepted
when the parent exists, ResolvedRefs when every backend Service does. Without a stack
the objects keep what was stored (the CRD's defaults: "Waiting for controller").
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bookinfo.objects.kinds import GATEWAY_API
from bookinfo.objects.record import object_key

CONTROLLER = "istio.io/gateway-controller"
ROUTE_KINDS = [{"group": GATEWAY_API, "kind": "HTTPRoute"}, {"group": GATEWAY_API, "kind": "GRPCRoute"}]


def with_gateway_status(obj: dict[str, Any], stored: Sequence[dict[str, Any]], gateway_port: int | None,
                        envoy_ready: bool) -> dict[str, Any]:
    """``obj`` with the status the controller would write (unchanged for other kinds, or
    when no stack runs)."""
    kind = object_key(obj)[:2]
    if gateway_port is None or kind not in ((GATEWAY_API, "Gateway"), (GATEWAY_API, "HTTPRoute")):
        return obj
    if kind[1] == "Gateway":
        return {**obj, "status": _gateway_status(obj, stored, gateway_port, envoy_ready)}
    return {**obj, "status": _route_status(obj, stored)}


def _condition(obj: dict[str, Any], kind: str, ok: bool, reason: str, message: str) -> dict[str, Any]:
    return {"type": kind, "status": "True" if ok else "False", "reason": reason, "message": message,
            "observedGeneration": obj["metadata"].get("generation", 1),
            "lastTransitionTime": obj["metadata"].get("creationTimestamp")}


def _gateway_status(gateway: dict[str, Any], stored: Sequence[dict[str, Any]], port: int,
                    envoy_ready: bool) -> dict[str, Any]:
    programmed = (_condition(gateway, "Programmed", True, "Programmed",
                             f"Resource programmed, assigned to service(s) localhost:{port}") if envoy_ready
                  else _condition(gateway, "Programmed", False, "Pending", "Waiting for the local gateway to be ready"))
    listeners = []
    for listener in (gateway.get("spec") or {}).get("listeners") or []:
        listeners.append({
            "name": listener["name"],
            "attachedRoutes": sum(1 for route in stored if _attaches(route, gateway, listener["name"])),
            "supportedKinds": ROUTE_KINDS,
            "conditions": [_condition(gateway, "Accepted", True, "Accepted", "No errors found"),
                           _condition(gateway, "Conflicted", False, "NoConflicts", "No errors found"),
                           _condition(gateway, "Programmed", True, "Programmed", "No errors found"),
                           _condition(gateway, "ResolvedRefs", True, "ResolvedRefs", "No errors found")]})
    return {"addresses": [{"type": "IPAddress", "value": "127.0.0.1"}],
            "conditions": [_condition(gateway, "Accepted", True, "Accepted", "Resource accepted"), programmed],
            "listeners": listeners}


def _attaches(route: dict[str, Any], gateway: dict[str, Any], listener: str) -> bool:
    if object_key(route)[:2] != (GATEWAY_API, "HTTPRoute"):
        return False
    for ref in (route.get("spec") or {}).get("parentRefs") or []:
        if (ref.get("kind", "Gateway") == "Gateway" and ref.get("group", GATEWAY_API) == GATEWAY_API
                and ref["name"] == gateway["metadata"]["name"]
                and ref.get("namespace", object_key(route)[2]) == object_key(gateway)[2]
                and ref.get("sectionName", listener) == listener):
            return True
    return False


def _route_status(route: dict[str, Any], stored: Sequence[dict[str, Any]]) -> dict[str, Any]:
    namespace = object_key(route)[2]
    present = {object_key(o) for o in stored}
    parents = []
    for ref in (route.get("spec") or {}).get("parentRefs") or []:
        kind = ref.get("kind", "Gateway")
        group = GATEWAY_API if kind == "Gateway" else ""
        exists = (group, kind, ref.get("namespace", namespace), ref["name"]) in present
        missing = [b["name"] for rule in (route.get("spec") or {}).get("rules") or []
                   for b in rule.get("backendRefs") or []
                   if b.get("kind", "Service") == "Service"
                   and ("", "Service", b.get("namespace", namespace), b["name"]) not in present]
        accepted = (_condition(route, "Accepted", True, "Accepted", "Route was valid") if exists
                    else _condition(route, "Accepted", False, "NoMatchingParent", f"{kind} {ref['name']} not found"))
        resolved = (_condition(route, "ResolvedRefs", True, "ResolvedRefs", "All references resolved") if not missing
                    else _condition(route, "ResolvedRefs", False, "BackendNotFound",
                                    ", ".join(f"backend({name}.{namespace}.svc.cluster.local) not found"
                                              for name in missing)))
        parent_ref = {"group": group, "kind": kind,
                      **{k: v for k, v in ref.items() if k not in ("group", "kind")}}
        parents.append({"parentRef": parent_ref, "controllerName": CONTROLLER, "conditions": [accepted, resolved]})
    return {"parents": parents}
