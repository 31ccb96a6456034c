"""ObjectRecord names objects exactly as kubectl prints them."""
from __future__ import annotations

import pytest

from bookinfo.objects import ObjectRecord, kinds_named


def record(api_version: str, kind: str, name: str, namespace: str | None = None) -> ObjectRecord:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return ObjectRecord({"apiVersion": api_version, "kind": kind, "metadata": metadata}, "f.yaml", 0)


@pytest.mark.parametrize("api_version, kind, name, expected", [
    ("networking.istio.io/v1", "VirtualService", "reviews", "virtualservice.networking.istio.io/reviews"),
    ("networking.istio.io/v1alpha3", "DestinationRule", "reviews", "destinationrule.networking.istio.io/reviews"),
    ("apps/v1", "Deployment", "ratings-v2", "deployment.apps/ratings-v2"),
    ("v1", "Service", "details", "service/details"),
    ("v1", "ServiceAccount", "bookinfo-ratings-v2", "serviceaccount/bookinfo-ratings-v2"),
    ("v1", "Secret", "mysql-credentials", "secret/mysql-credentials"),
    ("gateway.networking.k8s.io/v1", "Gateway", "bookinfo-gateway", "gateway.gateway.networking.k8s.io/bookinfo-gateway"),
    ("gateway.networking.k8s.io/v1beta1", "HTTPRoute", "reviews", "httproute.gateway.networking.k8s.io/reviews"),
    ("security.istio.io/v1", "AuthorizationPolicy", "deny", "authorizationpolicy.security.istio.io/deny"),
])
def test_kubectl_name(api_version, kind, name, expected):
    assert record(api_version, kind, name).kubectl_name == expected


def test_key_ignores_the_version_and_defaults_the_namespace():
    v1 = record("networking.istio.io/v1", "VirtualService", "reviews")
    alpha = record("networking.istio.io/v1alpha3", "VirtualService", "reviews")
    assert v1.key == alpha.key == ("networking.istio.io", "VirtualService", "default", "reviews")
    assert record("v1", "Service", "x", namespace="istio-system").namespace == "istio-system"


def test_resource_names_used_in_not_found_errors():
    assert record("networking.istio.io/v1", "ServiceEntry", "x").resource == "serviceentries.networking.istio.io"
    assert record("apps/v1", "Deployment", "x").resource == "deployments.apps"
    assert record("v1", "Service", "x").resource == "services"


def test_an_unnamed_object_is_labelled_by_its_position():
    assert ObjectRecord({"kind": "Service"}, "f.yaml", 2).label == "object #3 (Service)"


@pytest.mark.parametrize("alias, group, kind", [
    ("vs", "networking.istio.io", "VirtualService"), ("virtualservices", "networking.istio.io", "VirtualService"),
    ("dr", "networking.istio.io", "DestinationRule"), ("destinationrule", "networking.istio.io", "DestinationRule"),
    ("se", "networking.istio.io", "ServiceEntry"), ("serviceentries", "networking.istio.io", "ServiceEntry"),
    ("gw", "networking.istio.io", "Gateway"), ("gateways", "networking.istio.io", "Gateway"),
    ("gtw", "gateway.networking.k8s.io", "Gateway"),
    ("gateway.gateway.networking.k8s.io", "gateway.networking.k8s.io", "Gateway"),
    ("httproutes", "gateway.networking.k8s.io", "HTTPRoute"),
    ("svc", "", "Service"), ("services", "", "Service"), ("deploy", "apps", "Deployment"),
    ("deployments.apps", "apps", "Deployment"), ("sa", "", "ServiceAccount"), ("Secret", "", "Secret"),
])
def test_kind_aliases_prefer_the_expected_kind(alias, group, kind):
    first = kinds_named(alias)[0]
    assert (first.group, first.kind) == (group, kind)


def test_unknown_alias_names_nothing():
    assert kinds_named("widgets") == []


def test_pods_and_replicasets_are_listed_kinds_that_cannot_be_applied():
    assert [(k.group, k.kind) for k in kinds_named("po") + kinds_named("rs")] == [("", "Pod"), ("apps", "ReplicaSet")]
    assert ObjectRecord({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}}, "f", 0).kind_info is None
