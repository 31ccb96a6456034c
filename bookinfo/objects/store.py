"""What has been applied locally: the runner's stand-in for the API server's storage.

``bookinfo apply`` and ``delete`` change it, ``get`` reads it, the mesh is built from it,
and it survives ``bookinfo down``/``up`` (``reset`` clears it). It lives in one JSON file,
``<home>/store/objects.json``, replaced atomically (temporary file, then rename) under an
exclusive ``fcntl`` lock, so two commands run at once cannot lose each other's changes.

Objects are stored as the API server stores them: schema defaults applied, and
``metadata`` completed with ``uid``, ``creationTimestamp``, ``resourceVersion``,
``generation`` and kubectl's ``last-applied-configuration`` annotation. Whether an apply
``configured`` an object or left it ``unchanged`` is decided like kubectl: by comparing
the user's content with what was last applied, never the server-side fields.
"""
from __future__ import annotations

import contextlib
import ipaddress
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bookinfo.objects import ObjectRecord, validate
from bookinfo.objects.kinds import Kind
from bookinfo.errors import StoreError
from bookinfo.system.files import atomic_write, exclusive_lock
from bookinfo.objects.kubectl_output import error, format_timestamp, out

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_FORMAT_VERSION = 1
_SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
_FIRST_SERVICE_IP = 10  # 10.96.0.1 is the kubernetes Service in a real cluster
_NODE_PORTS = range(30000, 32768)
_GENERATION_KINDS = {("apps", "Deployment")}  # built-in kinds that count spec changes

Key = tuple[str, str, str, str]
Admission = Callable[[list[ObjectRecord], list[dict[str, Any]]], None]



class Store:
    """The applied objects under ``home``; every method is safe to call from several processes."""

    def __init__(self, home: Path):
        self.directory = Path(home) / "store"
        self.path = self.directory / "objects.json"
        self._lock_path = self.directory / "objects.lock"

    # --- changes ----------------------------------------------------------------------------

    def apply(self, records: list[ObjectRecord], admit: Admission | None = None) -> list[str]:
        """Validate all of ``records`` and let ``admit`` refuse them (InvalidObjects: nothing
        changes), then store them in order.

        ``admit(records, stored_objects)`` is the runner's own admission: it raises for
        objects the API server would accept but the local stack cannot run. Returns
        kubectl's lines: ``<kind>.<group>/<name> created|configured|unchanged``.
        """
        stored_forms = validate(records)
        now = datetime.now(timezone.utc)
        lines: list[str] = []
        with self._locked_state() as state:
            if admit is not None:
                admit(records, [entry["object"] for entry in state["objects"]])
            for record, stored in zip(records, stored_forms):
                lines.append(out(f"{record.kubectl_name} {self._apply_one(state, record, stored, now)}"))
        return lines

    def delete(self, records: list[ObjectRecord], ignore_not_found: bool = False) -> list[str]:
        """Remove ``records``' objects (``delete -f``); kubectl's ``deleted`` line, or its
        NotFound error line (none with ``ignore_not_found``)."""
        lines: list[str] = []
        with self._locked_state() as state:
            for record in records:
                if record.kind_info is None or not record.name:
                    lines.append(error(f'error: resource mapping not found for name: "{record.name}" namespace: '
                                       f'"" from "{record.source}": no matches for kind "{record.kind}" in '
                                       f'version "{record.api_version}"'))
                    continue
                entry = _find(state, record.key)
                if entry is None:
                    if not ignore_not_found:
                        lines.append(error(f'Error from server (NotFound): error when deleting "{record.source}": '
                                           f'{record.resource} "{record.name}" not found'))
                    continue
                state["objects"].remove(entry)
                lines.append(out(f'{record.kubectl_name.rpartition("/")[0]} "{record.name}" deleted'))
        return lines

    def delete_named(self, kind: Kind, namespace: str, names: list[str],
                     ignore_not_found: bool = False) -> list[str]:
        """Remove objects of ``kind`` by name (``delete KIND NAME...``), with kubectl's lines."""
        lines: list[str] = []
        with self._locked_state() as state:
            for name in names:
                entry = _find(state, (kind.group, kind.kind, namespace, name))
                if entry is None:
                    if not ignore_not_found:
                        lines.append(error(f'Error from server (NotFound): {kind.resource} "{name}" not found'))
                    continue
                state["objects"].remove(entry)
                lines.append(out(f'{kind.qualified_singular} "{name}" deleted'))
        return lines

    def seed(self, records: list[ObjectRecord], again: bool = False,
             admit: Admission | None = None) -> bool:
        """Apply ``records`` if the store has not been seeded since it was made or reset.

        ``bookinfo up`` seeds the store with its base manifests, as the standard setup's
        ``kubectl apply`` would, so ``get`` lists them and ``delete`` removes them; a later
        ``up`` leaves them as the user left them. ``again`` applies them even so (files
        named on ``up``'s command line). True when the records were applied.
        """
        stored_forms = validate(records)
        now = datetime.now(timezone.utc)
        with self._locked_state() as state:
            if state.get("seeded") and not again:
                return False
            if admit is not None:
                admit(records, [entry["object"] for entry in state["objects"]])
            for record, stored in zip(records, stored_forms):
                self._apply_one(state, record, stored, now)
            state["seeded"] = True
        return True

    def reset(self) -> None:
        """Forget every applied object (a damaged store file included) and the seeding."""
        with self._exclusive():
            self._write(_empty_state())

    # --- reads -------------------------------------------------------------------------------

    def seeded(self) -> bool:
        """Whether the base manifests were applied since the store was made or reset."""
        return bool(self._read().get("seeded"))

    def objects(self) -> list[dict[str, Any]]:
        """Every stored object, in the order it was first applied."""
        return [entry["object"] for entry in self._read()["objects"]]

    # --- storage -----------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return _empty_state()
        except (ValueError, OSError) as err:
            raise StoreError(f"{self.path} cannot be read ({err}); `bookinfo reset` starts afresh") from None
        if not isinstance(state, dict) or state.get("format") != _FORMAT_VERSION:
            raise StoreError(f"{self.path} is not a store this version understands; "
                             "`bookinfo reset` starts afresh")
        return state

    def _exclusive(self) -> contextlib.AbstractContextManager[None]:
        """Hold the store's lock: one writer at a time across processes."""
        return exclusive_lock(self._lock_path)

    @contextlib.contextmanager
    def _locked_state(self) -> Iterator[dict[str, Any]]:
        """The state under the lock; written back atomically when the block succeeds."""
        with self._exclusive():
            state = self._read()
            yield state
            self._write(state)

    def _write(self, state: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps(state, indent=1, sort_keys=True))

    # --- one object --------------------------------------------------------------------------

    def _apply_one(self, state: dict[str, Any], record: ObjectRecord, stored: dict[str, Any],
                   now: datetime) -> str:
        applied = _applied_content(record)
        entry = _find(state, record.key)
        if entry is not None and entry["applied"] == applied:
            return "unchanged"
        state["resourceVersion"] += 1
        metadata = stored.setdefault("metadata", {})
        metadata["namespace"] = record.namespace
        metadata.setdefault("annotations", {})[LAST_APPLIED] = _last_applied_text(applied)
        metadata["resourceVersion"] = str(state["resourceVersion"])
        previous = entry["object"] if entry else None
        if previous is None:
            metadata["uid"] = str(uuid.uuid4())
            metadata["creationTimestamp"] = format_timestamp(now)
        else:
            metadata["uid"] = previous["metadata"]["uid"]
            metadata["creationTimestamp"] = previous["metadata"]["creationTimestamp"]
        if _counts_generations(record):
            metadata["generation"] = _generation(previous, stored)
        if (record.group, record.kind) == ("", "Service"):
            _allocate_service_addresses(stored, previous, state)
        if entry is None:
            state["objects"].append({"key": list(record.key), "applied": applied, "object": stored})
            return "created"
        entry.update(applied=applied, object=stored)
        return "configured"


def _empty_state() -> dict[str, Any]:
    return {"format": _FORMAT_VERSION, "resourceVersion": 0, "objects": []}


def _find(state: dict[str, Any], key: Key) -> dict[str, Any] | None:
    return next((e for e in state["objects"] if tuple(e["key"]) == tuple(key)), None)


def _applied_content(record: ObjectRecord) -> dict[str, Any]:
    """The user's object as kubectl records it in ``last-applied-configuration``.

    kubectl adds the namespace and an ``annotations`` map (without its own annotation);
    comparing this canonical form ignores formatting and key order.
    """
    content = json.loads(json.dumps(record.obj))
    metadata = content.setdefault("metadata", {})
    metadata["namespace"] = record.namespace
    annotations = metadata.get("annotations") or {}
    annotations.pop(LAST_APPLIED, None)
    metadata["annotations"] = annotations
    return content


def _last_applied_text(applied: dict[str, Any]) -> str:
    """Go's ``json.Marshal``: compact, sorted keys, HTML characters escaped, then a newline."""
    text = json.dumps(applied, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def _counts_generations(record: ObjectRecord) -> bool:
    known = record.kind_info
    return bool(known and known.custom) or (record.group, record.kind) in _GENERATION_KINDS


def _generation(previous: dict[str, Any] | None, stored: dict[str, Any]) -> int:
    """1 on creation; +1 whenever anything but metadata and status changed."""
    if previous is None:
        return 1
    def body(obj: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion")}
    generation = previous["metadata"].get("generation", 1)
    return generation if body(previous) == body(stored) else generation + 1


def _allocate_service_addresses(service: dict[str, Any], previous: dict[str, Any] | None,
                                state: dict[str, Any]) -> None:
    """Fill what the API server fills for a Service: type, cluster IP, port defaults, node ports.

    An address or node port once allocated is kept on later applies, as in a cluster.
    """
    spec = service.setdefault("spec", {})
    before = (previous or {}).get("spec") or {}
    spec.setdefault("type", "ClusterIP")
    if spec["type"] != "ExternalName" and "clusterIP" not in spec:
        spec["clusterIP"] = before.get("clusterIP") or _free_cluster_ip(state)
    if "clusterIP" in spec:
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
    used_node_ports = {p.get("nodePort") for e in state["objects"] if e["key"][:2] == ["", "Service"]
                       for p in (e["object"].get("spec") or {}).get("ports") or []}
    earlier = {p.get("port"): p for p in before.get("ports") or []}
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))
        if spec["type"] in ("NodePort", "LoadBalancer") and "nodePort" not in port:
            kept = (earlier.get(port.get("port")) or {}).get("nodePort")
            port["nodePort"] = kept or next(n for n in _NODE_PORTS if n not in used_node_ports)
            used_node_ports.add(port["nodePort"])


def _free_cluster_ip(state: dict[str, Any]) -> str:
    used = {(e["object"].get("spec") or {}).get("clusterIP") for e in state["objects"]
            if e["key"][:2] == ["", "Service"]}
    for offset in range(_FIRST_SERVICE_IP, _SERVICE_CIDR.num_addresses - 1):
        address = str(_SERVICE_CIDR[offset])
        if address not in used:
            return address
    raise RuntimeError("no free service cluster IP left")


__all__ = ["LAST_APPLIED", "Store", "StoreError"]
