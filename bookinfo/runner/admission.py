"""The local runner's admission: objects the API server would accept but this stack
cannot run are refused, each by name, before anything is stored.

Three questions, in the order a user would fix them: is the kind one the runner
implements at all; can the object run here, and does it use a field the local mesh does
not implement (the mesh's ``refusals`` and ``unsupported_fields`` decide, so nothing is
silently ignored); can the pods of a
Deployment be run here (a Bookinfo image, Secrets that exist, a database server
installed). Last, objects that patch Envoy's configuration (EnvoyFilter, TrafficExtension)
must leave one Envoy takes (bookinfo.runner.mesh_admission). An apply is all or nothing:
one refused object refuses the whole apply.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from bookinfo.errors import InvalidObjects, Problem
from bookinfo.mesh.support import refusals, unsupported_fields
from bookinfo.objects.kinds import KINDS
from bookinfo.objects.record import ObjectRecord, object_key
from bookinfo.pods.build import pod_problem
from bookinfo.runner.mesh_admission import envoy_refusals


def admit(records: Sequence[ObjectRecord], stored: Sequence[Mapping]) -> None:
    """Raise InvalidObjects naming every object of ``records`` the runner cannot run.

    Secrets come from the store and from ``records`` themselves (one file may carry both).
    """
    secrets = {name: obj for obj in stored for group, kind, _, name in [object_key(obj)]
               if (group, kind) == ("", "Secret")}
    secrets.update((record.name, record.obj) for record in records
                   if (record.group, record.kind) == ("", "Secret"))
    problems = [Problem(record.source, record.label, "", reason)
                for record in records for reason in _reasons(record, secrets)]
    if problems:
        raise InvalidObjects(problems)
    refused = envoy_refusals(records, stored)
    if refused:
        raise InvalidObjects(refused)


def _reasons(record: ObjectRecord, secrets: Mapping[str, Mapping]) -> list[str]:
    known = record.kind_info
    if known is None or record.version not in known.versions:
        return [f"{record.kind} ({record.api_version}) is not supported by the local runner; "
                f"it supports {_supported_kinds()}"]
    if known.custom:
        return refusals(record.obj) or [_unsupported_reason(record, name) for name in unsupported_fields(record.obj)]
    if (record.group, record.kind) == ("apps", "Deployment"):
        problem = pod_problem(record.obj, secrets)
        return [problem] if problem else []
    return []


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
