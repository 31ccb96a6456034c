"""Every object of every manifest file is one the API server would accept, strictly.

Built-in kinds go through kubernetes-validate in strict mode; Istio and Gateway API kinds
through their official CRD schemas from ../shared/schemas, with unknown fields rejected
and the CEL rules evaluated. Both are bookinfo.objects.validate_object, the validator the
local runner applies before it accepts a file.
"""
from __future__ import annotations

import copy

import pytest

from bookinfo.objects import validate_object
from bookinfo.objects.crd_schemas import DEFAULT_SCHEMAS_DIR, SCHEMAS_ENV, schemas_dir
from bookinfo.objects.kinds import kind_for, split_api_version

from .manifests import all_objects, of_kind

OBJECTS = list(all_objects())


def _is_custom(obj) -> bool:
    known = kind_for(split_api_version(obj["apiVersion"])[0], obj["kind"])
    return known is None or known.custom


def _needs_schemas(obj) -> None:
    if _is_custom(obj) and schemas_dir() is None:
        pytest.skip(f"the official CRD schemas are absent ({DEFAULT_SCHEMAS_DIR}, or set {SCHEMAS_ENV}); "
                    f"Istio and Gateway API objects cannot be checked against them")


@pytest.mark.parametrize("manifest", OBJECTS, ids=str)
def test_object_is_valid(manifest):
    _needs_schemas(manifest.obj)
    assert validate_object(manifest.obj) == []


@pytest.mark.parametrize("manifest", [of_kind("Deployment")[0], of_kind("VirtualService")[0],
                                      of_kind("HTTPRoute")[0]], ids=str)
def test_an_unknown_field_would_be_rejected(manifest):
    """The check above is strict: a misspelt field in any kind of object fails it."""
    _needs_schemas(manifest.obj)
    misspelt = copy.deepcopy(manifest.obj)
    misspelt["spec"]["replica"] = 1
    assert validate_object(misspelt) == ["spec.replica: unknown field"]
