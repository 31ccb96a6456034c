"""The two kinds our files use whose definitions the project does not carry, and how each
is checked against its official definition (carried in part under schemas/).

* cert-manager's ``Certificate`` (cert-manager.io/v1): the part of cert-manager's CRD that
  platform/kube/bookinfo-certificate.yaml needs, checked with the pieces
  ``bookinfo.objects`` checks Istio's CRDs with: the structural schema translated to JSON
  Schema (unknown fields refused, Kubernetes formats), errors worded as the API server
  words them, and the object's metadata.
* ``IstioOperator`` (install.istio.io/v1alpha1), istioctl's input rather than a cluster
  object: a JSON Schema written from the Go types istioctl decodes it into.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bookinfo.objects import structural
from bookinfo.objects.field_errors import describe
from bookinfo.objects.metadata import metadata_problems

SCHEMAS = Path(__file__).resolve().parent / "schemas"
CERTIFICATE_CRD = SCHEMAS / "cert-manager.io_certificates.yaml"
ISTIO_OPERATOR_SCHEMA = SCHEMAS / "istio-operator.schema.json"


@functools.cache
def _certificate_schema() -> dict[str, Any]:
    crd = yaml.safe_load(CERTIFICATE_CRD.read_text())
    [version] = crd["spec"]["versions"]
    return version["schema"]["openAPIV3Schema"]


def certificate_problems(obj: dict[str, Any]) -> list[str]:
    """``field: reason`` for each problem the API server with cert-manager's CRD would report."""
    if (obj.get("apiVersion"), obj.get("kind")) != ("cert-manager.io/v1", "Certificate"):
        return [f'no matches for kind "{obj.get("kind")}" in version "{obj.get("apiVersion")}"']
    schema = _certificate_schema()
    value = structural.prepare(obj, schema)
    validator = structural.validator_for(structural.to_json_schema(schema))
    found = [pair for error in validator.iter_errors(value) for pair in describe(error)]
    found += metadata_problems(value, check_fields=True)
    return [f"{field}: {reason}" if field else reason for field, reason in found]


def istio_operator_problems(obj: dict[str, Any]) -> list[str]:
    """``field: message`` for each way ``obj`` departs from the IstioOperator API."""
    schema = json.loads(ISTIO_OPERATOR_SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'.'.join(str(part) for part in error.absolute_path)}: {error.message}"
            for error in validator.iter_errors(obj)]
