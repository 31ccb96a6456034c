"""unsupported_fields: what the local mesh would otherwise ignore is named, never dropped."""
from pathlib import Path

import pytest

from bookinfo.mesh.support import refusals, unsupported_fields

from .builders import DESTINATION_RULES, objects
from .test_clusters import GOOGLE_APIS, POLICIES
from .test_gateway_api_routes import BOOKINFO_GATEWAY, ROUTE_REVIEWS_50_V3
from .test_istio_routes import REVIEWS_TEST_V2

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("text", [DESTINATION_RULES, GOOGLE_APIS, POLICIES, BOOKINFO_GATEWAY, ROUTE_REVIEWS_50_V3,
                                  REVIEWS_TEST_V2, (REPO / "networking" / "bookinfo-gateway.yaml").read_text()])
def test_everything_the_translation_reads_is_supported(text):
    for obj in objects(text):
        assert unsupported_fields(obj) == [], obj["metadata"]["name"]


def test_manifests_in_the_repository_are_supported():
    files = [p for d in ("networking", "gateway-api") for p in sorted((REPO / d).glob("*.yaml"))]
    refused = {}
    for path in files:
        for obj in objects(path.read_text()):
            if obj.get("kind") in {"VirtualService", "DestinationRule", "Gateway", "ServiceEntry", "HTTPRoute"}:
                fields = unsupported_fields(obj)
                if fields:
                    refused[f"{path.name}/{obj['metadata']['name']}"] = fields
    assert refused == {}


def test_unimplemented_fields_are_named_with_their_index():
    obj = objects("""
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
  - corsPolicy: {allowOrigins: [{exact: x}]}
    fault: {abort: {grpcStatus: UNAVAILABLE}}
    route: [{destination: {host: reviews}}]
  tcp:
  - route: [{destination: {host: reviews}}]
""")[0]
    assert unsupported_fields(obj) == ["spec.http[1].corsPolicy", "spec.http[1].fault.abort.grpcStatus", "spec.tcp"]


def test_values_implemented_only_in_part_are_named_with_the_value():
    dr, gateway, route = objects("""
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: r}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: PASSTHROUGH}
    tls: {mode: MUTUAL, clientCertificate: /c.pem}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: g}
spec:
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: h}
spec:
  parentRefs: [{name: g}]
  rules:
  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]
""")
    assert unsupported_fields(dr) == ["spec.trafficPolicy.loadBalancer.simple=PASSTHROUGH",
                                      "spec.trafficPolicy.tls.mode=MUTUAL", "spec.trafficPolicy.tls.clientCertificate"]
    assert unsupported_fields(gateway) == ["spec.servers[0].port.protocol=HTTPS", "spec.servers[0].tls"]
    assert unsupported_fields(route) == ["spec.rules[0].filters[0].type=RequestRedirect",
                                         "spec.rules[0].filters[0].requestRedirect"]


def test_kinds_the_mesh_does_not_translate_are_reported():
    sidecar = {"apiVersion": "networking.istio.io/v1", "kind": "Sidecar", "spec": {}}
    assert unsupported_fields(sidecar) == ["kind"]


SECURITY_OBJECTS = """
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ratings}
spec:
  selector: {matchLabels: {app: ratings}}
  mtls: {mode: STRICT}
  portLevelMtls: {"9080": {mode: PERMISSIVE}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: reviews-viewer}
spec:
  targetRefs: [{kind: Service, group: "", name: reviews}]
  action: ALLOW
  rules:
  - from: [{source: {principals: [cluster.local/ns/default/sa/bookinfo-productpage], notNamespaces: [x],
                     requestPrincipals: ["*"], ipBlocks: [127.0.0.1]}}]
    to: [{operation: {methods: [GET], notPaths: [/admin*], ports: ["9080"], hosts: [reviews]}}]
    when:
    - {key: "request.headers[x-user]", values: [jason]}
    - {key: "request.auth.claims[groups]", notValues: [guests]}
    - {key: source.principal, values: ["*"]}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt}
spec:
  selector: {matchLabels: {app: productpage}}
  jwtRules:
  - issuer: testing@secure.istio.io
    jwksUri: http://127.0.0.1:8080/jwks.json
    fromHeaders: [{name: x-jwt, prefix: "Bearer "}]
    outputPayloadToHeader: x-payload
    forwardOriginalToken: true
  - {issuer: other, jwks: '{"keys": []}', outputClaimToHeaders: [{header: x-sub, claim: sub}]}
---
apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: parity, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  phase: AUTHN
  priority: 10
  match: [{mode: CLIENT, ports: [{number: 8080}]}]
  lua: {inlineCode: "function envoy_on_request(h) end"}
"""


def test_the_security_kinds_fields_the_translation_reads_are_supported():
    for obj in objects(SECURITY_OBJECTS):
        assert (unsupported_fields(obj), refusals(obj)) == ([], []), obj["metadata"]["name"]


def test_security_fields_and_values_not_implemented_are_named():
    policy, authentication = objects("""
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p}
spec:
  targetRefs: [{kind: GatewayClass, name: istio}]
  rules:
  - from: [{source: {trustDomains: [cluster.local]}}]
    when: [{key: destination.ip, values: [10.0.0.1]}, {key: experimental.envoy.filters.a, values: [b]}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: r}
spec:
  jwtRules: [{issuer: x, jwksUri: "https://www.googleapis.com/oauth2/v3/certs"}]
""")
    assert unsupported_fields(policy) == ["spec.targetRefs[0].kind=GatewayClass",
                                          "spec.rules[0].from[0].source.trustDomains",
                                          "spec.rules[0].when[0].key=destination.ip",
                                          "spec.rules[0].when[1].key=experimental.envoy.filters.a"]
    assert unsupported_fields(authentication) == [
        "spec.jwtRules[0].jwksUri=https://www.googleapis.com/oauth2/v3/certs"]


def test_what_cannot_run_here_is_refused_in_one_line_each():
    custom, discovery, wasm, lua_wasm = objects("""
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext-authz}
spec: {action: CUSTOM, provider: {name: my-authz}, rules: [{}]}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: r}
spec: {jwtRules: [{issuer: "https://accounts.example.com"}]}
---
apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: basic-auth, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  url: oci://ghcr.io/istio-ecosystem/wasm-extensions/basic_auth:1.12.0
  phase: AUTHN
  pluginConfig: {basic_auth_rules: []}
---
apiVersion: extensions.istio.io/v1alpha1
kind: TrafficExtension
metadata: {name: w}
spec: {wasm: {url: "file:///opt/filter.wasm"}}
""")
    assert refusals(custom) == ["action CUSTOM needs an external authorizer (an extension provider of the mesh "
                                "config), which the local mesh does not have"]
    assert len(refusals(discovery)) == 1 and "OpenID discovery" in refusals(discovery)[0]
    assert refusals(wasm) == ["the Wasm module 'oci://ghcr.io/istio-ecosystem/wasm-extensions/basic_auth:1.12.0' "
                              "cannot be fetched: no registry or remote URL is reachable from the local runner"]
    assert refusals(lua_wasm) == ["the Wasm module 'file:///opt/filter.wasm' cannot run: the local Envoy has no "
                                  "Wasm runtime (TrafficExtension's lua can)"]


def test_envoy_filters_the_patch_engine_implements_and_what_it_refuses():
    filters = objects((REPO / "policy" / "productpage_envoy_ratelimit.yaml").read_text())
    assert [refusals(f) for f in filters] == [
        ["configPatches[0]: the global rate limit filter (envoy.filters.http.ratelimit) needs the "
         "envoyproxy/ratelimit service, which does not run here; the local rate limit "
         "(envoy.filters.http.local_ratelimit) does"], []]
    assert [unsupported_fields(f) for f in filters] == [[], []]
    [ignored] = objects("""
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: e}
spec:
  configPatches:
  - applyTo: ROUTE_CONFIGURATION
    match: {context: SIDECAR_INBOUND, proxy: {proxyVersion: '^1\\\\.30.*'}}
    patch: {operation: ADD, filterClass: AUTHZ, value: {}}
  - applyTo: LISTENER_FILTER
    patch: {operation: ADD, value: {}}
""")
    assert refusals(ignored) == ["configPatches[0]: operation ADD has no effect on ROUTE_CONFIGURATION "
                                 "(it takes MERGE)"]
    assert unsupported_fields(ignored) == ["spec.configPatches[0].match.proxy",
                                           "spec.configPatches[0].patch.filterClass",
                                           "spec.configPatches[1].applyTo=LISTENER_FILTER"]
