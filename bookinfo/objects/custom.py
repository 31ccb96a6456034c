"""Custom resources (Istio, Gateway API) checked against their official CRD schemas."""
from __future__ import annotations

import functools
from typing import Any

from . import crd_schemas, structural
from .cel_rules import rule_violations
from .crd_schemas import CrdVersion
from .field_errors import describe
from .metadata import metadata_problems


@functools.cache
def _validator(group: str, plural: str, version: str):
    crd = crd_schemas.crd_version(group, plural, version)
    return structural.validator_for(structural.to_json_schema(crd.schema))


def crd_check(obj: dict[str, Any], crd: CrdVersion) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """(field, reason) pairs: schema errors (unknown fields included), then CEL rules; and
    the object as the API server stores it (nulls pruned, schema defaults applied), which
    is what the checks read.

    CEL rules are evaluated only on an object whose shape is right, as they assume it.
    """
    value = structural.prepare(obj, crd.schema)
    validator = _validator(crd.group, crd.plural, crd.version)
    errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
    found = [pair for error in errors for pair in describe(error)]
    found += metadata_problems(value, check_fields=True)
    if not found:
        found = rule_violations(value, crd.schema)
    return found, value
