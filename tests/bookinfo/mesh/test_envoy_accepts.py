"""Envoy itself accepts what the translation produces, with every feature still in it.

``envoy --mode validate`` proves a configuration acceptable, not that a feature made it
there: a translation that silently dropped the fault filter would validate just as well.
So each feature configuration is delivered to one running Envoy (``update`` validates it
first) and Envoy's /config_dump must hold the feature, in Envoy's own JSON form
(durations as "0.500s", enum values at their default left out).
"""
from dataclasses import replace
from pathlib import Path

import pytest

from bookinfo.envoy import admin
from bookinfo.envoy.process import EnvoyProcess
from bookinfo.envoy.validate import EnvoyConfigInvalid, validate_resources
from bookinfo.mesh.model import EnvoyResources
from bookinfo.mesh.translate import GATEWAY_LISTENER, build, outbound_name
from tests.support.net import free_port

from . import test_clusters, test_gateway_api_routes, test_istio_routes
from .builders import DESTINATION_RULES, inputs, objects, ratings_cluster, reviews_cluster

REPO = Path(__file__).resolve().parents[3]
TO_REVIEWS = outbound_name("productpage-v1", "reviews", 9080)
FAULT = "envoy.filters.http.fault"


def million(percent: float) -> dict:
    return {"numerator": round(percent * 10000), "denominator": "MILLION"}


# (objects, route configuration, what its first routes must hold in Envoy's config dump)
ROUTE_FEATURES = {
    "fault": (test_istio_routes.vs(
        "- fault: {delay: {fixedDelay: 2s, percentage: {value: 50}}, abort: {httpStatus: 500}}\n"
        "  route: [{destination: {host: reviews, subset: v1}}]"), TO_REVIEWS, [
        {"route": {"cluster": reviews_cluster("v1")}, "typed_per_filter_config": {FAULT: {
            "delay": {"fixed_delay": "2s", "percentage": million(50)},
            "abort": {"http_status": 500, "percentage": million(100)}}}}]),
    "timeout-and-retries": (test_istio_routes.vs(
        "- timeout: 0.5s\n  retries: {attempts: 3, perTryTimeout: 200ms, retryOn: '5xx,503'}\n"
        "  route: [{destination: {host: reviews, subset: v2}}]"), TO_REVIEWS, [
        {"route": {"timeout": "0.500s", "retry_policy": {
            "retry_on": "5xx,retriable-status-codes", "retriable_status_codes": [503], "num_retries": 3,
            "per_try_timeout": "0.200s", "retry_host_predicate": [
                {"name": "envoy.retry_host_predicates.previous_hosts"}]}}}]),
    "match-headers-rewrite-mirror-weights": (test_istio_routes.vs(
        "- match: [{uri: {regex: '/r/[0-9]+'}, queryParams: {a: {exact: b}}, method: {exact: GET}}]\n"
        "  headers: {request: {set: {a: b}, remove: [c]}, response: {add: {d: e}}}\n"
        "  rewrite: {uri: /x, authority: y}\n  mirror: {host: reviews, subset: v3}\n"
        "  mirrorPercentage: {value: 5}\n"
        "  route: [{destination: {host: reviews, subset: v1}, weight: 70,"
        " headers: {response: {set: {v: '1'}}}}, {destination: {host: reviews, subset: v3}, weight: 30}]"),
        TO_REVIEWS, [{
            "match": {"safe_regex": {"regex": "/r/[0-9]+"},
                      "headers": [{"name": ":method", "string_match": {"exact": "GET"}}],
                      "query_parameters": [{"name": "a", "string_match": {"exact": "b"}}]},
            "request_headers_to_add": [{"header": {"key": "a", "value": "b"},
                                        "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
            "request_headers_to_remove": ["c"],
            "response_headers_to_add": [{"header": {"key": "d", "value": "e"}}],
            "route": {"prefix_rewrite": "/x", "host_rewrite_literal": "y",
                      "request_mirror_policies": [{"cluster": reviews_cluster("v3"),
                                                   "runtime_fraction": {"default_value": million(5)}}],
                      "weighted_clusters": {"clusters": [
                          {"name": reviews_cluster("v1"), "weight": 70,
                           "response_headers_to_add": [{"header": {"key": "v", "value": "1"}}]},
                          {"name": reviews_cluster("v3"), "weight": 30}]}}}]),
    "direct-response": (test_istio_routes.vs("- directResponse: {status: 503, body: {string: closed}}"),
                        TO_REVIEWS, [{"direct_response": {"status": 503, "body": {"inline_string": "closed"}}}]),
    "header-match-to-subsets": (test_istio_routes.REVIEWS_TEST_V2, TO_REVIEWS, [
        {"match": {"prefix": "/", "headers": [{"name": "end-user", "string_match": {"exact": "jason"}}]},
         "route": {"cluster": reviews_cluster("v2")}},
        {"match": {"prefix": "/"}, "route": {"cluster": reviews_cluster("v1")}}]),
    "gateway-api-gateway": (test_gateway_api_routes.BOOKINFO_GATEWAY, GATEWAY_LISTENER, [
        {"match": {"path": "/productpage"}}, {"match": {"path": "/login"}}, {"match": {"path": "/logout"}},
        {"match": {"path_separated_prefix": "/api/v1/products"}},
        {"match": {"path_separated_prefix": "/static"}}]),
    "gateway-api-gamma-split": (test_gateway_api_routes.ROUTE_REVIEWS_50_V3, TO_REVIEWS, [
        {"match": {"headers": [{"name": "end-user", "string_match": {"exact": "jason"}}]},
         "route": {"cluster": "outbound|9080||reviews-v2.default.svc.cluster.local", "timeout": "0.500s"}},
        {"route": {"weighted_clusters": {"clusters": [
            {"name": "outbound|9080||reviews-v1.default.svc.cluster.local", "weight": 50},
            {"name": "outbound|9080||reviews-v3.default.svc.cluster.local", "weight": 50}]}}}]),
    "gateway-api-filters": (test_gateway_api_routes.FILTERS, TO_REVIEWS, [{
        "match": {"query_parameters": [{"name": "v", "string_match": {"exact": "3"}}]},
        "request_headers_to_add": [{"header": {"key": "x-set", "value": "a"},
                                    "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
        "request_headers_to_remove": ["x-gone"],
        "response_headers_to_add": [{"header": {"key": "x-added", "value": "b"}}],
        "route": {"cluster": reviews_cluster(), "timeout": "2s", "retry_policy": {"per_try_timeout": "1s"},
                  "prefix_rewrite": "/v3", "host_rewrite_literal": "reviews.internal",
                  "request_mirror_policies": [{"cluster": ratings_cluster(),
                                               "runtime_fraction": {"default_value": million(10)}}]}}]),
}


def holds(actual, expected) -> bool:
    """Whether ``actual`` has every field of ``expected`` with that value (lists item by item)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and holds(actual[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(map(holds, actual, expected))
    return actual == expected


@pytest.fixture(scope="module")
def envoy(tmp_path_factory):
    """One running Envoy; ``apply(*documents)`` delivers their translation and returns
    Envoy's config dump once it is live."""
    ports = {"outbound": {("productpage-v1", "reviews", 9080): free_port()},
             "gateway_port": free_port(), "admin_port": free_port()}

    def resources(*documents: str) -> EnvoyResources:
        return build(replace(inputs(*documents, outbound=ports["outbound"]), gateway_port=ports["gateway_port"],
                             admin_port=ports["admin_port"]))

    process = EnvoyProcess(tmp_path_factory.mktemp("envoy"))
    process.start(resources(), ports["admin_port"])
    try:
        process.wait_ready(timeout=30)

        def apply(*documents: str) -> dict:
            process.wait_applied(versions=process.update(resources(*documents)))
            return admin.config_dump(ports["admin_port"])

        yield apply
    finally:
        process.stop()


def dumped(dump: dict, section: str) -> dict:
    return next(c for c in dump["configs"] if c["@type"].endswith("." + section))


def dumped_routes(dump: dict, name: str) -> list[dict]:
    configs = dumped(dump, "RoutesConfigDump")["dynamic_route_configs"]
    [config] = [c["route_config"] for c in configs if c["route_config"]["name"] == name]
    return [route for host in config["virtual_hosts"] for route in host["routes"]]


@pytest.mark.parametrize("feature", ROUTE_FEATURES)
def test_route_features_are_live_in_envoy(envoy, feature):
    snippet, route_config, expected = ROUTE_FEATURES[feature]
    live = dumped_routes(envoy(snippet, DESTINATION_RULES), route_config)
    assert holds(live[:len(expected)], expected), live


def test_destination_rule_policies_are_live_in_envoy(envoy):
    clusters = {c["cluster"]["name"]: c["cluster"]
                for c in dumped(envoy(test_clusters.POLICIES), "ClustersConfigDump")["dynamic_active_clusters"]}
    assert holds(clusters[reviews_cluster("v1")], {
        "lb_policy": "RANDOM", "connect_timeout": "0.250s",
        "circuit_breakers": {"thresholds": [{"max_connections": 1, "max_pending_requests": 1, "max_requests": 7,
                                             "max_retries": 3}]},
        "outlier_detection": {"consecutive_5xx": 1, "enforcing_consecutive_5xx": 100, "interval": "1s",
                              "base_ejection_time": "180s", "max_ejection_percent": 100},
        "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "common_http_protocol_options": {"max_requests_per_connection": 1, "idle_timeout": "30s"}}}})
    subset_policy = clusters[reviews_cluster("v2")]  # replaces the load balancer, keeps the pool limits
    assert "lb_policy" not in subset_policy  # ROUND_ROBIN, the enum's zero value, which a dump leaves out
    assert subset_policy["circuit_breakers"]["thresholds"][0]["max_connections"] == 1


def test_external_service_with_tls_validates():
    """Validated, not run: resolving www.googleapis.com would leave the machine (its
    translation is checked in test_clusters)."""
    validate_resources(build(inputs(test_clusters.GOOGLE_APIS, outbound={
        ("details-v2", "www.googleapis.com", 443): 15011, ("details-v2", "www.googleapis.com", 80): 15012})))


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
