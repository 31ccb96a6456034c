"""Every object is checked as the API server would check it, before anything is applied.

Built-in kinds go through kubernetes-validate (strict), Istio and Gateway API kinds
through their official CRD schemas (unknown fields rejected, CEL rules evaluated):
``validate_object(obj)`` for one object (the manifest tests use it), ``validate(records)``
for a whole apply. What the local runner itself can run is a separate question, answered
by its admission (``bookinfo.runner.admission``) after this one.
"""
from __future__ import annotations

import copy
from typing import Any

from . import crd_schemas
from .core import core_problems
from .custom import crd_check
from bookinfo.errors import InvalidObjects, Problem
from .kinds import kind_for, split_api_version
from .metadata import metadata_problems
from .record import ObjectRecord

def validate_object(obj: dict[str, Any]) -> list[str]:
    """Problems the API server would report for ``obj`` (``field: reason``); empty when valid."""
    return [f"{field}: {reason}" if field else reason for field, reason in _check(obj)[0]]


def validate(records: list[ObjectRecord]) -> list[dict[str, Any]]:
    """Raise InvalidObjects listing every problem of every record; when all are valid,
    return each record's object as the API server would store it (CRD defaults applied,
    a copy), in order: the checks compute it anyway."""
    problems, stored = [], []
    for record in records:
        found, value = _check(record.obj)
        problems += [Problem(record.source, record.label, field, reason) for field, reason in found]
        stored.append(value)
    if problems:
        raise InvalidObjects(problems)
    return stored


def _check(obj: dict[str, Any]) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """(field, reason) pairs for ``obj`` as the API server would check it, and its stored form."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    envelope = [(name, "Required value") for name, value in (("apiVersion", api_version), ("kind", kind))
                if not isinstance(value, str) or not value]
    if envelope:
        return envelope, obj
    group, version = split_api_version(api_version)
    plural = _custom_plural(group, kind)
    if plural is None:
        core = core_problems(obj)
        if core is None:
            return [("", f'no matches for kind "{kind}" in version "{api_version}"')], obj
        return core + metadata_problems(obj, check_fields=False), copy.deepcopy(obj)
    crd = crd_schemas.crd_version(group, plural, version)
    if crd is None:
        return [("", f'no matches for kind "{kind}" in version "{api_version}"')], obj
    return crd_check(obj, crd)


def _custom_plural(group: str, kind: str) -> str | None:
    """The CRD plural when ``group``/``kind`` is a custom resource, None for built-in kinds."""
    known = kind_for(group, kind)
    if known is not None:
        return known.plural if known.custom else None
    return crd_schemas.crd_plural(group, kind) if crd_schemas.known_group(group) else None
