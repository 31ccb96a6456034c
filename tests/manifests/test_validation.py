"""Every object of every manifest file is one the API server would accept, strictly.

Built-in kinds go through kubernetes-validate in strict mode; Istio and Gateway API kinds
through their official CRD schemas (shipped in bookinfo/objects/schemas), with unknown
fields rejected and the CEL rules evaluated. Both are bookinfo.objects.validate_object,
the validator the local runner applies before it accepts a file.
"""
from __future__ import annotations

import copy

import pytest

from bookinfo.objects import validate_object

from .manifests import all_objects, of_kind

OBJECTS = list(all_objects())


@pytest.mark.parametrize("manifest", OBJECTS, ids=str)
def test_object_is_valid(manifest):
    assert validate_object(manifest.obj) == []


@pytest.mark.parametrize("manifest", [of_kind("Deployment")[0], of_kind("VirtualService")[0],
                                      of_kind("HTTPRoute")[0]], ids=str)
def test_an_unknown_field_would_be_rejected(manifest):
    """The check above is strict: a misspelt field in any kind of object fails it."""
    misspelt = copy.deepcopy(manifest.obj)
    misspelt["spec"]["replica"] = 1
    assert validate_object(misspelt) != []
