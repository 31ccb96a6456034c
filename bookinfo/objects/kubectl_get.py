"""``kubectl get`` over a list of objects: which kinds and names an argument means, the
namespace and label filters, and every output kubectl offers that the tutorials use
(tables, ``-o wide``, ``--show-labels``, ``-A``, ``yaml``, ``json``, ``name``,
``jsonpath=``, ``custom-columns=``).

The objects come from the caller: the store's (with their status, and the pods and
ReplicaSets, when the runner adds what its stack reports).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import jsonpath, selectors
from .kinds import ALL, Kind, kinds_named, listed_kind
from .kubectl_output import (OutputLine, as_list, error, note, out, raw, table, table_cells,
                             table_headers, to_json, to_yaml)
from .record import DEFAULT_NAMESPACE, object_key

OUTPUT_FORMATS = ("custom-columns", "json", "jsonpath", "name", "wide", "yaml")


class GetError(Exception):
    """A request kubectl refuses before printing anything; ``str()`` is kubectl's line."""


@dataclass(frozen=True)
class GetRequest:
    """``kubectl get RESOURCES [NAME...] [-n NS | -A] [-l SELECTOR] [-o FORMAT] [--show-labels]``."""

    resources: tuple[str, ...]              # "pods", "pods,svc", "all", or TYPE/NAME arguments
    namespace: str = DEFAULT_NAMESPACE
    all_namespaces: bool = False
    selector: str | None = None
    output: str | None = None
    show_labels: bool = False


@dataclass(frozen=True)
class Wanted:
    """The kinds a request names, and the names asked for (per kind; empty: all of them)."""

    kinds: list[Kind]
    names: dict[tuple[str, str], list[str]]
    several_kinds: bool


def get_lines(objects: Sequence[dict[str, Any]], request: GetRequest, now: datetime) -> list[OutputLine]:
    """What kubectl prints for ``request`` over ``objects``."""
    try:
        wanted = resolve(request.resources, objects)
        _check_output(request.output)
        selector = selectors.parse(request.selector)
    except (GetError, selectors.SelectorError) as refused:
        return [error(f"error: {refused}")]
    found: list[tuple[Kind, list[dict]]] = []
    lines: list[OutputLine] = []
    for kind in wanted.kinds:
        chosen = sorted(select(objects, kind, request, selector), key=_order)
        names = wanted.names.get((kind.group, kind.kind))
        if names:
            by_name = {o["metadata"]["name"]: o for o in chosen}
            lines += [error(f'Error from server (NotFound): {kind.resource} "{name}" not found')
                      for name in names if name not in by_name]
            chosen = [by_name[name] for name in names if name in by_name]
        if chosen:
            found.append((kind, chosen))
    if not found:
        if not lines:
            where = "" if request.all_namespaces else f" in {request.namespace} namespace"
            lines.append(note(f"No resources found{where}."))
        return lines
    single = len(found) == 1 and len(found[0][1]) == 1 and bool(wanted.names) and not wanted.several_kinds
    try:
        return _render(found, request, single, wanted.several_kinds, now) + lines
    except jsonpath.JsonPathError as exc:
        return [error(f"error: {exc}")]


def resolve(resources: Sequence[str], objects: Sequence[dict[str, Any]]) -> Wanted:
    """The kinds and names ``kubectl get`` arguments mean (GetError if kubectl refuses them)."""
    if not resources:
        raise GetError("Required resource not specified.")
    kinds: list[Kind] = []
    names: dict[tuple[str, str], list[str]] = {}
    if any("/" in r for r in resources):
        if not all("/" in r for r in resources):
            raise GetError("there is no need to specify a resource type as a separate argument when passing "
                           "arguments in resource/name form")
        for resource in resources:
            type_name, _, name = resource.partition("/")
            kind = _kind(type_name, objects)
            if kind not in kinds:
                kinds.append(kind)
            names.setdefault((kind.group, kind.kind), []).append(name)
        return Wanted(kinds, names, several_kinds=len(kinds) > 1 or len(resources) > 1)
    for type_name in resources[0].split(","):
        expanded = [listed_kind(*key) for key in ALL] if type_name.lower() == "all" else [_kind(type_name, objects)]
        kinds.extend(k for k in expanded if k not in kinds)
    several = len(kinds) > 1 or "," in resources[0] or resources[0].lower() == "all"
    if len(resources) > 1:
        if several:
            raise GetError("you must specify only one resource")
        names[(kinds[0].group, kinds[0].kind)] = list(resources[1:])
    return Wanted(kinds, names, several)


def _kind(name: str, objects: Sequence[dict[str, Any]]) -> Kind:
    """``gateway`` is Istio's unless only Gateway API ones exist."""
    candidates = kinds_named(name)
    if not candidates:
        raise GetError(f'the server doesn\'t have a resource type "{name}"')
    present = {object_key(o)[:2] for o in objects}
    return next((k for k in candidates if (k.group, k.kind) in present), candidates[0])


def _check_output(output: str | None) -> None:
    if output is None:
        return
    name, _, argument = output.partition("=")
    if name not in OUTPUT_FORMATS or (name in ("jsonpath", "custom-columns")) != bool(argument):
        raise GetError(f'unable to match a printer suitable for the output format "{output}", '
                       f"allowed formats are: {','.join(OUTPUT_FORMATS)}")


def select(objects: Sequence[dict[str, Any]], kind: Kind, request: GetRequest,
           selector: selectors.Selector) -> list[dict[str, Any]]:
    """The objects of ``kind`` in the request's namespace (or all) that the selector matches."""
    return [o for o in objects
            if object_key(o)[:2] == (kind.group, kind.kind)
            and (request.all_namespaces or object_key(o)[2] == request.namespace)
            and selector.matches((o.get("metadata") or {}).get("labels"))]


def _order(obj: dict[str, Any]) -> tuple[str, str]:
    return object_key(obj)[2], obj["metadata"]["name"]


def _render(found: list[tuple[Kind, list[dict]]], request: GetRequest, single: bool, several_kinds: bool,
            now: datetime) -> list[OutputLine]:
    output = request.output or ""
    everything = [_served(kind, o) for kind, objs in found for o in objs]
    if output in ("yaml", "json"):
        value = everything[0] if single else as_list(everything)
        text = to_yaml(value) if output == "yaml" else to_json(value)
        return [out(line) for line in text.rstrip("\n").split("\n")]
    if output.startswith("jsonpath="):
        return [raw(jsonpath.render(output.partition("=")[2], everything[0] if single else as_list(everything)))]
    if output.startswith("custom-columns="):
        return [out(line) for line in custom_columns(output.partition("=")[2], everything)]
    if output == "name":
        return [out(f"{kind.qualified_singular}/{o['metadata']['name']}") for kind, objs in found for o in objs]
    lines: list[OutputLine] = []
    for kind, objs in found:
        if lines:
            lines.append(out(""))
        headers, rows = table_rows(kind, objs, request, now, prefixed=several_kinds)
        lines += [out(line) for line in table(headers, rows)]
    return lines


def table_rows(kind: Kind, objects: list[dict[str, Any]], request: GetRequest, now: datetime,
               prefixed: bool = False) -> tuple[list[str], list[list[str]]]:
    """The table's headers and rows, with ``-A``'s NAMESPACE and ``--show-labels``' LABELS."""
    wide = request.output == "wide"
    headers = table_headers(kind, wide)
    rows = []
    for obj in objects:
        row = table_cells(kind, obj, now, wide)
        if prefixed:
            row[0] = f"{kind.qualified_singular}/{row[0]}"
        if request.all_namespaces:
            row.insert(0, object_key(obj)[2])
        if request.show_labels:
            labels = (obj.get("metadata") or {}).get("labels") or {}
            row.append(",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "<none>")
        rows.append(row)
    if request.all_namespaces:
        headers = ["NAMESPACE", *headers]
    if request.show_labels:
        headers = [*headers, "LABELS"]
    return headers, rows


def custom_columns(spec: str, objects: list[dict[str, Any]]) -> list[str]:
    """``-o custom-columns=HEADER:PATH,...``: each cell the values at PATH, comma-joined."""
    columns = []
    for column in spec.split(","):
        header, _, path = column.partition(":")
        if not path:
            raise jsonpath.JsonPathError(f"expected <header>:<json-path-expr> in {column!r}")
        columns.append((header, path))
    rows = [[",".join(jsonpath.text_of(v) for v in jsonpath.find(path, obj)) or "<none>"
             for _, path in columns] for obj in objects]
    return table([header for header, _ in columns], rows)


def _served(kind: Kind, obj: dict[str, Any]) -> dict[str, Any]:
    """As the API server serves an object: in the kind's preferred version."""
    preferred = f"{kind.group}/{kind.versions[0]}" if kind.group else kind.versions[0]
    return {**obj, "apiVersion": preferred}
