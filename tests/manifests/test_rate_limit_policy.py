"""policy/productpage_envoy_ratelimit.yaml: what istio.io's global rate-limit task needs,
and Envoy itself accepts the configuration the two patches carry.

The EnvoyFilter CRD checks the patches' envelope (test_validation) but leaves each patch
``value`` free-form. Here the values are placed where Istio places them on the ingress
gateway (the filter before the router of the HTTP connection manager, the rate limits
merged into a virtual host), beside a cluster of the name Istio gives the rate-limit
Service, and the result goes through ``envoy --mode validate``, which refuses unknown
fields and wrong types in any Envoy message.
"""
from __future__ import annotations

import copy
import json

import pytest

from bookinfo.envoy.validate import EnvoyConfigInvalid, validate_bootstrap
from bookinfo.mesh import envoy_types

from .manifests import POLICY, objects_in

FILTERS = {m.name: m for m in objects_in(POLICY / "productpage_envoy_ratelimit.yaml")}
HCM = "envoy.filters.network.http_connection_manager"
ROUTER = "envoy.filters.http.router"
# What the Service ratelimit.default (gRPC port 8081) of samples/ratelimit becomes in
# Istio's generated configuration.
RATE_LIMIT_CLUSTER = "outbound|8081||ratelimit.default.svc.cluster.local"


def _patch(name: str) -> dict:
    [patch] = FILTERS[name].spec["configPatches"]
    return patch


def test_both_filters_select_the_ingress_gateway_in_istio_system():
    """The names are those the task's clean-up deletes (`kubectl delete envoyfilter ...`)."""
    assert list(FILTERS) == ["filter-ratelimit", "filter-ratelimit-svc"]
    for envoy_filter in FILTERS.values():
        assert envoy_filter.obj["metadata"]["namespace"] == "istio-system"
        assert envoy_filter.spec["workloadSelector"] == {"labels": {"istio": "ingressgateway"}}
        assert _patch(envoy_filter.name)["match"]["context"] == "GATEWAY"


def test_the_rate_limit_filter_goes_before_the_router_and_asks_the_rate_limit_service():
    patch = _patch("filter-ratelimit")
    assert patch["applyTo"] == "HTTP_FILTER"
    assert patch["match"]["listener"]["filterChain"]["filter"] == {"name": HCM, "subFilter": {"name": ROUTER}}
    assert patch["patch"]["operation"] == "INSERT_BEFORE"
    value = patch["patch"]["value"]
    assert value["name"] == "envoy.filters.http.ratelimit"
    config = value["typed_config"]
    assert config["domain"] == "ratelimit"  # the domain of the task's ConfigMap
    assert config["rate_limit_service"]["grpc_service"]["envoy_grpc"]["cluster_name"] == RATE_LIMIT_CLUSTER


def test_every_gateway_virtual_host_sends_the_path_as_descriptor_path():
    patch = _patch("filter-ratelimit-svc")
    assert patch["applyTo"] == "VIRTUAL_HOST"
    assert patch["match"]["routeConfiguration"]["vhost"]["route"] == {"action": "ANY"}
    assert patch["patch"]["operation"] == "MERGE"
    assert patch["patch"]["value"]["rate_limits"] == [
        {"actions": [{"request_headers": {"header_name": ":path", "descriptor_key": "PATH"}}]}]


def _gateway_bootstrap(http_filter: dict, virtual_host_patch: dict) -> dict:
    """An ingress-gateway-like Envoy with both patch values applied as Istio applies them."""
    router = {"name": ROUTER,
              "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}
    virtual_host = {"name": "*:80", "domains": ["*"],
                    "routes": [{"match": {"prefix": "/"}, "direct_response": {"status": 200}}],
                    **virtual_host_patch}
    manager = {"@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3"
                        ".HttpConnectionManager",
               "stat_prefix": "gateway",
               "route_config": {"name": "http.8080", "virtual_hosts": [virtual_host]},
               "http_filters": [http_filter, router]}
    rate_limit_service = {
        "name": RATE_LIMIT_CLUSTER, "type": "STATIC", "connect_timeout": "1s",
        "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            "explicit_http_config": {"http2_protocol_options": {}}}},
        "load_assignment": {"cluster_name": RATE_LIMIT_CLUSTER, "endpoints": [{"lb_endpoints": [
            {"endpoint": {"address": envoy_types.socket_address(8081)}}]}]}}
    return {"admin": {"address": envoy_types.socket_address(0)},
            "static_resources": {
                "listeners": [{"name": "gateway", "address": envoy_types.socket_address(0),
                               "filter_chains": [{"filters": [{"name": HCM, "typed_config": manager}]}]}],
                "clusters": [rate_limit_service]}}


def _validate(tmp_path, http_filter: dict, virtual_host_patch: dict) -> None:
    path = tmp_path / "gateway.json"
    path.write_text(json.dumps(_gateway_bootstrap(http_filter, virtual_host_patch)))
    validate_bootstrap(path)


def test_envoy_accepts_the_patched_gateway_configuration(tmp_path):
    _validate(tmp_path, _patch("filter-ratelimit")["patch"]["value"], _patch("filter-ratelimit-svc")["patch"]["value"])


@pytest.mark.parametrize("which", ["filter", "virtual host"])
def test_envoy_would_refuse_a_misspelt_field(tmp_path, which):
    """The check above is strict for both values."""
    http_filter = copy.deepcopy(_patch("filter-ratelimit")["patch"]["value"])
    virtual_host = copy.deepcopy(_patch("filter-ratelimit-svc")["patch"]["value"])
    if which == "filter":
        http_filter["typed_config"]["failure_mode_denied"] = True
    else:
        virtual_host["rate_limits"][0]["actions"][0]["request_headers"]["descriptor"] = "PATH"
    with pytest.raises(EnvoyConfigInvalid):
        _validate(tmp_path, http_filter, virtual_host)
