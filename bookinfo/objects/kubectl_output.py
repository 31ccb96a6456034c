"""What ``kubectl get`` prints: tables with each kind's columns, ages, YAML and JSON.

Tutorials and test scripts compare this output, so it follows kubectl's conventions:
columns padded to the widest cell plus three spaces, ``AGE`` in kubectl's short human
form (``45s``, ``3m12s``, ``5h``, ``2d3h``), list cells as compact JSON, and YAML with
sorted keys, unindented sequences and literal blocks for multi-line strings.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import yaml

from . import crd_schemas
from .jsonpath import JsonPathError, find
from .kinds import Kind

_PADDING = 3


class OutputLine(str):
    """One line of output that knows where it goes: stdout, or stderr (and whether it is an error).

    ``kubectl`` writes "No resources found ..." to stderr without failing, and NotFound
    errors to stderr with exit status 1; the CLI prints each line accordingly. A line
    without ``newline`` is printed as it is (a JSONPath template's output).
    """

    to_stderr: bool
    is_error: bool
    newline: bool

    def __new__(cls, text: str, to_stderr: bool = False, is_error: bool = False,
                newline: bool = True) -> "OutputLine":
        line = super().__new__(cls, text)
        line.to_stderr = to_stderr or is_error
        line.is_error = is_error
        line.newline = newline
        return line


def out(text: str) -> OutputLine:
    return OutputLine(text)


def raw(text: str) -> OutputLine:
    """Output printed exactly as it is, without a newline added."""
    return OutputLine(text, newline=False)


def note(text: str) -> OutputLine:
    return OutputLine(text, to_stderr=True)


def error(text: str) -> OutputLine:
    return OutputLine(text, is_error=True)


def human_age(seconds: float) -> str:
    """kubectl's ``HumanDuration``: the AGE column."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        return f"{minutes}m" if whole % 60 == 0 else f"{minutes}m{whole % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return f"{days}d" if hours % 24 == 0 else f"{days}d{hours % 24}h"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years = days // 365
    if hours < 24 * 365 * 8:
        return f"{years}y" if days % 365 == 0 else f"{years}y{days % 365}d"
    return f"{years}y"


def table(headers: list[str], rows: list[list[str]], padding: int = _PADDING) -> list[str]:
    """Rows aligned as kubectl aligns them (Go's tabwriter: each column as wide as its
    widest cell plus ``padding``, 3 for kubectl; no trailing spaces)."""
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    return ["".join(cell.ljust(widths[i] + padding) if i < len(row) - 1 else cell
                    for i, cell in enumerate(row)).rstrip()
            for row in [headers, *rows]]


def age_of(obj: dict[str, Any], now: datetime) -> str:
    created = (obj.get("metadata") or {}).get("creationTimestamp")
    if not created:
        return "<unknown>"
    return human_age((now - parse_timestamp(created)).total_seconds())


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with seconds, as the API server writes ``creationTimestamp``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- columns -------------------------------------------------------------------------------

Column = tuple[str, Callable[[dict[str, Any], datetime], str], bool]  # header, cell, wide only


def columns_for(kind: Kind) -> list[Column]:
    """The columns ``kubectl get`` shows for ``kind`` (NAME first, wide-only ones flagged)."""
    name: Column = ("NAME", lambda o, now: o["metadata"]["name"], False)
    if kind.custom:
        return [name, *_crd_columns(kind)]
    return [name, *_CORE_COLUMNS[(kind.group, kind.kind)]]


_AGE_COLUMN = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}


def _crd_columns(kind: Kind) -> list[Column]:
    """The CRD's ``additionalPrinterColumns``; AGE alone when it has none, as the API server does."""
    crd = crd_schemas.crd_version(kind.group, kind.plural, kind.versions[0])
    specs = list(crd.printer_columns) or [_AGE_COLUMN]
    return [(spec["name"].upper(), _printer_cell(spec), spec.get("priority", 0) > 0) for spec in specs]


def _printer_cell(spec: dict[str, Any]) -> Callable[[dict[str, Any], datetime], str]:
    path, is_date = spec["jsonPath"], spec.get("type") == "date"

    def cell(obj: dict[str, Any], now: datetime) -> str:
        try:
            found = find(path, obj)
        except JsonPathError:
            return "<error>"
        if not found or found[0] is None:
            return ""
        if is_date and isinstance(found[0], str):
            return human_age((now - parse_timestamp(found[0])).total_seconds())
        return cell_text(found[0])
    return cell


def cell_text(value: Any) -> str:
    """A printer-column value: strings as they are, everything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _age(obj: dict[str, Any], now: datetime) -> str:
    return age_of(obj, now)


def _spec(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("spec") or {}


def _service_ports(obj: dict[str, Any], now: datetime) -> str:
    ports = []
    for port in _spec(obj).get("ports") or []:
        node = f":{port['nodePort']}" if port.get("nodePort") else ""
        ports.append(f"{port.get('port')}{node}/{port.get('protocol', 'TCP')}")
    return ",".join(ports) or "<none>"


def _external_ip(obj: dict[str, Any], now: datetime) -> str:
    spec = _spec(obj)
    if spec.get("externalIPs"):
        return ",".join(spec["externalIPs"])
    return "<pending>" if spec.get("type") == "LoadBalancer" else "<none>"


def _selector(mapping: dict[str, Any] | None) -> str:
    return ",".join(f"{k}={v}" for k, v in (mapping or {}).items()) or "<none>"


def _ready(obj: dict[str, Any], now: datetime) -> str:
    status = obj.get("status") or {}
    return f"{status.get('readyReplicas', 0)}/{_spec(obj).get('replicas', 1)}"


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return ((_spec(obj).get("template") or {}).get("spec") or {}).get("containers") or []


def _data_count(obj: dict[str, Any], now: datetime) -> str:
    keys = {*(obj.get("data") or {}), *(obj.get("binaryData") or {}), *(obj.get("stringData") or {})}
    return str(len(keys))


# Where a local pod listens (all pods share 127.0.0.1): `get pods -o wide` shows it with the IP.
LOCAL_PORT_ANNOTATION = "bookinfo.local/port"


def _container_statuses(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return (obj.get("status") or {}).get("containerStatuses") or []


def _pod_ready(obj: dict[str, Any], now: datetime) -> str:
    ready = sum(1 for c in _container_statuses(obj) if c.get("ready") and "running" in (c.get("state") or {}))
    return f"{ready}/{len(_containers_of_pod(obj))}"


def _containers_of_pod(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return _spec(obj).get("containers") or []


def _pod_status(obj: dict[str, Any], now: datetime) -> str:
    """kubectl's STATUS: the phase, unless a container waits or ended with a reason."""
    status = obj.get("status") or {}
    reason = status.get("reason") or status.get("phase") or "Unknown"
    running = False
    for container in reversed(_container_statuses(obj)):
        state = container.get("state") or {}
        if (state.get("waiting") or {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif "terminated" in state:
            ended = state["terminated"]
            reason = ended.get("reason") or (f"Signal:{ended['signal']}" if ended.get("signal")
                                             else f"ExitCode:{ended.get('exitCode', 0)}")
        elif container.get("ready") and "running" in state:
            running = True
    if reason == "Completed" and running:
        reason = "Running"
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Terminating"
    return reason


def _pod_restarts(obj: dict[str, Any], now: datetime) -> str:
    """``3 (45s ago)``: the restarts, and how long ago the last container run ended."""
    restarts = sum(c.get("restartCount", 0) for c in _container_statuses(obj))
    ended = [c["lastState"]["terminated"]["finishedAt"] for c in _container_statuses(obj)
             if ((c.get("lastState") or {}).get("terminated") or {}).get("finishedAt")]
    if restarts and ended:
        return f"{restarts} ({human_age((now - parse_timestamp(max(ended))).total_seconds())} ago)"
    return str(restarts)


def _pod_ip(obj: dict[str, Any], now: datetime) -> str:
    address = (obj.get("status") or {}).get("podIP")
    port = ((obj.get("metadata") or {}).get("annotations") or {}).get(LOCAL_PORT_ANNOTATION)
    return f"{address}:{port}" if address and port else address or "<none>"


_CORE_COLUMNS: dict[tuple[str, str], list[Column]] = {
    ("", "Pod"): [
        ("READY", _pod_ready, False),
        ("STATUS", _pod_status, False),
        ("RESTARTS", _pod_restarts, False),
        ("AGE", _age, False),
        ("IP", _pod_ip, True),
        ("NODE", lambda o, now: _spec(o).get("nodeName") or "<none>", True),
        ("NOMINATED NODE", lambda o, now: "<none>", True),
        ("READINESS GATES", lambda o, now: "<none>", True),
    ],
    ("apps", "ReplicaSet"): [
        ("DESIRED", lambda o, now: str(_spec(o).get("replicas", 1)), False),
        ("CURRENT", lambda o, now: str((o.get("status") or {}).get("replicas", 0)), False),
        ("READY", lambda o, now: str((o.get("status") or {}).get("readyReplicas", 0)), False),
        ("AGE", _age, False),
        ("CONTAINERS", lambda o, now: ",".join(c.get("name", "") for c in _containers(o)), True),
        ("IMAGES", lambda o, now: ",".join(c.get("image", "") for c in _containers(o)), True),
        ("SELECTOR", lambda o, now: _selector((_spec(o).get("selector") or {}).get("matchLabels")), True),
    ],
    ("", "Service"): [
        ("TYPE", lambda o, now: _spec(o).get("type", "ClusterIP"), False),
        ("CLUSTER-IP", lambda o, now: _spec(o).get("clusterIP", "<none>"), False),
        ("EXTERNAL-IP", _external_ip, False),
        ("PORT(S)", _service_ports, False),
        ("AGE", _age, False),
        ("SELECTOR", lambda o, now: _selector(_spec(o).get("selector")), True),
    ],
    ("", "ServiceAccount"): [
        ("SECRETS", lambda o, now: str(len(o.get("secrets") or [])), False),
        ("AGE", _age, False),
    ],
    ("", "Secret"): [
        ("TYPE", lambda o, now: o.get("type", "Opaque"), False),
        ("DATA", _data_count, False),
        ("AGE", _age, False),
    ],
    ("", "ConfigMap"): [
        ("DATA", _data_count, False),
        ("AGE", _age, False),
    ],
    ("apps", "Deployment"): [
        ("READY", _ready, False),
        ("UP-TO-DATE", lambda o, now: str((o.get("status") or {}).get("updatedReplicas", 0)), False),
        ("AVAILABLE", lambda o, now: str((o.get("status") or {}).get("availableReplicas", 0)), False),
        ("AGE", _age, False),
        ("CONTAINERS", lambda o, now: ",".join(c.get("name", "") for c in _containers(o)), True),
        ("IMAGES", lambda o, now: ",".join(c.get("image", "") for c in _containers(o)), True),
        ("SELECTOR", lambda o, now: _selector((_spec(o).get("selector") or {}).get("matchLabels")), True),
    ],
}


def table_headers(kind: Kind, wide: bool = False) -> list[str]:
    """The ``kubectl get`` headers for ``kind`` (the wide-only ones with ``wide``)."""
    return [header for header, _, wide_only in columns_for(kind) if wide or not wide_only]


def table_cells(kind: Kind, obj: dict[str, Any], now: datetime, wide: bool = False) -> list[str]:
    """One object's row under :func:`table_headers`."""
    return [cell(obj, now) for _, cell, wide_only in columns_for(kind) if wide or not wide_only]


# --- YAML / JSON -----------------------------------------------------------------------------

_STR_TAG = "tag:yaml.org,2002:str"


class _KubectlDumper(yaml.SafeDumper):
    """Go-yaml's look: multi-line strings as literal blocks, and double quotes for a string
    that would read back as another type (``""``, ``"1"``, ``"true"``, timestamps)."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar(_STR_TAG, value, style="|")
    if value == "" or dumper.resolve(yaml.ScalarNode, value, (True, False)) != _STR_TAG:
        return dumper.represent_scalar(_STR_TAG, value, style='"')
    return dumper.represent_scalar(_STR_TAG, value)


_KubectlDumper.add_representer(str, _represent_str)


def to_yaml(value: Any) -> str:
    return yaml.dump(value, Dumper=_KubectlDumper, sort_keys=True, default_flow_style=False,
                     allow_unicode=True, width=1 << 30)


def to_json(value: Any) -> str:
    return json.dumps(value, indent=4, ensure_ascii=False)


def as_list(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """Several objects as kubectl prints them: a ``v1`` ``List``."""
    return {"apiVersion": "v1", "items": objects, "kind": "List", "metadata": {"resourceVersion": ""}}
