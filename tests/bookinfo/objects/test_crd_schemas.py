"""The CRD schemas shipped in the package: every upstream kind, from a recorded release.

Every Istio and Gateway API kind is there, so each is either implemented by the local
runner or refused by it in so many words, never met with "no matches for kind".
"""
from __future__ import annotations

from importlib import resources

import pytest

from bookinfo.objects import ObjectRecord, crd_schemas, validate
from bookinfo.errors import InvalidObjects
from bookinfo.objects.kinds import KINDS, kind_for
from bookinfo.runner.admission import admit

ISTIO_KINDS = {
    "authorizationpolicies.security.istio.io": "AuthorizationPolicy",
    "destinationrules.networking.istio.io": "DestinationRule",
    "envoyfilters.networking.istio.io": "EnvoyFilter",
    "gateways.networking.istio.io": "Gateway",
    "peerauthentications.security.istio.io": "PeerAuthentication",
    "proxyconfigs.networking.istio.io": "ProxyConfig",
    "requestauthentications.security.istio.io": "RequestAuthentication",
    "serviceentries.networking.istio.io": "ServiceEntry",
    "sidecars.networking.istio.io": "Sidecar",
    "telemetries.telemetry.istio.io": "Telemetry",
    "trafficextensions.extensions.istio.io": "TrafficExtension",
    "virtualservices.networking.istio.io": "VirtualService",
    "wasmplugins.extensions.istio.io": "WasmPlugin",
    "workloadentries.networking.istio.io": "WorkloadEntry",
    "workloadgroups.networking.istio.io": "WorkloadGroup",
}
GATEWAY_API_KINDS = {
    "gatewayclasses.gateway.networking.k8s.io": "GatewayClass",
    "gateways.gateway.networking.k8s.io": "Gateway",
    "grpcroutes.gateway.networking.k8s.io": "GRPCRoute",
    "httproutes.gateway.networking.k8s.io": "HTTPRoute",
    "referencegrants.gateway.networking.k8s.io": "ReferenceGrant",
}
# The least spec each refused kind's schema accepts, so that the refusal is what is left.
VALID_SPECS = {
    "TrafficExtension": {"lua": {"inlineCode": "function envoy_on_request(h) end"}},
    "WasmPlugin": {"url": "oci://registry.example/filter:1"},
    "WorkloadEntry": {"address": "10.0.0.1"},
    "WorkloadGroup": {"template": {}},
    "GatewayClass": {"controllerName": "example.com/controller"},
    "ReferenceGrant": {"from": [{"group": "", "kind": "Service", "namespace": "other"}],
                       "to": [{"group": "", "kind": "Service"}]},
}


def shipped(name: str) -> dict:
    return crd_schemas.catalogs()[name]


def test_each_file_records_the_upstream_release_it_was_generated_from():
    assert shipped("istio.json")["source"] == {"project": "Istio", "file": "istio-crds.yaml", "version": "1.30"}
    assert shipped("gateway-api.json")["source"] == {"project": "Gateway API", "file": "gateway-api-crds.yaml",
                                                     "version": "v1.6.1", "channel": "standard"}


def test_every_istio_and_gateway_api_kind_is_shipped():
    assert {name: crd["kind"] for name, crd in shipped("istio.json")["crds"].items()} == ISTIO_KINDS
    assert {name: crd["kind"] for name, crd in shipped("gateway-api.json")["crds"].items()} == GATEWAY_API_KINDS


@pytest.mark.parametrize("kind", [k for k in KINDS if k.custom], ids=lambda k: k.resource)
def test_every_custom_kind_of_the_runner_has_its_crd_with_every_version_and_short_name(kind):
    for version in kind.versions:
        crd = crd_schemas.crd_version(kind.group, kind.plural, version)
        assert crd is not None and crd.kind == kind.kind
        assert crd.schema["properties"]["spec"]["type"] == "object"
    crd_entry = {**shipped("istio.json")["crds"], **shipped("gateway-api.json")["crds"]}[kind.resource]
    assert tuple(crd_entry["shortNames"]) == kind.short_names


def test_no_description_is_left_but_a_field_named_description_is_kept():
    texts = [resources.files("bookinfo.objects").joinpath("schemas", name).read_text()
             for name in crd_schemas.SCHEMA_FILES]
    assert all('"description":"' not in text for text in texts)
    gateway_class = crd_schemas.crd_version("gateway.networking.k8s.io", "gatewayclasses", "v1")
    assert gateway_class.schema["properties"]["spec"]["properties"]["description"]["maxLength"] == 64


def test_printer_columns_are_kept_without_descriptions():
    crd = crd_schemas.crd_version("networking.istio.io", "destinationrules", "v1")
    assert crd.printer_columns == ({"jsonPath": ".spec.host", "name": "Host", "type": "string"},
                                   {"jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"})


def test_cel_rules_keep_their_messages():
    crd = crd_schemas.crd_version("extensions.istio.io", "trafficextensions", "v1alpha1")
    assert {"message": "exactly one of wasm or lua must be set", "rule": "has(self.wasm) != has(self.lua)"} in \
        crd.schema["properties"]["spec"]["x-kubernetes-validations"]


def test_versions_sharing_a_schema_share_it():
    versions = [crd_schemas.crd_version("networking.istio.io", "virtualservices", v) for v in ("v1", "v1beta1",
                                                                                               "v1alpha3")]
    assert versions[0].schema is versions[1].schema is versions[2].schema
    assert crd_schemas.crd_version("networking.istio.io", "virtualservices", "v2") is None


@pytest.mark.parametrize("crd", sorted({**ISTIO_KINDS, **GATEWAY_API_KINDS}))
def test_every_shipped_kind_is_implemented_or_refused_by_the_runner(crd):
    plural, _, group = crd.partition(".")
    entry = {**shipped("istio.json")["crds"], **shipped("gateway-api.json")["crds"]}[crd]
    for version in entry["versions"]:
        obj = {"apiVersion": f"{group}/{version}", "kind": entry["kind"], "metadata": {"name": "x"},
               "spec": VALID_SPECS.get(entry["kind"], {})}
        if kind_for(group, entry["kind"]):
            assert version in kind_for(group, entry["kind"]).versions
            continue
        records = [ObjectRecord(obj, "f.yaml", 0)]
        validate(records)  # the API server accepts it ...
        with pytest.raises(InvalidObjects) as refused:
            admit(records, [])  # ... the runner's admission refuses it by name
        assert str(refused.value).startswith(
            f"f.yaml: {entry['kind'].lower()}.{group}/x: {entry['kind']} ({group}/{version}) "
            f"is not supported by the local runner; it supports Service (core), ")

