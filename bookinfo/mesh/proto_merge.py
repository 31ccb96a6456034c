"""Envoy configuration as JSON, merged and normalised the way Istio's EnvoyFilter does it.

MERGE is protobuf's merge: a field set in the patch replaces a scalar, merges into a
message, extends a list, and replaces the entries of a map that it names. An ``Any``
(an object with ``@type``) is replaced whole, except where Istio merges the message it
holds (a filter's ``typed_config``, a transport socket of the same name): ``merge_any``.
Field names may come in either of protobuf JSON's spellings (``typed_config`` or
``typedConfig``); a patch's name is matched to the generated one. The pages'
``udpa.type.v1.TypedStruct`` form of a typed config is turned into the ``@type`` form.
"""
from __future__ import annotations

import copy
import re

TYPED_STRUCTS = ("type.googleapis.com/udpa.type.v1.TypedStruct", "type.googleapis.com/xds.type.v3.TypedStruct")
# Fields of Envoy's API that are maps: merging replaces the entries the patch names.
MAP_FIELDS = frozenset({"typed_per_filter_config", "filter_metadata", "typed_filter_metadata",
                        "typed_extension_protocol_options", "providers", "policies"})


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def typed(value):
    """``value`` with every TypedStruct turned into the Any it stands for."""
    if isinstance(value, list):
        return [typed(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("@type") in TYPED_STRUCTS:
        return {"@type": value.get("type_url") or value.get("typeUrl"), **typed(value.get("value") or {})}
    return {k: typed(v) for k, v in value.items()}


def merge(target: dict, patch: dict) -> dict:
    """Merge ``patch`` into ``target`` (in place) as protobuf does; returns ``target``."""
    for raw_key, value in patch.items():
        key = _key_in(target, raw_key)
        current = target.get(key)
        if snake(key) in MAP_FIELDS and isinstance(current, dict) and isinstance(value, dict):
            current.update(copy.deepcopy(value))
        elif isinstance(current, dict) and isinstance(value, dict) and "@type" not in value:
            merge(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            current.extend(copy.deepcopy(value))
        else:
            target[key] = copy.deepcopy(value)
    return target


def merge_any(target: dict, patch: dict) -> dict:
    """Merge the message in Any ``patch`` into Any ``target``, keeping the target's type
    (Istio's MergeAnyWithAny)."""
    kept = target.get("@type")
    merge(target, {k: v for k, v in patch.items() if k != "@type"})
    if kept is not None:
        target["@type"] = kept
    return target


def _key_in(target: dict, key: str) -> str:
    """The spelling of ``key`` that ``target`` already uses, if any."""
    if key in target:
        return key
    wanted = snake(key)
    return next((k for k in target if snake(k) == wanted), key)
