"""``x-kubernetes-validations``: the CEL rules of a CRD, evaluated as the API server does.

Each rule runs with ``self`` bound to the value of the schema node that carries it, when
that value is present. Transition rules (those reading ``oldSelf``) only apply to an
update of a stored object in a real cluster; every apply here validates the object on its
own, as on creation, so they are skipped. cel-python lacks some functions of the Kubernetes
CEL libraries that these CRDs call (``substring``, ``split``, ``url``, ``isURL``,
``getScheme``); they are defined here.
"""
from __future__ import annotations

import functools
import urllib.parse
from typing import Any

import celpy
from celpy import celtypes

from .field_errors import field_path, shown

_TRANSITION_VARIABLE = "oldSelf"


def _substring(text: celtypes.StringType, start: celtypes.IntType,
               end: celtypes.IntType | None = None) -> celtypes.StringType:
    """Kubernetes ``string.substring(start[, end])``, code points, with range checks."""
    stop = len(text) if end is None else int(end)
    if not 0 <= int(start) <= stop <= len(text):
        raise ValueError(f"substring index out of range: {int(start)}..{stop} of {len(text)}")
    return celtypes.StringType(str(text)[int(start):stop])


def _split(text: celtypes.StringType, separator: celtypes.StringType,
           limit: celtypes.IntType | None = None) -> celtypes.ListType:
    """Kubernetes ``string.split(separator[, limit])``."""
    parts = str(text).split(str(separator)) if limit is None or int(limit) < 0 else (
        str(text).split(str(separator), int(limit) - 1) if int(limit) > 0 else [])
    return celtypes.ListType([celtypes.StringType(p) for p in parts])


class _URL(celtypes.StringType):
    """A value of the Kubernetes ``URL`` type (what ``url(string)`` returns)."""


def _parse_url(text: str) -> urllib.parse.SplitResult | None:
    """Go's ``url.ParseRequestURI`` acceptance: an absolute URL, or an absolute path."""
    try:
        parts = urllib.parse.urlsplit(str(text))
    except ValueError:
        return None
    if parts.scheme and (parts.netloc or parts.path):
        return parts
    return parts if not parts.scheme and str(text).startswith("/") else None


def _url(text: celtypes.StringType) -> _URL:
    """Kubernetes ``url(string)``; an error (so the rule fails) for an invalid URL."""
    if _parse_url(text) is None:
        raise ValueError(f"invalid URL: {str(text)!r}")
    return _URL(text)


def _is_url(text: celtypes.StringType) -> celtypes.BoolType:
    """Kubernetes ``isURL(string)``."""
    return celtypes.BoolType(_parse_url(text) is not None)


def _get_scheme(url: _URL) -> celtypes.StringType:
    """Kubernetes ``URL.getScheme()``."""
    return celtypes.StringType(urllib.parse.urlsplit(str(url)).scheme)


# The functions of the Kubernetes CEL libraries that the Istio and Gateway API CRDs call
# and cel-python lacks.
KUBERNETES_FUNCTIONS = {"substring": _substring, "split": _split, "url": _url, "isURL": _is_url,
                        "getScheme": _get_scheme}


@functools.cache
def _environment() -> celpy.Environment:
    """Built on first use: making the CEL parser takes half a second, and most commands need none."""
    return celpy.Environment()


@functools.cache
def _program(rule: str) -> celpy.Runner:
    return _environment().program(_environment().compile(rule), functions=KUBERNETES_FUNCTIONS)


def rule_violations(value: Any, node: dict[str, Any], path: list[Any] | None = None) -> list[tuple[str, str]]:
    """(field path, message) for each rule in ``node``'s subtree that ``value`` breaks.

    ``value`` must already be pruned and defaulted (``structural.prepare``) and have passed
    the structural checks, as rules assume the shapes their schema guarantees.
    """
    path = path or []
    found: list[tuple[str, str]] = []
    if value is None:
        return found
    for validation in node.get("x-kubernetes-validations") or ():
        failure = _evaluate(validation, value)
        if failure:
            where = field_path(path) + validation.get("fieldPath", "")
            found.append((where.lstrip("."), failure))
    if isinstance(value, dict):
        properties = node.get("properties") or {}
        additional = node.get("additionalProperties")
        for name, item in value.items():
            sub = properties.get(name) or (additional if isinstance(additional, dict) else None)
            if sub:
                found.extend(rule_violations(item, sub, [*path, name]))
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for index, item in enumerate(value):
            found.extend(rule_violations(item, node["items"], [*path, index]))
    return found


def _evaluate(validation: dict[str, Any], value: Any) -> str | None:
    """None when the rule holds; otherwise the rule's message (or the rule itself)."""
    rule = validation["rule"]
    if _TRANSITION_VARIABLE in rule:
        return None
    activation = {"self": celpy.json_to_cel(value)}
    try:
        result = _program(rule).evaluate(activation)
    except (celpy.CELEvalError, ValueError, TypeError, KeyError):
        result = None
    if result is None or isinstance(result, celpy.CELEvalError):
        return f"Invalid value: {shown(value)}: the rule {rule!r} cannot be evaluated on this value"
    if bool(result):
        return None
    return _message(validation, activation) or f"failed rule: {rule}"


def _message(validation: dict[str, Any], activation: dict[str, Any]) -> str | None:
    expression = validation.get("messageExpression")
    if expression:
        try:
            text = _program(expression).evaluate(activation)
            if isinstance(text, str) and text:
                return str(text)
        except (celpy.CELEvalError, ValueError, TypeError, KeyError):
            pass
    return validation.get("message")
