"""EnvoyFilter patches over the translated resources: which proxy, which object, which place.

Each test applies a filter to Bookinfo's mesh (every workload with a sidecar) and reads
the resources; that Envoy runs the pages' filters is checked in test_live_security, that
Envoy takes every result in test_envoy_accepts.
"""
from pathlib import Path

import pytest

from bookinfo.envoy.validate import EnvoyConfigInvalid, validate_resources
from bookinfo.mesh.istio_metrics import METADATA_EXCHANGE
from bookinfo.mesh.translate import GATEWAY_LISTENER, build, outbound_name

from .builders import cluster, inputs, listener, ratings_cluster, route_config, routes
from tests.support.istio_pages import ROUTE_LOCAL_RATE_LIMIT, local_rate_limit

REPO = Path(__file__).resolve().parents[3]
PRODUCTPAGE_INBOUND = "inbound|productpage-v1|9080"
LIMITER = "envoy.filters.http.local_ratelimit"
LIMITER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit"
GATEWAY = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bookinfo-gateway}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ['*']}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo}
spec:
  hosts: ['*']
  gateways: [bookinfo-gateway]
  http:
  - match: [{uri: {exact: /productpage}}]
    route: [{destination: {host: productpage, port: {number: 9080}}}]
  - name: api
    match: [{uri: {prefix: /api/v1/products}}]
    route: [{destination: {host: productpage, port: {number: 9080}}}]
---
"""


def envoy_filter(patches: str, selector: str = "", name: str = "f", namespace: str = "default",
                 priority: int | None = None) -> str:
    spec = (f"  workloadSelector: {{labels: {{{selector}}}}}\n" if selector else "") + (
        f"  priority: {priority}\n" if priority is not None else "")
    return (f"apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\n"
            f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n{spec}  configPatches:\n{patches}\n---\n")


def http_filter_names(resources, name: str, chain: int = 0) -> list[str]:
    manager = listener(resources, name)["filter_chains"][chain]["filters"][0]["typed_config"]
    return [f["name"] for f in manager["http_filters"]]


def patched(*documents: str):
    return build(inputs(GATEWAY, *documents, sidecars=True))


def test_the_pages_local_rate_limit_goes_first_on_productpages_inbound_side_only():
    resources = patched(local_rate_limit())
    for chain in (0, 1):  # mutual TLS and plain text
        assert http_filter_names(resources, PRODUCTPAGE_INBOUND, chain) == [LIMITER, METADATA_EXCHANGE,
                                                                          "envoy.filters.http.router"]
    limiter = listener(resources, PRODUCTPAGE_INBOUND)["filter_chains"][0]["filters"][0]["typed_config"][
        "http_filters"][0]["typed_config"]
    assert limiter["@type"] == LIMITER_TYPE and limiter["token_bucket"]["max_tokens"] == 4
    assert LIMITER not in http_filter_names(resources, "inbound|details-v1|9080")
    assert LIMITER not in http_filter_names(resources, outbound_name("productpage-v1", "reviews", 9080))
    assert LIMITER not in http_filter_names(resources, GATEWAY_LISTENER)
    validate_resources(resources)


def test_the_pages_route_level_variant_merges_into_the_inbound_route():
    resources = patched(ROUTE_LOCAL_RATE_LIMIT)
    manager = listener(resources, PRODUCTPAGE_INBOUND)["filter_chains"][0]["filters"][0]["typed_config"]
    [route] = manager["route_config"]["virtual_hosts"][0]["routes"]
    assert route["typed_per_filter_config"][LIMITER]["token_bucket"]["max_tokens"] == 4
    assert route["typed_per_filter_config"][LIMITER]["@type"] == LIMITER_TYPE
    validate_resources(resources)


def test_the_global_rate_limit_pages_route_patches_apply_to_the_gateway():
    """policy/productpage_envoy_ratelimit.yaml's second object and the page's "api" route."""
    [_, descriptors] = (REPO / "policy" / "productpage_envoy_ratelimit.yaml").read_text().split("\n---\n")
    api = envoy_filter("""
    - applyTo: HTTP_ROUTE
      match:
        context: GATEWAY
        routeConfiguration: {vhost: {name: "*:8080", route: {name: api}}}
      patch:
        operation: MERGE
        value:
          route:
            rate_limits:
            - actions:
              - header_value_match:
                  descriptor_key: PATH
                  descriptor_value: api
                  headers: [{name: ":path", safe_regex_match: {google_re2: {}, regex: "/api/v1/products/[1-9]{1,2}"}}]
""", selector="istio: ingressgateway", name="filter-ratelimit-svc-api", namespace="istio-system")
    resources = patched(descriptors + "\n---\n", api)
    [vhost] = route_config(resources, GATEWAY_LISTENER)["virtual_hosts"]
    assert vhost["name"] == "*:8080"
    assert vhost["rate_limits"] == [{"actions": [{"request_headers": {"header_name": ":path",
                                                                      "descriptor_key": "PATH"}}]}]
    first, named = vhost["routes"]
    assert "rate_limits" not in first["route"] and named["name"] == "bookinfo.api"
    assert named["route"]["rate_limits"][0]["actions"][0]["header_value_match"]["descriptor_value"] == "api"
    assert "rate_limits" not in str(route_config(resources, outbound_name("productpage-v1", "reviews", 9080)))
    validate_resources(resources)


def test_relative_operations_follow_the_named_filter():
    def lua(name: str) -> str:
        return (f"{{name: {name}, typed_config: {{'@type': type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua,"
                f" default_source_code: {{inline_string: 'function envoy_on_request(h) end'}}}}}}")

    def patch(operation: str, value: str, sub_filter: str | None = None) -> str:
        sub = f", subFilter: {{name: {sub_filter}}}" if sub_filter else ""
        return (f"    - applyTo: HTTP_FILTER\n      match: {{context: SIDECAR_INBOUND, listener: {{filterChain: "
                f"{{filter: {{name: envoy.filters.network.http_connection_manager{sub}}}}}}}}}\n"
                f"      patch: {{operation: {operation}, value: {value}}}\n")

    resources = patched(envoy_filter(
        patch("INSERT_BEFORE", lua("b"), "envoy.filters.http.router") + patch("INSERT_FIRST", lua("a"))
        + patch("INSERT_AFTER", lua("c"), "b") + patch("INSERT_AFTER", lua("d"))
        + patch("REPLACE", lua("c2"), "c") + patch("REMOVE", "{}", "d"), selector="app: reviews"))
    assert http_filter_names(resources, "inbound|reviews-v1|9080") == [
        "a", METADATA_EXCHANGE, "b", "c2", "envoy.filters.http.router"]
    assert http_filter_names(resources, "inbound|ratings-v1|9080") == [METADATA_EXCHANGE, "envoy.filters.http.router"]


def test_priority_orders_filters_and_the_root_namespace_goes_first():
    def insert_first(name: str) -> str:
        return ("    - applyTo: HTTP_FILTER\n      match: {context: GATEWAY}\n      patch:\n"
                f"        operation: INSERT_FIRST\n        value: {{name: {name}, typed_config: {{'@type': "
                "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua}}\n")

    resources = patched(envoy_filter(insert_first("late"), name="a", namespace="istio-system", priority=10),
                        envoy_filter(insert_first("early"), name="b", namespace="istio-system", priority=-5),
                        envoy_filter(insert_first("root"), name="c", namespace="istio-system"))
    # INSERT_FIRST: the last applied ends first
    assert http_filter_names(resources, GATEWAY_LISTENER)[:3] == ["late", "root", "early"]


def test_port_numbers_select_the_service_port_of_an_outbound_listener():
    merge = envoy_filter("""
    - applyTo: NETWORK_FILTER
      match:
        context: SIDECAR_OUTBOUND
        listener: {portNumber: 9080, filterChain: {filter: {name: envoy.filters.network.http_connection_manager}}}
      patch:
        operation: MERGE
        value: {typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager, stream_idle_timeout: 7s}}
    - applyTo: LISTENER
      match: {context: SIDECAR_OUTBOUND, listener: {portNumber: 27017}}
      patch: {operation: MERGE, value: {per_connection_buffer_limit_bytes: 32768}}""", selector="app: productpage")
    resources = patched(merge)
    manager = listener(resources, outbound_name("productpage-v1", "reviews", 9080))["filter_chains"][0]["filters"][0]
    assert manager["typed_config"]["stream_idle_timeout"] == "7s"
    assert manager["typed_config"]["http_filters"][-1]["name"] == "envoy.filters.http.router"
    assert "stream_idle_timeout" not in str(listener(resources, PRODUCTPAGE_INBOUND))
    assert "per_connection_buffer_limit_bytes" not in str(resources.listeners)  # no 27017 listener of productpage
    mongo = patched(merge.replace("app: productpage", "app: ratings"))
    assert listener(mongo, outbound_name("ratings-v1", "mongodb", 27017))["per_connection_buffer_limit_bytes"] == 32768


def test_a_cluster_patched_for_some_of_its_users_is_copied_for_them():
    merge = envoy_filter("""
    - applyTo: CLUSTER
      match: {context: SIDECAR_OUTBOUND, cluster: {service: ratings.default.svc.cluster.local, portNumber: 9080}}
      patch: {operation: MERGE, value: {connect_timeout: 3s}}""", selector="version: v2")
    resources = patched(merge)
    shared = ratings_cluster() + "|default/bookinfo-reviews"
    assert routes(resources, outbound_name("reviews-v3", "ratings", 9080))[0]["route"]["cluster"] == shared
    copied = routes(resources, outbound_name("reviews-v2", "ratings", 9080))[0]["route"]["cluster"]
    assert copied == shared + "|patched-0"
    assert cluster(resources, copied)["connect_timeout"] == "3s" and cluster(resources, shared)["connect_timeout"] == "10s"
    everyone = patched(merge.replace("  workloadSelector: {labels: {version: v2}}\n", ""))
    assert cluster(everyone, shared)["connect_timeout"] == "3s"
    assert not [c for c in everyone.clusters if "patched" in c["name"]]
    validate_resources(resources)


def test_listener_and_cluster_additions():
    additions = envoy_filter("""
    - applyTo: CLUSTER
      match: {context: SIDECAR_OUTBOUND}
      patch:
        operation: ADD
        value:
          name: extra
          type: STATIC
          connect_timeout: 1s
          load_assignment: {cluster_name: extra, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 9999}}}}]}]}
    - applyTo: LISTENER
      match: {context: SIDECAR_OUTBOUND}
      patch:
        operation: ADD
        value:
          name: extra-listener
          address: {socket_address: {address: 127.0.0.1, port_value: 9998}}
          filter_chains: [{filters: [{name: envoy.filters.network.tcp_proxy, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: extra, cluster: extra}}]}]""")
    resources = patched(additions)  # every sidecar adds them: they are added once
    assert [c["name"] for c in resources.clusters].count("extra") == 1
    assert [x["name"] for x in resources.listeners].count("extra-listener") == 1
    validate_resources(resources)


def test_an_invalid_patch_is_refused_with_envoys_reason():
    after_router = envoy_filter("""
    - applyTo: HTTP_FILTER
      match: {context: GATEWAY}
      patch:
        operation: ADD
        value: {name: late, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua}}""",
                                namespace="istio-system")
    with pytest.raises(EnvoyConfigInvalid, match="terminal filter named envoy.filters.http.router"):
        validate_resources(patched(after_router))
