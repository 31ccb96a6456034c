"""istioctl analyze's checks on objects and workload labels, with Istio's codes and words."""
from __future__ import annotations

from pathlib import Path

import yaml

from bookinfo.runner.analysis import analyze

REPO = Path(__file__).resolve().parents[3]
BOOKINFO = [o for o in yaml.safe_load_all((REPO / "platform/kube/bookinfo.yaml").read_text()) if o]
PODS = [o["spec"]["template"]["metadata"]["labels"] for o in BOOKINFO if o["kind"] == "Deployment"]


def load(*paths: str) -> list[dict]:
    return [o for path in paths for o in yaml.safe_load_all((REPO / path).read_text()) if o]


def lines(objects, pods=PODS, namespace="default") -> list[str]:
    return [str(m) for m in analyze(objects, pods, namespace)]


def test_the_standard_setup_is_clean():
    assert lines(BOOKINFO + load("networking/bookinfo-gateway.yaml")) == []
    assert lines(BOOKINFO + load("gateway-api/bookinfo-gateway.yaml", "platform/kube/bookinfo-versions.yaml")) == []


def test_all_v1_without_destination_rules_names_each_missing_subset():
    assert lines(BOOKINFO + load("networking/virtual-service-all-v1.yaml")) == [
        f'Error [IST0101] (VirtualService default/{name}) Referenced host+subset in destinationrule not found: '
        f'"{name}+v1"' for name in ("details", "productpage", "ratings", "reviews")]
    assert lines(BOOKINFO + load("networking/virtual-service-all-v1.yaml", "networking/destination-rule-all.yaml"),
                 pods=PODS + [{"app": "ratings", "version": v} for v in ("v2", "v2-mysql", "v2-mysql-vm")]
                 + [{"app": "details", "version": "v2"}]) == []


def test_subsets_that_select_no_pod():
    found = lines(BOOKINFO + load("networking/destination-rule-all.yaml"))
    assert found == [f"Error [IST0173] (DestinationRule default/{host}) The Subset {subset} defined in the "
                     "DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream)."
                     for host, subset in (("details", "v2"), ("ratings", "v2"), ("ratings", "v2-mysql"),
                                          ("ratings", "v2-mysql-vm"))]


def test_missing_gateway_host_and_selector():
    broken = yaml.safe_load_all("""
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: other}
spec:
  selector: {istio: egressgateway, app: x}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [bookinfo.example.com]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop}
spec:
  hosts: ["*"]
  gateways: [missing-gateway, other]
  http: [{route: [{destination: {host: shop}}]}, {mirror: {host: reviews, subset: v9}, route: [{destination: {host: reviews}}]}]
""")
    assert lines(BOOKINFO + list(broken)) == [
        'Error [IST0101] (Gateway default/other) Referenced selector not found: "app=x,istio=egressgateway"',
        'Error [IST0101] (VirtualService default/shop) Referenced gateway not found: "missing-gateway"',
        'Error [IST0101] (VirtualService default/shop) Referenced host not found: "shop"',
        'Error [IST0101] (VirtualService default/shop) Referenced mirror host+subset in destinationrule not found: '
        '"reviews+v9"',
        "Warning [IST0132] (VirtualService default/shop) one or more host [*] defined in VirtualService "
        "default/shop not found in Gateway default/other."]


def test_conflicting_mesh_virtual_services_ports_and_namespaces():
    [v3] = load("networking/virtual-service-reviews-v3.yaml")
    v3["metadata"]["name"] = "reviews-v3"
    objects = BOOKINFO + load("networking/virtual-service-all-v1.yaml", "networking/destination-rule-all.yaml") + [v3]
    conflicts = [line for line in lines(objects) if "IST0109" in line]
    assert conflicts == [f"Error [IST0109] (VirtualService default/{name}) The VirtualServices default/reviews,"
                         "default/reviews-v3 associated with mesh gateway define the same host "
                         "*/reviews.default.svc.cluster.local which can lead to undefined behavior. This can be "
                         "fixed by merging the conflicting VirtualServices into a single resource."
                         for name in ("reviews", "reviews-v3")]
    two_ports = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                 "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80},
                                                                 {"name": "metrics", "port": 9090}]}}
    vs = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "web"},
          "spec": {"hosts": ["web"], "http": [{"route": [{"destination": {"host": "web"}}]}]}}
    assert lines([two_ports, vs], pods=[{"app": "web"}]) == [
        'Error [IST0112] (VirtualService default/web) This VirtualService routes to a service "web" that exposes '
        "multiple ports [80 9090]. Specifying a port in the destination is required to disambiguate.",
        "Info [IST0118] (Service default/web) Port name metrics (port: 9090, targetPort: 9090) doesn't follow the "
        "naming convention of Istio port."]
    assert lines([two_ports, vs], pods=[{"app": "web"}], namespace="other") == []
