"""Every object is checked as the API server would check it, before anything is applied.

Two levels:

* ``validate_object(obj)`` is the API server's answer alone: built-in kinds through
  kubernetes-validate (strict), Istio and Gateway API kinds through their official CRD
  schemas (unknown fields rejected, CEL rules evaluated). The manifest tests use it.
* ``validate(records)`` adds what the local runner can do: the kind must be one it
  implements, and no field the local mesh does not implement may be used (the mesh's
  ``bookinfo.mesh.support.unsupported_fields`` decides), so nothing is silently ignored.
"""
from __future__ import annotations

import copy
import functools
import importlib
from typing import Any

from . import crd_schemas
from .core import core_problems
from .custom import crd_problems, prepared
from bookinfo.errors import InvalidObjects, Problem
from .kinds import KINDS, kind_for, split_api_version
from .metadata import metadata_problems
from .record import ObjectRecord

_MESH_SUPPORT = "bookinfo.mesh.support"


def validate_object(obj: dict[str, Any]) -> list[str]:
    """Problems the API server would report for ``obj`` (``field: reason``); empty when valid."""
    return [f"{field}: {reason}" if field else reason for field, reason in api_problems(obj)]


def api_problems(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, reason) pairs for ``obj`` as the API server would check it."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    envelope = [(name, "Required value") for name, value in (("apiVersion", api_version), ("kind", kind))
                if not isinstance(value, str) or not value]
    if envelope:
        return envelope
    group, version = split_api_version(api_version)
    plural = _custom_plural(group, kind)
    if plural is None:
        core = core_problems(obj)
        if core is None:
            return [("", f'no matches for kind "{kind}" in version "{api_version}"')]
        return core + metadata_problems(obj, check_fields=False)
    crd = crd_schemas.crd_version(group, plural, version)
    if crd is None:
        return [("", f'no matches for kind "{kind}" in version "{api_version}"')]
    return crd_problems(obj, crd)


def _custom_plural(group: str, kind: str) -> str | None:
    """The CRD plural when ``group``/``kind`` is a custom resource, None for built-in kinds."""
    known = kind_for(group, kind)
    if known is not None:
        return known.plural if known.custom else None
    return crd_schemas.crd_plural(group, kind) if crd_schemas.known_group(group) else None


def validate(records: list[ObjectRecord]) -> None:
    """Raise InvalidObjects listing every problem of every record; return when all are valid."""
    problems: list[Problem] = []
    for record in records:
        found = [Problem(record.source, record.label, field, reason)
                 for field, reason in api_problems(record.obj)]
        if not found:
            found = [Problem(record.source, record.label, "", reason) for reason in _local_problems(record)]
        problems.extend(found)
    if problems:
        raise InvalidObjects(problems)


def _local_problems(record: ObjectRecord) -> list[str]:
    """Reasons the local runner cannot apply an object the API server would accept."""
    known = record.kind_info
    if known is None or record.version not in known.versions:
        return [f"{record.kind} ({record.api_version}) is not supported by the local runner; "
                f"it supports {_supported_kinds()}"]
    if not known.custom:
        return []
    return [_unsupported_reason(record, name) for name in _mesh_unsupported_fields()(record.obj)]


def _unsupported_reason(record: ObjectRecord, name: str) -> str:
    """The mesh reports a field path, ``path=VALUE`` for an unsupported value, or ``kind``."""
    if name == "kind":
        return f"kind {record.kind} ({record.api_version}) is not implemented by the local mesh"
    path, has_value, value = name.partition("=")
    if has_value:
        return f"field {path} is not implemented by the local mesh for the value {value!r}"
    return f"field {path} is not implemented by the local mesh"


@functools.cache
def _supported_kinds() -> str:
    return ", ".join(f"{k.kind} ({k.group or 'core'})" for k in KINDS)


def _mesh_unsupported_fields():
    """The mesh's ``unsupported_fields(obj) -> list[str]``, or one that finds nothing when absent."""
    try:
        module = importlib.import_module(_MESH_SUPPORT)
    except ModuleNotFoundError as err:
        if err.name in (_MESH_SUPPORT, _MESH_SUPPORT.rpartition(".")[0]):
            return lambda obj: []
        raise
    return getattr(module, "unsupported_fields", lambda obj: [])


def stored_form(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the API server would store it (CRD defaults applied); a copy."""
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    group, version = split_api_version(api_version)
    plural = _custom_plural(group, kind)
    crd = crd_schemas.crd_version(group, plural, version) if plural else None
    return prepared(obj, crd) if crd is not None else copy.deepcopy(obj)
