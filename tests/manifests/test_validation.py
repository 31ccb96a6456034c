"""Every object of every manifest file is one the API server would accept, strictly.

Built-in kinds go through kubernetes-validate in strict mode; Istio and Gateway API kinds
through their official CRD schemas (shipped in bookinfo/objects/schemas), with unknown
fields rejected and the CEL rules evaluated. Both are bookinfo.objects.validate_object,
the validator the local runner applies before it accepts a file. cert-manager's
Certificate, whose CRD the project does not carry, is checked against the carried part of
it (foreign_schemas).
"""
from __future__ import annotations

import copy

import pytest

from bookinfo.objects import validate_object
from bookinfo.objects.kinds import split_api_version

from .foreign_schemas import certificate_problems
from .manifests import all_objects, of_kind

OBJECTS = list(all_objects())
# Kinds outside the CRD files bookinfo.objects reads, with the check each gets instead.
FOREIGN_CHECKS = {("cert-manager.io", "Certificate"): certificate_problems}


def _problems(obj) -> list[str]:
    check = FOREIGN_CHECKS.get((split_api_version(obj["apiVersion"])[0], obj["kind"]))
    return check(obj) if check else validate_object(obj)


@pytest.mark.parametrize("manifest", OBJECTS, ids=str)
def test_object_is_valid(manifest):
    assert _problems(manifest.obj) == []


@pytest.mark.parametrize("manifest", [of_kind("Deployment")[0], of_kind("VirtualService")[0],
                                      of_kind("HTTPRoute")[0], of_kind("EnvoyFilter")[0],
                                      of_kind("Certificate")[0]], ids=str)
def test_an_unknown_field_would_be_rejected(manifest):
    """The check above is strict: a misspelt field in any kind of object fails it."""
    misspelt = copy.deepcopy(manifest.obj)
    misspelt["spec"]["replica"] = 1
    assert _problems(misspelt) == ["spec.replica: unknown field"]
