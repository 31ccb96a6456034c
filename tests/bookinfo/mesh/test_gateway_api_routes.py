"""Gateway API Gateway + HTTPRoute (ingress and GAMMA), objects in -> Envoy routes out."""
from bookinfo.objects.services import Service, ServicePort
from bookinfo.mesh.translate import build, outbound_name

from .builders import GATEWAY_PORT, endpoint_ports, inputs, routes

PRODUCTPAGE_TO_REVIEWS = outbound_name("productpage-v1", "reviews", 9080)

BOOKINFO_GATEWAY = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bookinfo-gateway}
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes: {namespaces: {from: Same}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bookinfo}
spec:
  parentRefs:
  - name: bookinfo-gateway
  rules:
  - matches:
    - path: {type: Exact, value: /productpage}
    - path: {type: PathPrefix, value: /static}
    - path: {type: Exact, value: /login}
    - path: {type: Exact, value: /logout}
    - path: {type: PathPrefix, value: /api/v1/products}
    backendRefs:
    - name: productpage
      port: 9080
"""

ROUTE_REVIEWS_50_V3 = """
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews}
spec:
  parentRefs:
  - group: ""
    kind: Service
    name: reviews
    port: 9080
  rules:
  - matches:
    - headers:
      - name: end-user
        value: jason
    backendRefs:
    - {name: reviews-v2, port: 9080}
    timeouts: {request: 500ms}
  - backendRefs:
    - {name: reviews-v1, port: 9080, weight: 50}
    - {name: reviews-v3, port: 9080, weight: 50}
"""


FILTERS = """
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews}
spec:
  parentRefs: [{kind: Service, group: "", name: reviews, port: 9080}]
  rules:
  - matches:
    - queryParams: [{name: v, value: "3"}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: x-set, value: a}]
        remove: [x-gone]
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        add: [{name: x-added, value: b}]
    - type: URLRewrite
      urlRewrite: {hostname: reviews.internal, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v3}}
    - type: RequestMirror
      requestMirror:
        backendRef: {name: ratings, port: 9080}
        percent: 10
    backendRefs: [{name: reviews, port: 9080}]
    timeouts: {request: 2s, backendRequest: 1s}
"""


def version_services():
    """bookinfo-versions.yaml: one Service per version."""
    return [Service(f"reviews-{v}", "default", {}, {"app": "reviews", "version": v}, [ServicePort("http", 9080)])
            for v in ("v1", "v2", "v3")]


def test_gateway_routes_with_segment_prefixes():
    resources = build(inputs(BOOKINFO_GATEWAY))
    gateway = routes(resources, "gateway")
    assert [r["match"] for r in gateway] == [
        {"path": "/productpage"}, {"path": "/login"}, {"path": "/logout"},
        {"path_separated_prefix": "/api/v1/products"}, {"path_separated_prefix": "/static"}]
    assert {r["route"]["cluster"] for r in gateway} == {"outbound|9080||productpage.default.svc.cluster.local"}


def test_gamma_route_applies_to_every_caller_of_the_service():
    resources = build(inputs(ROUTE_REVIEWS_50_V3, extra_services=version_services()))
    jason, split = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert jason["match"]["headers"] == [{"name": "end-user", "string_match": {"exact": "jason"}}]
    assert jason["route"]["cluster"] == "outbound|9080||reviews-v2.default.svc.cluster.local"
    assert jason["route"]["timeout"] == "0.5s"
    assert split["route"]["weighted_clusters"]["clusters"] == [
        {"name": "outbound|9080||reviews-v1.default.svc.cluster.local", "weight": 50},
        {"name": "outbound|9080||reviews-v3.default.svc.cluster.local", "weight": 50}]
    assert split["route"]["timeout"] == "0s"
    assert endpoint_ports(resources, "outbound|9080||reviews-v3.default.svc.cluster.local") == [7005]


def test_precedence_orders_matches_across_rules_and_routes():
    resources = build(inputs("""
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: first}
spec:
  parentRefs: [{kind: Service, group: "", name: reviews}]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /}
    backendRefs: [{name: reviews, port: 9080}]
  - matches:
    - path: {type: PathPrefix, value: /reviews}
    backendRefs: [{name: reviews, port: 9080}]
  - matches:
    - path: {type: PathPrefix, value: /reviews}
      method: POST
    backendRefs: [{name: reviews, port: 9080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: second}
spec:
  parentRefs: [{kind: Service, group: "", name: reviews}]
  rules:
  - matches:
    - path: {type: Exact, value: /reviews/0}
    backendRefs: [{name: reviews, port: 9080}]
"""))
    names = [r["name"] for r in routes(resources, PRODUCTPAGE_TO_REVIEWS)]
    assert names == ["second.0.0", "first.2.0", "first.1.0", "first.0.0"]


def test_filters_and_backend_request_timeout():
    resources = build(inputs(FILTERS))
    [route] = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert route["match"] == {"prefix": "/", "query_parameters": [{"name": "v", "string_match": {"exact": "3"}}]}
    assert route["request_headers_to_add"] == [
        {"header": {"key": "x-set", "value": "a"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}]
    assert route["request_headers_to_remove"] == ["x-gone"]
    assert route["response_headers_to_add"] == [
        {"header": {"key": "x-added", "value": "b"}, "append_action": "APPEND_IF_EXISTS_OR_ADD"}]
    action = route["route"]
    assert action["host_rewrite_literal"] == "reviews.internal" and action["prefix_rewrite"] == "/v3"
    assert action["request_mirror_policies"] == [{"cluster": "outbound|9080||ratings.default.svc.cluster.local",
                                                 "runtime_fraction": {"default_value": {
                                                     "numerator": 100000, "denominator": "MILLION"}}}]
    assert action["timeout"] == "2s" and action["retry_policy"]["per_try_timeout"] == "1s"


def test_route_hostnames_narrowed_by_gateway_listener_hostname():
    resources = build(inputs(BOOKINFO_GATEWAY.replace("port: 80", "port: 80\n    hostname: '*.example.com'")
                             .replace("  parentRefs:", "  hostnames: ['*', 'shop.example.com', 'other.org']\n"
                                                       "  parentRefs:")))
    gateway = next(rc for rc in resources.route_configs if rc["name"] == "gateway")
    # As Istio's gateways write them: any port for a named host, the gateway's own port
    # for a wildcard host (a domain takes one wildcard only).
    assert [vh["domains"] for vh in gateway["virtual_hosts"]] == [
        ["*.example.com", f"*.example.com:{GATEWAY_PORT}"], ["shop.example.com", "shop.example.com:*"]]


def test_rule_without_backends_answers_500():
    resources = build(inputs("""
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews}
spec:
  parentRefs: [{kind: Service, group: "", name: reviews}]
  rules:
  - {}
"""))
    [route] = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert route["direct_response"] == {"status": 500}
