"""Kubernetes, Istio and Gateway API objects: load from files, validate, name like kubectl.

    records = load_paths(["networking/virtual-service-all-v1.yaml"])
    validate(records)              # raises bookinfo.errors.InvalidObjects
    validate_object(obj) -> [...]  # the API server's verdict alone, for manifest tests
"""
from .kinds import KINDS, Kind, kinds_named
from .loader import load_paths
from .record import DEFAULT_NAMESPACE, ObjectRecord
from .validation import validate, validate_object

__all__ = ["DEFAULT_NAMESPACE", "KINDS", "Kind", "ObjectRecord", "kinds_named", "load_paths",
           "validate", "validate_object"]
