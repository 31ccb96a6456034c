"""VirtualService features, objects in -> Envoy routes out."""
from bookinfo.mesh.translate import build, outbound_name

from .builders import (DESTINATION_RULES, WORKLOAD_PORTS, endpoint_ports, inputs, ratings_cluster,
                       reviews_cluster, routes)

PRODUCTPAGE_TO_REVIEWS = outbound_name("productpage-v1", "reviews", 9080)

REVIEWS_TEST_V2 = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match:
    - headers:
        end-user: {exact: jason}
    route:
    - destination: {host: reviews, subset: v2}
  - route:
    - destination: {host: reviews, subset: v1}
"""


def vs(http_yaml: str, host: str = "reviews") -> str:
    body = "\n".join("  " + line for line in http_yaml.strip("\n").splitlines())
    return f"""
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: {host}}}
spec:
  hosts: [{host}]
  http:
{body}
"""


def test_header_match_first_match_wins_to_subsets():
    resources = build(inputs(REVIEWS_TEST_V2, DESTINATION_RULES))
    jason, everyone = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert jason["match"] == {"prefix": "/", "headers": [{"name": "end-user", "string_match": {"exact": "jason"}}]}
    assert jason["route"]["cluster"] == reviews_cluster("v2")
    assert everyone["match"] == {"prefix": "/"}
    assert everyone["route"]["cluster"] == reviews_cluster("v1")
    assert endpoint_ports(resources, reviews_cluster("v2")) == [WORKLOAD_PORTS["reviews-v2"]]


def test_subset_without_destination_rule_is_a_cluster_without_endpoints():
    resources = build(inputs(REVIEWS_TEST_V2))
    assert endpoint_ports(resources, reviews_cluster("v2")) == []
    assert endpoint_ports(resources, reviews_cluster("v1")) == []


def test_fqdn_and_short_host_name_the_same_service():
    resources = build(inputs(vs("""
- route:
  - destination: {host: reviews.default.svc.cluster.local, subset: v3, port: {number: 9080}}
""", host="reviews.default.svc.cluster.local"), DESTINATION_RULES))
    [route] = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert route["route"]["cluster"] == reviews_cluster("v3")


def test_weights_become_weighted_clusters():
    resources = build(inputs(vs("""
- route:
  - destination: {host: reviews, subset: v1}
    weight: 50
  - destination: {host: reviews, subset: v3}
    weight: 50
"""), DESTINATION_RULES))
    [route] = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert route["route"]["weighted_clusters"] == {"clusters": [
        {"name": reviews_cluster("v1"), "weight": 50}, {"name": reviews_cluster("v3"), "weight": 50}]}


def test_zero_weight_destination_is_dropped():
    resources = build(inputs(vs("""
- route:
  - destination: {host: reviews, subset: v1}
    weight: 100
  - destination: {host: reviews, subset: v3}
    weight: 0
"""), DESTINATION_RULES))
    [route] = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert route["route"]["cluster"] == reviews_cluster("v1")


def test_source_labels_give_each_caller_its_own_view():
    resources = build(inputs(vs("""
- match:
  - sourceLabels: {app: reviews, version: v2}
  fault:
    abort:
      httpStatus: 500
      percentage: {value: 100}
  route:
  - destination: {host: ratings, subset: v1}
- route:
  - destination: {host: ratings, subset: v1}
""", host="ratings"), DESTINATION_RULES))
    from_v2 = routes(resources, outbound_name("reviews-v2", "ratings", 9080))
    from_v3 = routes(resources, outbound_name("reviews-v3", "ratings", 9080))
    assert len(from_v2) == 2 and "typed_per_filter_config" in from_v2[0]
    assert len(from_v3) == 1 and "typed_per_filter_config" not in from_v3[0]
    assert from_v3[0]["route"]["cluster"] == ratings_cluster("v1")


def test_fault_delay_and_abort_with_percentages():
    resources = build(inputs(vs("""
- match:
  - headers: {end-user: {exact: jason}}
  fault:
    delay:
      fixedDelay: 7s
      percentage: {value: 100}
    abort:
      httpStatus: 500
      percentage: {value: 12.5}
  route:
  - destination: {host: ratings, subset: v1}
""", host="ratings"), DESTINATION_RULES))
    [route] = routes(resources, outbound_name("reviews-v2", "ratings", 9080))
    fault = route["typed_per_filter_config"]["envoy.filters.http.fault"]
    assert fault["@type"].endswith("fault.v3.HTTPFault")
    assert fault["delay"] == {"fixed_delay": "7s", "percentage": {"numerator": 1000000, "denominator": "MILLION"}}
    assert fault["abort"] == {"http_status": 500, "percentage": {"numerator": 125000, "denominator": "MILLION"}}


def test_fault_without_percentage_applies_to_every_request():
    resources = build(inputs(vs("""
- fault:
    abort: {httpStatus: 555}
  route:
  - destination: {host: details}
""", host="details")))
    [route] = routes(resources, outbound_name("productpage-v1", "details", 9080))
    assert route["typed_per_filter_config"]["envoy.filters.http.fault"]["abort"]["percentage"]["numerator"] == 1000000


def test_timeout_and_retries():
    resources = build(inputs(vs("""
- timeout: 0.5s
  retries:
    attempts: 3
    perTryTimeout: 200ms
    retryOn: gateway-error,connect-failure,500
  route:
  - destination: {host: reviews, subset: v2}
"""), DESTINATION_RULES))
    [route] = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert route["route"]["timeout"] == "0.5s"
    retry = route["route"]["retry_policy"]
    assert retry["num_retries"] == 3
    assert retry["per_try_timeout"] == "0.2s"
    assert retry["retry_on"] == "gateway-error,connect-failure,retriable-status-codes"
    assert retry["retriable_status_codes"] == [500]


def test_zero_attempts_turns_retries_off():
    resources = build(inputs(vs("""
- retries: {attempts: 0}
  route:
  - destination: {host: reviews}
""")))
    [route] = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert "retry_policy" not in route["route"]


def test_uri_query_method_and_regex_matches():
    resources = build(inputs(vs("""
- match:
  - uri: {regex: '/reviews/[0-9]+'}
    method: {exact: GET}
    queryParams:
      debug: {exact: "1"}
    withoutHeaders:
      x-skip: {}
    ignoreUriCase: true
  route:
  - destination: {host: reviews}
- match:
  - uri: {prefix: /health}
  - uri: {exact: /metrics}
  route:
  - destination: {host: reviews}
""")))
    first, health, metrics = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert first["match"] == {
        "safe_regex": {"regex": "/reviews/[0-9]+"}, "case_sensitive": False,
        "headers": [{"name": "x-skip", "present_match": True, "invert_match": True},
                    {"name": ":method", "string_match": {"exact": "GET"}}],
        "query_parameters": [{"name": "debug", "string_match": {"exact": "1"}}]}
    assert health["match"] == {"prefix": "/health"} and metrics["match"] == {"path": "/metrics"}
    assert health["route"] == metrics["route"]


def test_mirror_rewrite_and_header_edits():
    resources = build(inputs(vs("""
- headers:
    request:
      set: {x-set: one}
      add: {x-add: two}
      remove: [x-gone]
    response:
      set: {x-resp: three}
  rewrite: {uri: /v2/, authority: reviews.internal}
  mirror: {host: reviews, subset: v3}
  mirrorPercentage: {value: 25}
  route:
  - destination: {host: reviews, subset: v1}
    headers:
      request:
        set: {x-destination: v1}
"""), DESTINATION_RULES))
    [route] = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert route["request_headers_to_add"] == [
        {"header": {"key": "x-set", "value": "one"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"},
        {"header": {"key": "x-add", "value": "two"}, "append_action": "APPEND_IF_EXISTS_OR_ADD"},
        {"header": {"key": "x-destination", "value": "v1"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}]
    assert route["request_headers_to_remove"] == ["x-gone"]
    assert route["response_headers_to_add"][0]["header"] == {"key": "x-resp", "value": "three"}
    action = route["route"]
    assert action["prefix_rewrite"] == "/v2/" and action["host_rewrite_literal"] == "reviews.internal"
    assert action["request_mirror_policies"] == [{"cluster": reviews_cluster("v3"), "runtime_fraction": {
        "default_value": {"numerator": 250000, "denominator": "MILLION"}}}]


def test_weighted_destinations_keep_their_own_header_edits():
    resources = build(inputs(vs("""
- route:
  - destination: {host: reviews, subset: v1}
    weight: 90
    headers: {response: {set: {x-version: v1}}}
  - destination: {host: reviews, subset: v2}
    weight: 10
"""), DESTINATION_RULES))
    [route] = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    first, second = route["route"]["weighted_clusters"]["clusters"]
    assert first["response_headers_to_add"][0]["header"] == {"key": "x-version", "value": "v1"}
    assert "response_headers_to_add" not in second


def test_direct_response():
    resources = build(inputs(vs("""
- directResponse:
    status: 418
    body: {string: teapot}
""")))
    [route] = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert route["direct_response"] == {"status": 418, "body": {"inline_string": "teapot"}}


def test_gateway_bound_virtual_service_does_not_apply_in_the_mesh():
    resources = build(inputs("""
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-edge}
spec:
  hosts: [reviews]
  gateways: [gw]
  http:
  - route:
    - destination: {host: reviews, subset: v3}
""", DESTINATION_RULES))
    [mesh_route] = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert mesh_route["route"]["cluster"] == reviews_cluster()
    [edge_route] = routes(resources, "gateway", host="reviews")
    assert edge_route["route"]["cluster"] == reviews_cluster("v3")


def test_oldest_virtual_service_for_a_host_wins():
    first = vs("""
- route:
  - destination: {host: reviews, subset: v1}
""")
    second = first.replace("subset: v1", "subset: v2").replace("name: reviews", "name: reviews-2")
    [route] = routes(build(inputs(first, second, DESTINATION_RULES)), PRODUCTPAGE_TO_REVIEWS)
    assert route["route"]["cluster"] == reviews_cluster("v1")


def test_rules_that_apply_to_no_one_leave_the_default_route():
    resources = build(inputs(vs("""
- match:
  - sourceLabels: {app: nobody}
  route:
  - destination: {host: reviews, subset: v2}
"""), DESTINATION_RULES))
    [route] = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert route["route"]["cluster"] == reviews_cluster()


def test_rule_with_nothing_to_route_to_answers_500():
    resources = build(inputs(vs("""
- route:
  - destination: {host: reviews, subset: v1}
    weight: 0
  - destination: {host: reviews, subset: v3}
    weight: 0
"""), DESTINATION_RULES))
    [route] = routes(resources, PRODUCTPAGE_TO_REVIEWS)
    assert route["direct_response"] == {"status": 500} and "route" not in route
