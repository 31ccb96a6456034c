"""Kubernetes, Istio and Gateway API objects: load from files, validate, name like kubectl.

    records = load_paths(["networking/virtual-service-all-v1.yaml"])
    validate(records)              # raises bookinfo.errors.InvalidObjects
    validate_object(obj) -> [...]  # the API server's verdict alone, for manifest tests

The names below are loaded when first used: the validators import kubernetes-validate
and a CEL interpreter, which commands that validate nothing (``status``, ``down``) and
modules that need only a typed Service never pay for.
"""
from __future__ import annotations

import importlib

_HOMES = {"DEFAULT_NAMESPACE": "record", "ObjectRecord": "record", "KINDS": "kinds", "Kind": "kinds",
          "kinds_named": "kinds", "load_paths": "loader", "validate": "validation",
          "validate_object": "validation"}
__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
