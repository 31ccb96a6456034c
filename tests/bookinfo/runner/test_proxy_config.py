"""istioctl proxy-config's tables from Envoy's config dump: a pod's own listeners and
routes, every cluster with its DestinationRule, and endpoints with their health."""
from __future__ import annotations

from dataclasses import replace

from bookinfo.mesh.translate import build
from bookinfo.runner.proxy_config import (clusters_table, describe_domains, endpoints_table, listeners_table,
                                          routes_table)
from tests.bookinfo.mesh.builders import DESTINATION_RULES, inputs, objects

REVIEWS_V2 = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews, subset: v2}}]}]}
"""


def dump(*documents: str) -> dict:
    """The shape of Envoy's /config_dump for the translation of ``documents``."""
    resources = build(replace(inputs(*documents), http_proxy_ports={"productpage-v1": 16001}))
    prefix = "type.googleapis.com/envoy.admin.v3."
    return {"configs": [
        {"@type": prefix + "ClustersConfigDump", "dynamic_active_clusters": [{"cluster": c} for c in resources.clusters]},
        {"@type": prefix + "ListenersConfigDump",
         "dynamic_listeners": [{"name": l["name"], "active_state": {"listener": l}} for l in resources.listeners]},
        {"@type": prefix + "ScopedRoutesConfigDump"},
        {"@type": prefix + "RoutesConfigDump",
         "dynamic_route_configs": [{"route_config": rc} for rc in resources.route_configs]}]}


def test_listeners_of_one_pod():
    lines = listeners_table(dump(), "productpage-v1")
    assert lines == ["ADDRESSES PORT  MATCH DESTINATION",
                     "127.0.0.1 15001 ALL   Route: outbound|productpage-v1|details|9080",
                     "127.0.0.1 15002 ALL   Route: outbound|productpage-v1|reviews|9080",
                     "127.0.0.1 16001 ALL   Route: outbound|productpage-v1|http-proxy"]
    assert listeners_table(dump(), "ratings-v1")[1].endswith(
        "Cluster: outbound|27017||mongodb.default.svc.cluster.local")
    assert listeners_table(dump(), "istio-ingressgateway")[1].endswith("Route: gateway")


def test_routes_name_the_virtual_service_that_made_them():
    rows = [line.split() for line in routes_table(dump(DESTINATION_RULES, REVIEWS_V2), "productpage-v1",
                                                  objects(REVIEWS_V2))]
    assert rows[0] == ["NAME", "DOMAINS", "MATCH", "VIRTUAL", "SERVICE"]
    assert ["outbound|productpage-v1|reviews|9080", "*", "/*", "reviews.default"] in rows
    assert ["outbound|productpage-v1|details|9080", "*", "/*"] in rows
    assert describe_domains(["reviews:9080", "reviews.default:9080", "reviews.default.svc:9080",
                             "reviews.default.svc.cluster.local:9080"]) == "reviews, reviews.default"


def test_clusters_with_their_destination_rule():
    lines = clusters_table(dump(DESTINATION_RULES), objects(DESTINATION_RULES), fqdn="reviews.default.svc.cluster.local")
    assert [line.split() for line in lines] == [
        ["SERVICE", "FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE", "DESTINATION", "RULE"],
        *[["reviews.default.svc.cluster.local", "9080", subset, "outbound", "STATIC", "reviews.default"]
          for subset in ("-", "v1", "v2", "v3")]]


def test_endpoints_with_health_and_outlier_check():
    clusters = {"cluster_statuses": [
        {"name": "outbound|9080||reviews.default.svc.cluster.local", "host_statuses": [
            {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 7003}},
             "health_status": {"eds_health_status": "HEALTHY"}},
            {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 7004}},
             "health_status": {"eds_health_status": "HEALTHY", "failed_outlier_check": True}}]}]}
    assert endpoints_table(clusters) == [
        "ENDPOINT           STATUS        OUTLIER CHECK     CLUSTER",
        "127.0.0.1:7003     HEALTHY       OK                outbound|9080||reviews.default.svc.cluster.local",
        "127.0.0.1:7004     UNHEALTHY     FAILED            outbound|9080||reviews.default.svc.cluster.local"]
    assert len(endpoints_table(clusters, status="healthy")) == 2
