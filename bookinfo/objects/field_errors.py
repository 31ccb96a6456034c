"""jsonschema errors rewritten as the API server words them: a field path and a short reason.

jsonschema's own messages quote the whole offending value (a VirtualService's every
route, for a misplaced field), which buries the one field at fault.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import jsonschema

_SHOWN_VALUE_LENGTH = 60


def field_path(parts: Iterable[Any]) -> str:
    """``["spec", "http", 0, "route"]`` -> ``spec.http[0].route``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def shown(value: Any) -> str:
    """A value in a message: JSON, shortened."""
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= _SHOWN_VALUE_LENGTH else text[:_SHOWN_VALUE_LENGTH - 3] + "..."


def describe(error: jsonschema.ValidationError) -> list[tuple[str, str]]:
    """(field path, reason) pairs for one jsonschema error."""
    path = list(error.absolute_path)
    where = field_path(path)
    validator, expected, instance = error.validator, error.validator_value, error.instance
    if validator == "additionalProperties" and expected is False and isinstance(instance, dict):
        known = error.schema.get("properties") or {}
        patterns = error.schema.get("patternProperties") or {}
        if not patterns:
            return [(field_path([*path, name]), "unknown field")
                    for name in instance if name not in known]
    if validator == "required":
        missing = [name for name in expected if isinstance(instance, dict) and name not in instance]
        return [(field_path([*path, name]), "Required value") for name in missing]
    if validator == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        return [(where, f"must be of type {wanted}, got {shown(instance)}")]
    if validator == "enum":
        allowed = ", ".join(shown(v) for v in expected)
        return [(where, f"Unsupported value: {shown(instance)}: supported values: {allowed}")]
    if validator == "oneOf":
        exclusive = sorted({name for branch in expected for name in branch.get("required", ())})
        if exclusive:
            return [(where, "only one of " + ", ".join(exclusive) + " may be set")]
        return [(where, "must match exactly one of the allowed shapes")]
    if validator in ("anyOf", "not"):
        return [(where, f"Invalid value: {shown(instance)}: does not match the allowed shapes")]
    if validator == "uniqueItems":
        return [(where, f"Duplicate value: {shown(instance)}")]
    if validator == "format":
        return [(where, f"Invalid value: {shown(instance)}: not a valid {expected}")]
    if validator == "pattern":
        return [(where, f"Invalid value: {shown(instance)}: must match the pattern {expected}")]
    if validator in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems",
                     "minProperties", "maxProperties"):
        return [(where, f"Invalid value: {shown(instance)}: {validator} is {expected}")]
    return [(where, error.message)]
