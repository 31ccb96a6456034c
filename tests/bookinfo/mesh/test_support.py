"""unsupported_fields: what the local mesh would otherwise ignore is named, never dropped."""
from pathlib import Path

import pytest

from bookinfo.mesh.support import unsupported_fields

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
    policy = {"apiVersion": "telemetry.istio.io/v1", "kind": "Telemetry", "spec": {}}
    assert unsupported_fields(policy) == ["kind"]
