"""``metadata`` checks the API server makes for every kind and the JSON schemas omit.

kubernetes-validate checks the shape of core objects' metadata, and a CRD schema says only
``metadata: {type: object}``; neither checks names and labels, which the API server does
for every object.
"""
from __future__ import annotations

import re
from typing import Any

_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
OBJECT_META_FIELDS = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields"})
_DNS1035_NAMED_KINDS = {("", "Service")}


def metadata_problems(obj: dict[str, Any], check_fields: bool) -> list[tuple[str, str]]:
    """(field, reason) pairs; ``check_fields`` also rejects unknown metadata fields."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return [("metadata", "Required value: an object with a name")]
    found: list[tuple[str, str]] = []
    if check_fields:
        found += [(f"metadata.{name}", "unknown field") for name in metadata if name not in OBJECT_META_FIELDS]
    name = metadata.get("name")
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    if not isinstance(name, str) or not name:
        found.append(("metadata.name", "Required value: name is required"))
    elif (group, obj.get("kind")) in _DNS1035_NAMED_KINDS:
        if len(name) > 63 or not _DNS1035_LABEL.match(name):
            found.append(("metadata.name", f'Invalid value: "{name}": a DNS-1035 label must consist of lower '
                          "case alphanumeric characters or '-', start with a letter and end with an "
                          "alphanumeric character, at most 63 characters"))
    elif len(name) > 253 or not _DNS1123_SUBDOMAIN.match(name):
        found.append(("metadata.name", f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist '
                      "of lower case alphanumeric characters, '-' or '.', and must start and end with an "
                      "alphanumeric character"))
    namespace = metadata.get("namespace")
    if namespace is not None and (not isinstance(namespace, str) or len(namespace) > 63
                                  or not _DNS1123_LABEL.match(namespace)):
        found.append(("metadata.namespace", f"Invalid value: {namespace!r}: must be a DNS-1123 label"))
    found += _string_map_problems(metadata, "labels", label=True)
    found += _string_map_problems(metadata, "annotations", label=False)
    return found


def _string_map_problems(metadata: dict[str, Any], field: str, label: bool) -> list[tuple[str, str]]:
    values = metadata.get(field)
    if values is None:
        return []
    if not isinstance(values, dict):
        return [(f"metadata.{field}", "must be a map of strings")]
    found = []
    for key, value in values.items():
        where = f"metadata.{field}.{key}"
        if not _qualified_name(key):
            found.append((where, f"Invalid value: {key!r}: not a valid qualified name ([prefix/]name)"))
        if not isinstance(value, str):
            found.append((where, f"must be of type string, got {value!r}"))
        elif label and (len(value) > 63 or not _LABEL_VALUE.match(value)):
            found.append((where, f"Invalid value: {value!r}: a label value must be at most 63 characters of "
                          "alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric"))
    return found


def _qualified_name(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(_LABEL_NAME.match(name))
