"""Without any routing object: every caller reaches the whole Service, Istio-style."""
from pathlib import Path

from bookinfo.mesh.route_model import ISTIO_DEFAULT_RETRY_ON
from bookinfo.mesh.translate import build, outbound_name

from .builders import (GATEWAY_PORT, OUTBOUND, WORKLOAD_PORTS, cluster, endpoint_ports, inputs, listener,
                       reviews_cluster, routes)

REPO = Path(__file__).resolve().parents[3]


def test_one_listener_per_caller_and_service_port_on_its_outbound_port():
    resources = build(inputs())
    by_name = {x["name"]: x["address"]["socket_address"] for x in resources.listeners}
    for (workload, service, port), outbound in OUTBOUND.items():
        assert by_name[outbound_name(workload, service, port)] == {"address": "127.0.0.1", "port_value": outbound}
    assert by_name["gateway"]["port_value"] == GATEWAY_PORT


def test_default_route_is_the_whole_service_with_istio_retries_and_no_timeout():
    resources = build(inputs())
    [route] = routes(resources, outbound_name("productpage-v1", "reviews", 9080))
    assert route["match"] == {"prefix": "/"}
    action = route["route"]
    assert action["cluster"] == reviews_cluster()
    assert action["timeout"] == "0s"
    assert action["retry_policy"]["retry_on"] == ISTIO_DEFAULT_RETRY_ON
    assert action["retry_policy"]["num_retries"] == 2
    assert action["retry_policy"]["retriable_status_codes"] == [503]
    assert action["retry_policy"]["retry_host_predicate"][0]["name"] == "envoy.retry_host_predicates.previous_hosts"


def test_service_cluster_holds_every_matching_workload_balanced_per_request():
    resources = build(inputs())
    assert endpoint_ports(resources, reviews_cluster()) == [
        WORKLOAD_PORTS["reviews-v1"], WORKLOAD_PORTS["reviews-v2"], WORKLOAD_PORTS["reviews-v3"]]
    assert cluster(resources, reviews_cluster())["lb_policy"] == "LEAST_REQUEST"
    assert cluster(resources, reviews_cluster())["type"] == "STATIC"


def test_http_listener_takes_routes_by_name_with_fault_filter_before_router():
    resources = build(inputs())
    name = outbound_name("reviews-v2", "ratings", 9080)
    manager = listener(resources, name)["filter_chains"][0]["filters"][0]["typed_config"]
    assert manager["rds"] == {"route_config_name": name}
    assert [f["name"] for f in manager["http_filters"]] == ["envoy.filters.http.fault", "envoy.filters.http.router"]


def test_tcp_service_gets_a_tcp_proxy_listener():
    resources = build(inputs())
    proxy = listener(resources, outbound_name("ratings-v1", "mongodb", 27017))["filter_chains"][0]["filters"][0]
    assert proxy["name"] == "envoy.filters.network.tcp_proxy"
    assert proxy["typed_config"]["cluster"] == "outbound|27017||mongodb.default.svc.cluster.local"
    assert endpoint_ports(resources, "outbound|27017||mongodb.default.svc.cluster.local") == [7007]
    assert all(rc["name"] != outbound_name("ratings-v1", "mongodb", 27017) for rc in resources.route_configs)


def test_gateway_serves_the_five_bookinfo_routes_and_nothing_else():
    resources = build(inputs((REPO / "networking" / "bookinfo-gateway.yaml").read_text()))
    gateway = routes(resources, "gateway")
    assert [r["match"] for r in gateway] == [{"path": "/productpage"}, {"prefix": "/static"}, {"path": "/login"},
                                             {"path": "/logout"}, {"prefix": "/api/v1/products"}]
    assert {r["route"]["cluster"] for r in gateway} == {"outbound|9080||productpage.default.svc.cluster.local"}


def test_gateway_without_routing_objects_has_no_routes():
    resources = build(inputs())
    assert next(rc for rc in resources.route_configs if rc["name"] == "gateway")["virtual_hosts"] == []


def test_unknown_service_gets_an_empty_cluster():
    resources = build(inputs(outbound={("productpage-v1", "nosuch", 9080): 15009}))
    [route] = routes(resources, outbound_name("productpage-v1", "nosuch", 9080))
    assert endpoint_ports(resources, route["route"]["cluster"]) == []
