"""Bookinfo-shaped mesh inputs for translation tests, and lookups into the output."""
from __future__ import annotations

import yaml

from bookinfo.mesh.model import MeshInputs, Workload
from bookinfo.objects.services import Service, ServicePort

WORKLOAD_PORTS = {"productpage-v1": 7001, "details-v1": 7002, "reviews-v1": 7003, "reviews-v2": 7004,
                  "reviews-v3": 7005, "ratings-v1": 7006, "mongodb-v1": 7007}
OUTBOUND = {("productpage-v1", "details", 9080): 15001, ("productpage-v1", "reviews", 9080): 15002,
            ("reviews-v1", "ratings", 9080): 15003, ("reviews-v2", "ratings", 9080): 15004,
            ("reviews-v3", "ratings", 9080): 15005, ("ratings-v1", "mongodb", 27017): 15006}
GATEWAY_PORT = 18080

DESTINATION_RULES = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings}
spec:
  host: ratings
  subsets:
  - {name: v1, labels: {version: v1}}
"""


def workloads() -> list[Workload]:
    return [Workload(name, {"app": name.rsplit("-", 1)[0], "version": name.rsplit("-", 1)[1]}, port)
            for name, port in WORKLOAD_PORTS.items()]


def services() -> list[Service]:
    http = [ServicePort("http", 9080, 9080, "TCP")]
    out = [Service(name, "default", {"app": name}, {"app": name}, http)
           for name in ("productpage", "details", "reviews", "ratings")]
    out.append(Service("mongodb", "default", {"app": "mongodb"}, {"app": "mongodb"},
                       [ServicePort("mongo", 27017, 27017, "TCP")]))
    return out


def objects(*documents: str) -> list[dict]:
    return [o for text in documents for o in yaml.safe_load_all(text) if o]


def inputs(*documents: str, extra_services=(), extra_workloads=(), outbound=None) -> MeshInputs:
    return MeshInputs(workloads=workloads() + list(extra_workloads), services=services() + list(extra_services),
                      config=objects(*documents), gateway_port=GATEWAY_PORT,
                      outbound_ports=OUTBOUND if outbound is None else outbound, admin_port=15000)


def route_config(resources, name: str) -> dict:
    return next(rc for rc in resources.route_configs if rc["name"] == name)


def routes(resources, name: str, host: str = "*") -> list[dict]:
    config = route_config(resources, name)
    return next(vh for vh in config["virtual_hosts"] if host in vh["domains"])["routes"]


def cluster(resources, name: str) -> dict:
    return next(c for c in resources.clusters if c["name"] == name)


def endpoint_ports(resources, name: str) -> list[int]:
    return sorted(lb["endpoint"]["address"]["socket_address"]["port_value"]
                  for group in cluster(resources, name)["load_assignment"]["endpoints"]
                  for lb in group["lb_endpoints"])


def listener(resources, name: str) -> dict:
    return next(x for x in resources.listeners if x["name"] == name)


def reviews_cluster(subset: str = "") -> str:
    return f"outbound|9080|{subset}|reviews.default.svc.cluster.local"


def ratings_cluster(subset: str = "") -> str:
    return f"outbound|9080|{subset}|ratings.default.svc.cluster.local"
