"""Admission of the objects that patch Envoy's configuration directly.

An EnvoyFilter (or a TrafficExtension's Lua code, or a Telemetry's CEL filter
expression or tag formatter) can make a configuration Envoy refuses, which no schema
can tell. So before one is stored, the mesh is built as it would be with
it (the stored objects with the new ones applied, a pod per Deployment on made-up ports,
certificates from a throw-away CA, access logs and a tracer on, so every filter
expression and span tag is in it) and ``envoy --mode validate`` judges it: a refused
configuration is refused by name with Envoy's own reason, and nothing is stored.
"""
from __future__ import annotations

import itertools
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from bookinfo.envoy.validate import validate_resources
from bookinfo.errors import EnvoyConfigInvalid, Problem
from bookinfo.mesh.mesh_config import MeshConfig, with_endpoints
from bookinfo.mesh.translate import build
from bookinfo.objects.kinds import ISTIO_EXTENSIONS, ISTIO_NETWORKING, ISTIO_TELEMETRY
from bookinfo.objects.record import ObjectRecord, object_key
from bookinfo.pods.build import build_pods
from bookinfo.runner.mesh_ca import MeshCA
from bookinfo.runner.mesh_inputs import mesh_inputs
from bookinfo.runner.roles import split

PATCHING_KINDS = {(ISTIO_NETWORKING, "EnvoyFilter"), (ISTIO_EXTENSIONS, "TrafficExtension"),
                  (ISTIO_TELEMETRY, "Telemetry")}
# Ports the candidate configuration is built with: never bound, only validated.
GATEWAY_PORT, ADMIN_PORT, FIRST_POD_PORT = 8080, 15000, 20000
# A tracer for the candidate configuration (never contacted), so tracing settings are judged.
CANDIDATE_MESH = MeshConfig.parse(with_endpoints(None, otlp="http://127.0.0.1:4318"))


def envoy_refusals(records: Sequence[ObjectRecord], stored: Sequence[Mapping]) -> list[Problem]:
    """Problems naming the patching objects of ``records`` when Envoy refuses the mesh
    they make with ``stored``; none when no patching object is involved."""
    candidate = {object_key(dict(obj)): dict(obj) for obj in stored}
    candidate.update((record.key, record.obj) for record in records)
    if not any(object_key(obj)[:2] in PATCHING_KINDS for obj in candidate.values()):
        return []
    desired = split(list(candidate.values()))
    with tempfile.TemporaryDirectory(prefix="bookinfo-admission-") as scratch:
        (Path(scratch) / "logs").mkdir()
        pods, _ = build_pods([(deployment, 1) for deployment in desired.deployments], desired.services,
                             desired.secrets, itertools.count(FIRST_POD_PORT), Path(scratch) / "data", {})
        try:
            validate_resources(build(mesh_inputs(pods, desired, GATEWAY_PORT, ADMIN_PORT, MeshCA(Path(scratch)),
                                                 Path(scratch) / "logs", CANDIDATE_MESH)))
        except EnvoyConfigInvalid as refused:
            blamed = [r for r in records if (r.group, r.kind) in PATCHING_KINDS] or list(records)
            return [Problem(r.source, r.label, "", f"Envoy refuses the configuration it makes: {refused}")
                    for r in blamed]
    return []
