"""AuthorizationPolicy and RequestAuthentication: objects in -> the filters each proxy runs.

What the filters do to requests is checked through a real Envoy in test_live_security;
here, which proxies get which filters, in which order, and how Istio's values translate.
"""
from bookinfo.mesh.authorization import rbac_filters
from bookinfo.mesh.istio_metrics import METADATA_EXCHANGE
from bookinfo.mesh.translate import GATEWAY_LISTENER, build

from .builders import inputs, listener, objects

RBAC = "envoy.filters.http.rbac"


def policy(name: str, spec: str, namespace: str = "default", kind: str = "AuthorizationPolicy") -> str:
    return (f"apiVersion: security.istio.io/v1\nkind: {kind}\n"
            f"metadata: {{name: {name}, namespace: {namespace}}}\nspec:\n{spec}\n---\n")


def http_filters(resources, name: str) -> list[dict]:
    chain = listener(resources, name)["filter_chains"][0]
    return chain["filters"][0]["typed_config"]["http_filters"]


def filter_names(resources, name: str) -> list[str]:
    return [f["name"] for f in http_filters(resources, name)]


def rules_of(resources, name: str) -> list[tuple[str, dict]]:
    return [(f["typed_config"]["rules"].get("action", "ALLOW"), f["typed_config"]["rules"]["policies"])
            for f in http_filters(resources, name) if f["name"] == RBAC]


def test_namespace_policies_select_its_workloads_and_not_the_gateway():
    resources = build(inputs(policy("allow-nothing", "  {}"), sidecars=True))
    assert rules_of(resources, "inbound|reviews-v1|9080") == [("ALLOW", {})]
    tcp = listener(resources, "inbound|mongodb-v1|27017")["filter_chains"][0]["filters"]
    assert [f["name"] for f in tcp] == ["envoy.filters.network.rbac", "envoy.filters.network.tcp_proxy"]
    assert filter_names(resources, GATEWAY_LISTENER) == ["envoy.filters.http.fault", "envoy.filters.http.router"]
    outbound = [x for x in resources.listeners if x["name"].startswith("outbound|")]
    assert all(RBAC not in str(x) for x in outbound)


def test_selectors_target_refs_and_the_root_namespace():
    documents = (policy("pp", "  selector: {matchLabels: {app: productpage}}\n  rules: [{}]")
                 + policy("reviews", "  targetRefs: [{kind: Service, group: '', name: reviews}]\n  rules: [{}]")
                 + policy("mesh", "  action: DENY\n  rules: [{to: [{operation: {paths: [/x]}}]}]",
                          namespace="istio-system"))
    resources = build(inputs(documents, sidecars=True))
    assert [action for action, _ in rules_of(resources, "inbound|productpage-v1|9080")] == ["DENY", "ALLOW"]
    assert list(rules_of(resources, "inbound|reviews-v2|9080")[1][1]) == ["ns[default]-policy[reviews]-rule[0]"]
    assert [action for action, _ in rules_of(resources, "inbound|details-v1|9080")] == ["DENY"]
    assert [action for action, _ in rules_of(resources, GATEWAY_LISTENER)] == ["DENY"]


def test_audit_deny_allow_order_and_an_allow_rule_without_conditions():
    [audit, deny, allow] = rbac_filters(objects(
        policy("a", "  rules: [{}]") + policy("d", "  action: DENY\n  rules: [{}]")
        + policy("l", "  action: AUDIT\n  rules: [{}]")), [9080])
    assert [f["typed_config"]["rules"]["action"] for f in (audit, deny, allow)] == ["LOG", "DENY", "ALLOW"]
    assert allow["typed_config"]["rules"]["policies"] == {
        "ns[default]-policy[a]-rule[0]": {"permissions": [{"any": True}], "principals": [{"any": True}]}}


def test_istio_values_become_envoy_matchers():
    [allow] = rbac_filters(objects(policy("p", """  rules:
  - from:
    - source:
        principals: [cluster.local/ns/default/sa/bookinfo-productpage, '*/sa/bookinfo-reviews']
        namespaces: ['test-*']
        ipBlocks: [10.0.0.0/8]
    to:
    - operation: {methods: [GET], notPaths: ['/admin*'], ports: ['9080', '8000']}
    when:
    - {key: 'request.headers[X-Version]', values: [v1]}""")), [9080])
    rule = allow["typed_config"]["rules"]["policies"]["ns[default]-policy[p]-rule[0]"]
    assert rule["permissions"] == [{"and_rules": {"rules": [
        {"and_rules": {"rules": [
            {"header": {"name": ":method", "string_match": {"exact": "GET"}}},
            {"not_rule": {"url_path": {"path": {"prefix": "/admin"}}}},
            {"or_rules": {"rules": [{"any": True}, {"not_rule": {"any": True}}]}}]}},
        {"header": {"name": "x-version", "string_match": {"exact": "v1"}}}]}}]
    assert rule["principals"] == [{"and_ids": {"ids": [
        {"or_ids": {"ids": [
            {"authenticated": {"principal_name": {"exact": "spiffe://cluster.local/ns/default/sa/bookinfo-productpage"}}},
            {"authenticated": {"principal_name": {"suffix": "/sa/bookinfo-reviews"}}}]}},
        {"authenticated": {"principal_name": {"safe_regex": {"regex": ".*/ns/test\\-[^/]*/.*"}}}},
        {"direct_remote_ip": {"address_prefix": "10.0.0.0", "prefix_len": 8}}]}}]


def test_a_request_principal_is_matched_on_issuer_and_subject():
    [allow] = rbac_filters(objects(policy("p", "  rules: [{from: [{source: {requestPrincipals: [a/b/c]}}]}]")), [9080])
    [principal] = allow["typed_config"]["rules"]["policies"]["ns[default]-policy[p]-rule[0]"]["principals"]

    def pair(iss, sub):
        return {"and_ids": {"ids": [
            {"metadata": {"filter": "envoy.filters.http.jwt_authn", "path": [{"key": "payload"}, {"key": "iss"}],
                          "value": {"string_match": {"exact": iss}}}},
            {"metadata": {"filter": "envoy.filters.http.jwt_authn", "path": [{"key": "payload"}, {"key": "sub"}],
                          "value": {"string_match": {"exact": sub}}}}]}}

    assert principal == {"or_ids": {"ids": [pair("a", "b/c"), pair("a/b", "c")]}}


def test_tcp_workloads_drop_http_rules_from_allow_and_http_fields_from_deny():
    [deny, allow] = rbac_filters(objects(
        policy("a", "  rules:\n  - to: [{operation: {methods: [GET]}}]\n  - from: [{source: {namespaces: [default]}}]")
        + policy("d", "  action: DENY\n  rules: [{to: [{operation: {paths: [/x], ports: ['27017']}}]}]")),
        [27017], http=False)
    assert list(allow["typed_config"]["rules"]["policies"]) == ["ns[default]-policy[a]-rule[1]"]
    assert deny["typed_config"]["rules"]["policies"]["ns[default]-policy[d]-rule[0]"]["permissions"] == [{"any": True}]


def test_request_authentication_puts_the_jwt_filter_before_authorization():
    documents = (policy("jwt", "  selector: {matchLabels: {app: reviews}}\n  jwtRules:\n"
                               "  - {issuer: me, jwksUri: 'http://127.0.0.1:8181/jwks', fromHeaders: [{name: x-jwt,"
                               " prefix: 'Token '}]}", kind="RequestAuthentication")
                 + policy("need", "  selector: {matchLabels: {app: reviews}}\n"
                                  "  rules: [{from: [{source: {requestPrincipals: ['*']}}]}]"))
    resources = build(inputs(documents, sidecars=True))
    assert filter_names(resources, "inbound|reviews-v1|9080") == [
        METADATA_EXCHANGE, "envoy.filters.http.jwt_authn", RBAC, "envoy.filters.http.router"]
    jwt = http_filters(resources, "inbound|reviews-v1|9080")[1]["typed_config"]
    [(name, provider)] = jwt["providers"].items()
    assert provider["remote_jwks"]["http_uri"]["cluster"] == "jwks|127.0.0.1|8181"
    assert provider["from_headers"] == [{"name": "x-jwt", "value_prefix": "Token "}]
    assert jwt["rules"][0]["requires"]["requires_any"]["requirements"] == [{"provider_name": name},
                                                                           {"allow_missing": {}}]
    assert any(c["name"] == "jwks|127.0.0.1|8181" for c in resources.clusters)
    assert "jwt_authn" not in str(listener(resources, "inbound|details-v1|9080"))


def test_a_gateway_api_gateway_is_targeted_by_name():
    gateway = ("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: bookinfo-gateway}\n"
               "spec: {gatewayClassName: istio, listeners: [{name: http, port: 80, protocol: HTTP}]}\n---\n")
    targeted = policy("edge", "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, "
                              "name: bookinfo-gateway}]\n  action: DENY\n  rules: [{}]")
    assert [a for a, _ in rules_of(build(inputs(gateway + targeted, sidecars=True)), GATEWAY_LISTENER)] == ["DENY"]
    assert rules_of(build(inputs(targeted, sidecars=True)), GATEWAY_LISTENER) == []  # no such Gateway
    assert rules_of(build(inputs(gateway + targeted, sidecars=True)), "inbound|productpage-v1|9080") == []


def test_extensions_run_in_their_phase_by_priority_where_their_match_applies():
    def lua(name: str, spec: str) -> str:
        return (f"apiVersion: extensions.istio.io/v1alpha1\nkind: TrafficExtension\nmetadata: {{name: {name}}}\n"
                f"spec:\n  selector: {{matchLabels: {{app: reviews}}}}\n{spec}\n"
                "  lua: {inlineCode: 'function envoy_on_request(h) end'}\n---\n")

    documents = (lua("stats", "  phase: STATS") + lua("last", "  priority: 5")
                 + lua("low", "  phase: AUTHN\n  priority: 1") + lua("high", "  phase: AUTHN\n  priority: 9")
                 + lua("client", "  match: [{mode: CLIENT}]")
                 + policy("deny", "  selector: {matchLabels: {app: reviews}}\n  action: DENY\n  rules: [{}]"))
    resources = build(inputs(documents, sidecars=True))
    prefix = "extensions.istio.io/trafficextension/default."
    assert filter_names(resources, "inbound|reviews-v1|9080") == [
        METADATA_EXCHANGE, prefix + "high", prefix + "low", RBAC, prefix + "stats", prefix + "last", "envoy.filters.http.router"]
    outbound = filter_names(resources, "outbound|reviews-v1|ratings|9080")
    assert outbound == [prefix + "high", prefix + "low", prefix + "stats", "envoy.filters.http.fault",
                        prefix + "last", prefix + "client", "envoy.filters.http.router"]
