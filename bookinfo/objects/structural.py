"""Kubernetes structural schemas, checked with jsonschema as the API server checks them.

A CRD's ``openAPIV3Schema`` is OpenAPI 3.0 with Kubernetes extensions; jsonschema does not
know those, so each schema is translated once into JSON Schema 2020-12:

* an object with ``properties`` (and no ``x-kubernetes-preserve-unknown-fields``) rejects
  fields it does not name, which is what the API server's strict field validation does;
* ``nullable`` and ``x-kubernetes-int-or-string`` widen the type;
* ``x-kubernetes-list-type: set`` means unique items, ``map`` unique ``list-map-keys``;
* ``oneOf``/``anyOf``/``allOf``/``not`` only constrain values and are copied as they are.

The API server prunes ``null`` from non-nullable fields and applies ``default`` values
before it validates; ``prepare`` does the same, and CEL rules see the prepared object.
"""
from __future__ import annotations

import base64
import binascii
import copy
import ipaddress
import json
from datetime import datetime
from typing import Any

import jsonschema

_VALUE_KEYWORDS = ("enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "minItems",
                   "maxItems", "minProperties", "maxProperties", "required", "format",
                   "uniqueItems", "multipleOf")
_JUNCTORS = ("oneOf", "anyOf", "allOf")
# Every object's envelope; ObjectMeta's fields are checked by metadata.py.
_ENVELOPE = {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"}}


def to_json_schema(node: dict[str, Any], top: bool = True) -> dict[str, Any]:
    """The JSON Schema equivalent of one structural schema node (see the module docstring)."""
    out: dict[str, Any] = {key: node[key] for key in _VALUE_KEYWORDS if key in node}
    types = ["integer", "string"] if node.get("x-kubernetes-int-or-string") else (
        [node["type"]] if "type" in node else [])
    if node.get("nullable") and types:
        types.append("null")
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    if types:
        out["type"] = types[0] if len(types) == 1 else types
    properties = {name: to_json_schema(sub, top=False) for name, sub in (node.get("properties") or {}).items()}
    if top:
        properties.update(_ENVELOPE)
    if properties:
        out["properties"] = properties
    additional = node.get("additionalProperties")
    if isinstance(additional, dict):
        out["additionalProperties"] = to_json_schema(additional, top=False)
    elif isinstance(additional, bool):
        out["additionalProperties"] = additional
    elif node.get("type") == "object" and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    if isinstance(node.get("items"), dict):
        out["items"] = to_json_schema(node["items"], top=False)
    list_type = node.get("x-kubernetes-list-type")
    if list_type == "set":
        out["uniqueItems"] = True
    elif list_type == "map" and node.get("x-kubernetes-list-map-keys"):
        out["listMapKeys"] = list(node["x-kubernetes-list-map-keys"])
    _add_junctors(node, out)
    return out


def _value_constraints(node: dict[str, Any]) -> dict[str, Any]:
    """A junctor branch: value constraints only (it must not reject unknown fields itself)."""
    out = {key: node[key] for key in (*_VALUE_KEYWORDS, "type") if key in node}
    if "properties" in node:
        out["properties"] = {k: _value_constraints(v) for k, v in node["properties"].items()}
    if isinstance(node.get("items"), dict):
        out["items"] = _value_constraints(node["items"])
    _add_junctors(node, out)
    return out


def _add_junctors(node: dict[str, Any], out: dict[str, Any]) -> None:
    """Copy anyOf/allOf/oneOf/not into ``out``, each branch as value constraints only."""
    for junctor in _JUNCTORS:
        if junctor in node:
            out[junctor] = [_value_constraints(sub) for sub in node[junctor]]
    if "not" in node:
        out["not"] = _value_constraints(node["not"])


def prepare(value: Any, node: dict[str, Any]) -> Any:
    """A copy of ``value`` with non-nullable nulls pruned and schema defaults applied."""
    value = copy.deepcopy(value)
    _prune_and_default(value, node)
    return value


def _prune_and_default(value: Any, node: dict[str, Any]) -> None:
    if isinstance(value, dict):
        properties = node.get("properties") or {}
        additional = node.get("additionalProperties")
        for name in [k for k, v in value.items() if v is None]:
            sub = properties.get(name) or (additional if isinstance(additional, dict) else {})
            if not sub.get("nullable"):
                del value[name]
        for name, sub in properties.items():
            if name not in value and "default" in sub:
                value[name] = copy.deepcopy(sub["default"])
        for name, item in value.items():
            sub = properties.get(name) or (additional if isinstance(additional, dict) else None)
            if sub:
                _prune_and_default(item, sub)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for item in value:
            _prune_and_default(item, node["items"])


def _list_map_keys(validator, keys, instance, schema):
    """``x-kubernetes-list-type: map``: no two items may share the same key values."""
    if not validator.is_type(instance, "array"):
        return
    seen = set()
    for item in instance:
        if not isinstance(item, dict):
            continue
        identity = json.dumps([item.get(k) for k in keys], sort_keys=True)
        if identity in seen:
            shown = ", ".join(f"{k}={json.dumps(item.get(k))}" for k in keys)
            yield jsonschema.ValidationError(f"Duplicate value: {shown}")
        seen.add(identity)


_FORMATS = jsonschema.FormatChecker(formats=())


def _checks(name: str):
    def register(func):
        _FORMATS.checks(name, raises=(ValueError, TypeError, binascii.Error))(func)
        return func
    return register


@_checks("int32")
def _int32(value: Any) -> bool:
    return not isinstance(value, int) or -(2 ** 31) <= value < 2 ** 31


@_checks("int64")
def _int64(value: Any) -> bool:
    return not isinstance(value, int) or -(2 ** 63) <= value < 2 ** 63


@_checks("byte")
def _byte(value: Any) -> bool:
    return not isinstance(value, str) or base64.b64decode(value, validate=True) is not None


@_checks("date-time")
def _date_time(value: Any) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value.replace("Z", "+00:00")) is not None


@_checks("ipv4")
def _ipv4(value: Any) -> bool:
    return not isinstance(value, str) or ipaddress.IPv4Address(value) is not None


@_checks("ipv6")
def _ipv6(value: Any) -> bool:
    return not isinstance(value, str) or ipaddress.IPv6Address(value) is not None


StructuralValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"listMapKeys": _list_map_keys})


def validator_for(json_schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    """A reusable validator for a translated schema, checking the Kubernetes formats."""
    return StructuralValidator(json_schema, format_checker=_FORMATS)
