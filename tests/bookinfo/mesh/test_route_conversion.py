"""VirtualService and HTTPRoute -> the one internal route model (before any Envoy JSON)."""
from dataclasses import replace

import yaml

from bookinfo.mesh.gateway_api_routes import WHOLE_PATH, gateway_key, http_route_table
from bookinfo.mesh.istio_routes import virtual_service_table
from bookinfo.mesh.registry import Registry
from bookinfo.mesh.route_model import (MESH, PRESENT, Caller, Destination, DirectResponse, Fault, HeaderEdits,
                                       HeaderMatch, HeaderOperations, Match, Mirror, PathMatch, QueryMatch,
                                       RegexRewrite, Retries, Rewrite, RouteRule, StringMatch,
                                       WeightedDestination)

from .builders import inputs

REVIEWS = "reviews.default.svc.cluster.local"
RATINGS = "ratings.default.svc.cluster.local"


def registry() -> Registry:
    return Registry(inputs())


def virtual_service(text: str):
    return virtual_service_table(yaml.safe_load(text), 3, registry())


def http_route(text: str):
    return http_route_table(yaml.safe_load(text), 5, registry())


def test_virtual_service_rule_with_every_action():
    table = virtual_service("""
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  gateways: [mesh, edge]
  http:
  - name: canary
    match:
    - uri: {prefix: /reviews}
      ignoreUriCase: true
      headers: {End-User: {exact: jason}}
      withoutHeaders: {x-skip: {}}
      method: {exact: GET}
      queryParams: {debug: {exact: ""}, v: {regex: "[0-9]"}}
      sourceLabels: {app: productpage}
      port: 9080
    - gateways: [edge]
    headers:
      request: {set: {x-set: 1}, add: {x-add: two}, remove: [x-gone]}
    route:
    - destination: {host: reviews, subset: v1}
      weight: 90
      headers: {response: {set: {x-version: v1}}}
    - destination: {host: reviews, subset: v2, port: {number: 9080}}
      weight: 10
    timeout: 2s
    retries: {attempts: 4, perTryTimeout: 500ms, retryOn: "gateway-error,503"}
    mirror: {host: ratings}
    mirrorPercentage: {value: 12.5}
    rewrite: {uri: /v2, authority: reviews.internal}
    fault:
      delay: {fixedDelay: 1s, percent: 30}
      abort: {httpStatus: 418}
""")
    assert (table.order, table.parents, table.hostnames, table.services, table.merged) == (
        3, ("default/edge", MESH), ("reviews",), ((REVIEWS, None),), False)
    [rule] = table.rules
    assert rule == RouteRule(
        name="reviews.canary",
        matches=(Match(path=PathMatch("prefix", "/reviews"), ignore_case=True,
                       headers=(HeaderMatch("End-User", StringMatch("exact", "jason")),
                                HeaderMatch("x-skip", PRESENT, invert=True)),
                       method=StringMatch("exact", "GET"),
                       query_params=(QueryMatch("debug", PRESENT), QueryMatch("v", StringMatch("regex", "[0-9]"))),
                       source_labels=(("app", "productpage"),), gateways=frozenset({MESH, "default/edge"}),
                       port=9080),
                 Match(gateways=frozenset({"default/edge"}))),
        destinations=(WeightedDestination(Destination(REVIEWS, None, "v1"), 90,
                                          HeaderEdits(response=HeaderOperations(set=(("x-version", "v1"),)))),
                      WeightedDestination(Destination(REVIEWS, 9080, "v2"), 10)),
        headers=HeaderEdits(request=HeaderOperations(set=(("x-set", "1"),), add=(("x-add", "two"),),
                                                     remove=("x-gone",))),
        rewrite=Rewrite(prefix="/v2", host="reviews.internal"),
        mirrors=(Mirror(Destination(RATINGS), 12.5),),
        timeout="2s",
        retries=Retries(attempts=4, retry_on=("gateway-error", "retriable-status-codes"), status_codes=(503,),
                        per_try_timeout="500ms"),
        fault=Fault(delay="1s", delay_percent=30.0, abort_status=418, abort_percent=100.0))


def test_virtual_service_defaults_direct_response_and_retries_off():
    table = virtual_service("""
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - directResponse: {status: 503, body: {string: closed}}
  - retries: {attempts: 0}
    rewrite: {uriRegexRewrite: {match: ^/old, rewrite: /new}}
    mirrors: [{destination: {host: ratings}}]
    route: [{destination: {host: reviews}}]
""")
    assert table.parents == (MESH,)
    closed, plain = table.rules
    assert closed == RouteRule(name="reviews.0", matches=(Match(gateways=frozenset({MESH})),),
                               direct_response=DirectResponse(503, "closed"))
    assert plain.destinations == (WeightedDestination(Destination(REVIEWS), 100),)
    assert plain.retries is None
    assert plain.rewrite == Rewrite(path_regex=RegexRewrite("^/old", "/new"))
    assert plain.mirrors == (Mirror(Destination(RATINGS), 100.0),)  # Istio: no percentage is every request


def test_http_route_splits_each_match_into_a_rule_with_its_precedence():
    table = http_route("""
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews}
spec:
  hostnames: [bookinfo.example.com]
  parentRefs:
  - {kind: Service, group: "", name: reviews, port: 9080}
  - {name: edge}
  - {name: edge, sectionName: http}
  rules:
  - matches:
    - path: {type: PathPrefix, value: /reviews}
      headers: [{name: End-User, value: jason}]
      method: GET
    - path: {type: Exact, value: /reviews/0}
      queryParams: [{name: v, type: RegularExpression, value: "[0-9]"}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {set: [{name: x-set, value: a}], add: [{name: x-add, value: b}], remove: [x-gone]}
    - type: ResponseHeaderModifier
      responseHeaderModifier: {remove: [server]}
    - type: URLRewrite
      urlRewrite: {hostname: reviews.internal, path: {type: ReplaceFullPath, replaceFullPath: /all}}
    - type: RequestMirror
      requestMirror: {backendRef: {name: ratings, port: 9080}, fraction: {numerator: 1, denominator: 4}}
    backendRefs:
    - name: reviews
      port: 9080
      weight: 3
      filters:
      - type: ResponseHeaderModifier
        responseHeaderModifier: {set: [{name: x-version, value: all}]}
    - {name: ratings, namespace: default, port: 9080}
    timeouts: {request: 2s, backendRequest: 1s}
""")
    assert (table.order, table.parents, table.hostnames, table.services, table.merged) == (
        5, (MESH, gateway_key("default", "edge")), ("bookinfo.example.com",), ((REVIEWS, 9080),), True)
    by_prefix, exact = table.rules
    actions = dict(
        destinations=(WeightedDestination(Destination(REVIEWS, 9080), 3,
                                          HeaderEdits(response=HeaderOperations(set=(("x-version", "all"),)))),
                      WeightedDestination(Destination(RATINGS, 9080), 1)),
        headers=HeaderEdits(request=HeaderOperations(set=(("x-set", "a"),), add=(("x-add", "b"),),
                                                     remove=("x-gone",)),
                            response=HeaderOperations(remove=("server",))),
        rewrite=Rewrite(path_regex=RegexRewrite(WHOLE_PATH, "/all"), host="reviews.internal"),
        mirrors=(Mirror(Destination(RATINGS, 9080), 25.0),),
        timeout="2s", retries=Retries(per_try_timeout="1s"))
    assert by_prefix == RouteRule(
        name="reviews.0.0", precedence=(1, -8, 0, -1, 0, 5, 0, 0),
        matches=(Match(path=PathMatch("prefix", "/reviews", whole_segments=True),
                       headers=(HeaderMatch("End-User", StringMatch("exact", "jason")),),
                       method=StringMatch("exact", "GET")),), **actions)
    assert exact == RouteRule(
        name="reviews.0.1", precedence=(0, 0, 1, 0, -1, 5, 0, 1),
        matches=(Match(path=PathMatch("exact", "/reviews/0", whole_segments=False),
                       query_params=(QueryMatch("v", StringMatch("regex", "[0-9]")),)),), **actions)


def test_http_route_defaults_are_istios_route_defaults():
    table = http_route("""
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews}
spec:
  parentRefs: [{name: edge}]
  rules:
  - backendRefs: [{name: reviews, port: 9080}]
  - {}
""")
    assert table.parents == (gateway_key("default", "edge"),) and table.hostnames == ("*",)
    assert table.services == () and not table.routes_service(REVIEWS, 9080)
    forward, empty = table.rules
    assert forward.matches == (Match(path=PathMatch("prefix", "/", whole_segments=True)),)
    assert (forward.timeout, forward.retries, forward.mirrors, forward.rewrite) == (None, Retries(), (), Rewrite())
    assert empty.destinations == ()  # envoy_routes answers 500 for it


def test_the_same_routing_written_in_both_apis_is_the_same_rule():
    """Rewrite, header edits, mirror, weights and timeouts mean the same thing in both APIs."""
    [istio] = virtual_service("""
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - match: [{uri: {exact: /reviews/0}, headers: {end-user: {exact: jason}}}]
    headers: {request: {set: {x-a: "1"}}, response: {remove: [x-b]}}
    rewrite: {uri: /v2, authority: reviews.internal}
    mirror: {host: ratings, port: {number: 9080}}
    mirrorPercentage: {value: 10}
    timeout: 3s
    retries: {perTryTimeout: 1s}
    route:
    - {destination: {host: reviews, port: {number: 9080}}, weight: 80}
    - {destination: {host: ratings, port: {number: 9080}}, weight: 20}
""").rules
    [gateway_api] = http_route("""
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews}
spec:
  parentRefs: [{kind: Service, group: "", name: reviews}]
  rules:
  - matches: [{path: {type: Exact, value: /reviews/0}, headers: [{name: end-user, value: jason}]}]
    filters:
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-a, value: "1"}]}}
    - {type: ResponseHeaderModifier, responseHeaderModifier: {remove: [x-b]}}
    - type: URLRewrite
      urlRewrite: {hostname: reviews.internal, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}
    - {type: RequestMirror, requestMirror: {backendRef: {name: ratings, port: 9080}, percent: 10}}
    timeouts: {request: 3s, backendRequest: 1s}
    backendRefs: [{name: reviews, port: 9080, weight: 80}, {name: ratings, port: 9080, weight: 20}]
""").rules
    [istio_match], [gateway_api_match] = istio.matches, gateway_api.matches
    assert replace(istio_match, gateways=None) == gateway_api_match
    assert replace(istio, name="r", matches=(), precedence=()) == replace(gateway_api, name="r", matches=(),
                                                                          precedence=())


def test_match_conditions_are_decided_per_caller():
    match = Match(source_labels=(("app", "reviews"), ("version", "v2")), gateways=frozenset({MESH}), port=9080)
    reviews_v2 = {"app": "reviews", "version": "v2"}
    assert match.applies_to(Caller(reviews_v2, frozenset({MESH}), frozenset({9080})))
    assert not match.applies_to(Caller({"app": "reviews", "version": "v3"}, frozenset({MESH}), frozenset({9080})))
    assert not match.applies_to(Caller(reviews_v2, frozenset({"default/edge"}), frozenset({9080})))
    assert not match.applies_to(Caller(reviews_v2, frozenset({MESH}), frozenset({8080})))
    assert Match().applies_to(Caller({}, frozenset({"default/edge"}), frozenset()))
