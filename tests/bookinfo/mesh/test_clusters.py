"""DestinationRule traffic policies and ServiceEntries, objects in -> clusters out."""
from bookinfo.mesh.translate import build, outbound_name

from .builders import cluster, endpoint_ports, inputs, reviews_cluster, routes

POLICIES = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: RANDOM}
    connectionPool:
      tcp: {maxConnections: 1, connectTimeout: 250ms}
      http: {http1MaxPendingRequests: 1, http2MaxRequests: 7, maxRequestsPerConnection: 1, maxRetries: 3,
             idleTimeout: 30s}
    outlierDetection:
      consecutive5xxErrors: 1
      interval: 1s
      baseEjectionTime: 3m
      maxEjectionPercent: 100
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {simple: ROUND_ROBIN}
"""


def test_load_balancer_connection_pool_and_outlier_detection():
    built = cluster(build(inputs(POLICIES)), reviews_cluster("v1"))
    assert built["lb_policy"] == "RANDOM"
    assert built["connect_timeout"] == "0.25s"
    assert built["circuit_breakers"]["thresholds"] == [
        {"max_connections": 1, "max_pending_requests": 1, "max_requests": 7, "max_retries": 3}]
    options = built["typed_extension_protocol_options"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
    assert options["common_http_protocol_options"] == {"max_requests_per_connection": 1, "idle_timeout": "30s"}
    assert built["outlier_detection"] == {"enforcing_success_rate": 0, "consecutive_5xx": 1,
                                          "enforcing_consecutive_5xx": 100, "interval": "1s",
                                          "base_ejection_time": "180s", "max_ejection_percent": 100}


def test_subset_policy_replaces_the_section_it_sets():
    built = cluster(build(inputs(POLICIES)), reviews_cluster("v2"))
    assert built["lb_policy"] == "ROUND_ROBIN"
    assert built["circuit_breakers"]["thresholds"][0]["max_connections"] == 1
    assert endpoint_ports(build(inputs(POLICIES)), reviews_cluster("v2")) == [7004]


def test_default_circuit_breakers_are_lifted_as_istio_does():
    built = cluster(build(inputs()), reviews_cluster())
    assert set(built["circuit_breakers"]["thresholds"][0].values()) == {4294967295}
    assert built["connect_timeout"] == "10s"


GOOGLE_APIS = """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: googleapis}
spec:
  hosts: [www.googleapis.com]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  - {number: 443, name: https, protocol: HTTPS}
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: rewrite-port-for-googleapis}
spec:
  hosts: [www.googleapis.com]
  http:
  - match:
    - port: 80
    route:
    - destination:
        host: www.googleapis.com
        port: {number: 443}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: originate-tls-for-googleapis}
spec:
  host: www.googleapis.com
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    portLevelSettings:
    - port: {number: 443}
      tls: {mode: SIMPLE}
"""


def test_service_entry_dns_cluster_with_tls_origination_on_its_port():
    outbound = {("details-v2", "www.googleapis.com", 80): 15010, ("details-v2", "www.googleapis.com", 443): 15011}
    resources = build(inputs(GOOGLE_APIS, outbound=outbound))
    https = cluster(resources, "outbound|443||www.googleapis.com")
    assert https["type"] == "STRICT_DNS"
    assert https["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"] == {
        "socket_address": {"address": "www.googleapis.com", "port_value": 443}}
    assert https["transport_socket"]["typed_config"]["sni"] == "www.googleapis.com"
    assert https["lb_policy"] == "ROUND_ROBIN"
    assert "transport_socket" not in cluster(resources, "outbound|80||www.googleapis.com")
    [route] = routes(resources, outbound_name("details-v2", "www.googleapis.com", 80))
    assert route["route"]["cluster"] == "outbound|443||www.googleapis.com"
    https_listener = next(x for x in resources.listeners if x["name"].endswith("|443"))
    assert https_listener["filter_chains"][0]["filters"][0]["name"] == "envoy.filters.network.tcp_proxy"


def test_static_service_entry_uses_its_endpoints():
    resources = build(inputs("""
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy}
spec:
  hosts: [legacy.example]
  ports: [{number: 3306, name: tcp, protocol: TCP}]
  resolution: STATIC
  endpoints:
  - address: 127.0.0.2
  - address: 127.0.0.3
    ports: {tcp: 13306}
"""))
    built = cluster(resources, "outbound|3306||legacy.example")
    assert built["type"] == "STATIC"
    addresses = [lb["endpoint"]["address"]["socket_address"]
                 for lb in built["load_assignment"]["endpoints"][0]["lb_endpoints"]]
    assert addresses == [{"address": "127.0.0.2", "port_value": 3306}, {"address": "127.0.0.3", "port_value": 13306}]


def test_subset_labels_narrow_the_service_selector_and_never_widen_it():
    resources = build(inputs("""
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: all}
  - {name: ratings-pods, labels: {app: ratings}}
"""))
    assert endpoint_ports(resources, reviews_cluster("all")) == [7003, 7004, 7005]
    assert endpoint_ports(resources, reviews_cluster("ratings-pods")) == []
