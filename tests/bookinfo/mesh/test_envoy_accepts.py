"""Envoy itself accepts what the translation produces (``envoy --mode validate``)."""
from pathlib import Path

import pytest

from bookinfo.envoy.validate import EnvoyConfigInvalid, validate_resources
from bookinfo.mesh.model import EnvoyResources
from bookinfo.mesh.translate import build

from . import test_clusters, test_gateway_api_routes, test_istio_routes
from .builders import DESTINATION_RULES, inputs, objects

REPO = Path(__file__).resolve().parents[3]


def _feature_snippets() -> list[str]:
    """Every VirtualService body the Istio tests use, plus the other modules' objects."""
    snippets = [test_clusters.POLICIES, test_clusters.GOOGLE_APIS, test_gateway_api_routes.BOOKINFO_GATEWAY,
                test_gateway_api_routes.ROUTE_REVIEWS_50_V3, test_istio_routes.REVIEWS_TEST_V2]
    snippets += [test_istio_routes.vs(body) for body in (
        "- fault: {delay: {fixedDelay: 2s, percentage: {value: 50}}, abort: {httpStatus: 500}}\n"
        "  route: [{destination: {host: reviews, subset: v1}}]",
        "- timeout: 0.5s\n  retries: {attempts: 3, perTryTimeout: 200ms, retryOn: 5xx,503}\n"
        "  route: [{destination: {host: reviews, subset: v2}}]",
        "- match: [{uri: {regex: '/r/[0-9]+'}, queryParams: {a: {exact: b}}, method: {exact: GET}}]\n"
        "  headers: {request: {set: {a: b}, remove: [c]}, response: {add: {d: e}}}\n"
        "  rewrite: {uri: /x, authority: y}\n  mirror: {host: reviews, subset: v3}\n"
        "  mirrorPercentage: {value: 5}\n"
        "  route: [{destination: {host: reviews, subset: v1}, weight: 70,"
        " headers: {response: {set: {v: '1'}}}}, {destination: {host: reviews, subset: v3}, weight: 30}]",
        "- directResponse: {status: 503, body: {string: closed}}",
    )]
    return snippets


@pytest.mark.parametrize("snippet", _feature_snippets())
def test_feature_configurations_validate(snippet):
    validate_resources(build(inputs(snippet, DESTINATION_RULES, outbound={
        **{("productpage-v1", "reviews", 9080): 15002, ("details-v2", "www.googleapis.com", 443): 15011}})))


def test_all_repository_manifests_together_validate():
    texts = [p.read_text() for d in ("networking", "gateway-api") for p in sorted((REPO / d).glob("*.yaml"))]
    assert texts, "no manifests found"
    assert objects(*texts)
    validate_resources(build(inputs(*texts)))


def test_invalid_configuration_is_refused_with_envoys_reason():
    resources = build(inputs())
    broken = EnvoyResources(resources.listeners, [{**resources.clusters[0], "lb_policy": "NO_SUCH_POLICY"}],
                            resources.route_configs)
    with pytest.raises(EnvoyConfigInvalid, match="NO_SUCH_POLICY|lb_policy"):
        validate_resources(broken)
