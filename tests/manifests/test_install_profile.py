"""demo-profile-no-gateways.yaml: the IstioOperator the Gateway API tasks install Istio with
(`istioctl install -f samples/bookinfo/demo-profile-no-gateways.yaml -y`).

It is istioctl's input, not a cluster object, so it is checked against the IstioOperator API
itself (foreign_schemas), strictly: a misspelt field would be refused.
"""
from __future__ import annotations

import copy

import yaml

from .foreign_schemas import istio_operator_problems
from .manifests import ISTIO_OPERATOR_PROFILE


def _profile() -> dict:
    with ISTIO_OPERATOR_PROFILE.open() as handle:
        [profile] = [document for document in yaml.safe_load_all(handle) if document is not None]
    return profile


def test_the_profile_is_a_valid_istio_operator():
    assert istio_operator_problems(_profile()) == []


def test_a_misspelt_field_would_be_refused():
    misspelt = copy.deepcopy(_profile())
    misspelt["spec"]["components"]["ingressGateways"][0]["enable"] = False
    misspelt["spec"]["profil"] = "demo"
    assert len(istio_operator_problems(misspelt)) == 2


def test_it_is_the_demo_profile_with_both_of_its_gateways_disabled():
    """The entries name the demo profile's own gateways, so they switch those off rather than
    add new ones; nothing else of the profile is changed."""
    spec = _profile()["spec"]
    assert spec == {"profile": "demo", "components": {
        "ingressGateways": [{"name": "istio-ingressgateway", "enabled": False}],
        "egressGateways": [{"name": "istio-egressgateway", "enabled": False}]}}
