"""Each file holds upstream's objects in upstream's order.

The istio.io test scripts compare `kubectl apply` output line by line (e.g. all-v1 must
print productpage, reviews, ratings, details in that order), and kubectl prints objects
in file order. The table is upstream's samples/bookinfo at the commit named in
docs/upstream-behaviour.md#where-these-facts-come-from; the three gateway-api files
upstream has no file for hold what the tasks apply inline.
"""
from __future__ import annotations

import pytest

from .manifests import REPO, manifest_files, objects_in

SVC, SA, DEPLOY = "Service", "ServiceAccount", "Deployment"
VS, DR, GW = "VirtualService", "DestinationRule", "Gateway"
ROUTE = "HTTPRoute"


def _app(app: str, *versions: str, account: bool = True) -> list[tuple[str, str]]:
    """Upstream's per-service block: Service, ServiceAccount, then one Deployment per version."""
    return [(SVC, app), *([(SA, f"bookinfo-{app}")] if account else []),
            *[(DEPLOY, f"{app}-{v}") for v in versions]]


BOOKINFO = [*_app("details", "v1"), *_app("ratings", "v1"), *_app("reviews", "v1", "v2", "v3"),
            *_app("productpage", "v1")]
ALL_SERVICES = ["productpage", "reviews", "ratings", "details"]

EXPECTED: dict[str, list[tuple[str, str]]] = {
    "platform/kube/bookinfo.yaml": BOOKINFO,
    "platform/kube/bookinfo-psa.yaml": BOOKINFO,
    "platform/kube/bookinfo-dualstack.yaml": BOOKINFO,
    "platform/kube/bookinfo-details.yaml": _app("details", "v1", account=False),
    "platform/kube/bookinfo-details-dualstack.yaml": _app("details", "v1", account=False),
    "platform/kube/bookinfo-details-v2.yaml": [(DEPLOY, "details-v2")],
    "platform/kube/bookinfo-ratings.yaml": _app("ratings", "v1", account=False),
    "platform/kube/bookinfo-ratings-dualstack.yaml": _app("ratings", "v1", account=False),
    "platform/kube/bookinfo-ratings-discovery.yaml": [(SVC, "ratings")],
    "platform/kube/bookinfo-ratings-discovery-dualstack.yaml": [(SVC, "ratings")],
    "platform/kube/bookinfo-ratings-v2.yaml": [(SA, "bookinfo-ratings-v2"), (DEPLOY, "ratings-v2")],
    "platform/kube/bookinfo-ratings-v2-mysql.yaml": [(DEPLOY, "ratings-v2-mysql")],
    "platform/kube/bookinfo-ratings-v2-mysql-vm.yaml": [(DEPLOY, "ratings-v2-mysql-vm")],
    "platform/kube/bookinfo-reviews-v2.yaml": [(DEPLOY, "reviews-v2")],
    "platform/kube/bookinfo-db.yaml": [(SVC, "mongodb"), (DEPLOY, "mongodb-v1")],
    "platform/kube/bookinfo-mysql.yaml": [("Secret", "mysql-credentials"), (SVC, "mysqldb"),
                                          (DEPLOY, "mysqldb-v1")],
    "platform/kube/bookinfo-versions.yaml": [(SVC, n) for n in ("reviews-v1", "reviews-v2", "reviews-v3",
                                                                "productpage-v1", "ratings-v1", "details-v1")],
    "platform/kube/bookinfo-ingress.yaml": [("Ingress", "gateway")],
    "platform/kube/productpage-nodeport.yaml": [(SVC, "productpage")],
    "platform/kube/bookinfo-certificate.yaml": [("Certificate", "istio-ingressgateway-certs")],
    "networking/bookinfo-gateway.yaml": [(GW, "bookinfo-gateway"), (VS, "bookinfo")],
    "networking/certmanager-gateway.yaml": [(GW, "cert-manager-gateway"), (VS, "cert-manager")],
    "networking/destination-rule-all.yaml": [(DR, n) for n in ALL_SERVICES],
    "networking/destination-rule-all-mtls.yaml": [(DR, n) for n in ALL_SERVICES],
    "networking/destination-rule-reviews.yaml": [(DR, "reviews")],
    "networking/egress-rule-google-apis.yaml": [("ServiceEntry", "googleapis"),
                                                (VS, "rewrite-port-for-googleapis"),
                                                (DR, "originate-tls-for-googleapis")],
    "networking/fault-injection-details-v1.yaml": [(VS, "details"), (DR, "details")],
    "networking/virtual-service-all-v1.yaml": [(VS, n) for n in ALL_SERVICES],
    "networking/virtual-service-details-v2.yaml": [(VS, "details")],
    "networking/virtual-service-ratings-db.yaml": [(VS, "reviews"), (VS, "ratings")],
    "networking/virtual-service-ratings-mysql.yaml": [(VS, "reviews"), (VS, "ratings")],
    "networking/virtual-service-ratings-mysql-vm.yaml": [(VS, "reviews"), (VS, "ratings")],
    "networking/virtual-service-ratings-test-abort.yaml": [(VS, "ratings")],
    "networking/virtual-service-ratings-test-delay.yaml": [(VS, "ratings")],
    "networking/virtual-service-reviews-50-v3.yaml": [(VS, "reviews")],
    "networking/virtual-service-reviews-80-20.yaml": [(VS, "reviews")],
    "networking/virtual-service-reviews-90-10.yaml": [(VS, "reviews")],
    "networking/virtual-service-reviews-jason-v2-v3.yaml": [(VS, "reviews")],
    "networking/virtual-service-reviews-test-v2.yaml": [(VS, "reviews")],
    "networking/virtual-service-reviews-v2-v3.yaml": [(VS, "reviews")],
    "networking/virtual-service-reviews-v3.yaml": [(VS, "reviews")],
    "gateway-api/bookinfo-gateway.yaml": [(GW, "bookinfo-gateway"), (ROUTE, "bookinfo")],
    "gateway-api/route-all-v1.yaml": [(ROUTE, n) for n in ("reviews", "productpage", "ratings", "details")],
    "gateway-api/route-reviews-v1.yaml": [(ROUTE, "reviews")],
    "gateway-api/route-reviews-v3.yaml": [(ROUTE, "reviews")],
    "gateway-api/route-reviews-50-v3.yaml": [(ROUTE, "reviews")],
    "gateway-api/route-reviews-90-10.yaml": [(ROUTE, "reviews")],
    "gateway-api/route-reviews-test-v2.yaml": [(ROUTE, "reviews")],
    "gateway-api/route-reviews-v2.yaml": [(ROUTE, "reviews")],
    "gateway-api/route-reviews-v2-timeout.yaml": [(ROUTE, "reviews")],
    "policy/productpage_envoy_ratelimit.yaml": [("EnvoyFilter", "filter-ratelimit"),
                                                ("EnvoyFilter", "filter-ratelimit-svc")],
}


@pytest.mark.parametrize("file", sorted(EXPECTED))
def test_objects_are_upstreams_in_upstreams_order(file):
    found = [(m.kind, m.name) for m in objects_in(REPO / file)]
    assert found == EXPECTED[file]


def test_the_table_covers_every_manifest_file():
    """A new file gets its row here, so its order is pinned too."""
    files = {str(path.relative_to(REPO)) for path in manifest_files()}
    assert files == set(EXPECTED)

