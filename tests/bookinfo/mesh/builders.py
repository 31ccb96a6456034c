"""Bookinfo-shaped mesh inputs for translation tests, and lookups into the output."""
from __future__ import annotations

import functools
import tempfile
from dataclasses import replace
from pathlib import Path

import yaml

from bookinfo.mesh.identity import GATEWAY_IDENTITY
from bookinfo.mesh.model import MeshInputs, Workload
from bookinfo.objects.services import Service, ServicePort
from bookinfo.runner.mesh_ca import MeshCA

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


INBOUND_OFFSET = 1000  # a workload's sidecar listens on its port + this (with_sidecars)


def workloads() -> list[Workload]:
    """Bookinfo's workloads, each under its app's service account, without sidecars."""
    return [Workload(name, {"app": app, "version": version}, port, service_account=f"bookinfo-{app}",
                     container_port=27017 if app == "mongodb" else 9080)
            for name, port in WORKLOAD_PORTS.items() for app, version in [name.rsplit("-", 1)]]


def with_sidecars(workloads_: list[Workload]) -> list[Workload]:
    return [replace(w, inbound_port=w.port + INBOUND_OFFSET) for w in workloads_]


@functools.cache
def mesh_ca() -> MeshCA:
    """A CA for the module's tests (real files: Envoy reads them)."""
    return MeshCA(Path(tempfile.mkdtemp(prefix="bookinfo-test-ca-")))


def certificates(identities) -> dict:
    return mesh_ca().certificates(identities)


def services() -> list[Service]:
    http = [ServicePort("http", 9080, 9080, "TCP")]
    out = [Service(name, "default", {"app": name}, {"app": name}, http)
           for name in ("productpage", "details", "reviews", "ratings")]
    out.append(Service("mongodb", "default", {"app": "mongodb"}, {"app": "mongodb"},
                       [ServicePort("mongo", 27017, 27017, "TCP")]))
    return out


def objects(*documents: str) -> list[dict]:
    return [o for text in documents for o in yaml.safe_load_all(text) if o]


def inputs(*documents: str, extra_services=(), extra_workloads=(), outbound=None, sidecars=False) -> MeshInputs:
    """Bookinfo's workloads and Services with ``documents``' objects; ``sidecars`` gives
    every workload an inbound listener (so hops between them are mutual TLS)."""
    all_workloads = workloads() + list(extra_workloads)
    if sidecars:
        all_workloads = with_sidecars(all_workloads)
    identities = {w.identity for w in all_workloads} | {GATEWAY_IDENTITY}
    return MeshInputs(workloads=all_workloads, services=services() + list(extra_services),
                      config=objects(*documents), gateway_port=GATEWAY_PORT,
                      outbound_ports=OUTBOUND if outbound is None else outbound, admin_port=15000,
                      root_certificate=str(mesh_ca().root_certificate), certificates=certificates(identities))


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
