"""Requests through a real Envoy running the translated configuration.

One Envoy for the module; every feature gets its own Service so the tests do not
interfere. Endpoints are small local HTTP servers that say who answered.
"""
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from bookinfo.envoy.process import EnvoyProcess
from bookinfo.mesh.model import MeshInputs, Workload
from bookinfo.objects.services import Service, ServicePort
from bookinfo.mesh.translate import build
from tests.bookinfo.envoy.echo_server import echo_server
from tests.support.net import free_port, wait_until

from .builders import objects

REPO = Path(__file__).resolve().parents[3]
ENDPOINTS = {"pool-a": {"app": "pool"}, "pool-b": {"app": "pool"}, "pool-c": {"app": "pool"},
             "hdr-v1": {"app": "hdr", "version": "v1"}, "hdr-v2": {"app": "hdr", "version": "v2"},
             "split-v1": {"app": "split", "version": "v1"}, "split-v2": {"app": "split", "version": "v2"},
             "faulty-v1": {"app": "faulty"}, "slow-v1": {"app": "slow"},
             "flaky-a": {"app": "flaky"}, "flaky-b": {"app": "flaky"}, "productpage-v1": {"app": "productpage"},
             "mirrored-v1": {"app": "mirrored"}}
SERVICES = {"pool": {"app": "pool"}, "hdr": {"app": "hdr"}, "split": {"app": "split"}, "faulty": {"app": "faulty"},
            "slow": {"app": "slow"}, "flaky": {"app": "flaky"}, "noretry": {"app": "flaky"},
            "productpage": {"app": "productpage"}, "mirrored": {"app": "mirrored"}}

ROUTING = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: hdr}
spec:
  host: hdr
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: split}
spec:
  host: split
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: hdr}
spec:
  hosts: [hdr]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    headers: {response: {set: {x-routed: jason}}}
    route: [{destination: {host: hdr, subset: v2}}]
  - route: [{destination: {host: hdr, subset: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: split}
spec:
  hosts: [split]
  http:
  - route:
    - {destination: {host: split, subset: v1}, weight: 30}
    - {destination: {host: split, subset: v2}, weight: 70}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: faulty}
spec:
  hosts: [faulty]
  http:
  - match: [{headers: {x-fault: {exact: delay}}}]
    fault: {delay: {fixedDelay: 1s, percentage: {value: 100}}}
    route: [{destination: {host: faulty}}]
  - match: [{headers: {x-fault: {exact: abort}}}]
    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
    route: [{destination: {host: faulty}}]
  - route: [{destination: {host: faulty}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: slow}
spec:
  hosts: [slow]
  http:
  - timeout: 0.5s
    route: [{destination: {host: slow}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: noretry}
spec:
  hosts: [noretry]
  http:
  - retries: {attempts: 0}
    route: [{destination: {host: noretry}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: mirrored}
spec:
  hosts: [mirrored]
  http:
  - mirror: {host: slow}
    route: [{destination: {host: mirrored}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: pool}
spec:
  hosts: [pool]
  http:
  - match: [{uri: {prefix: /no-subset}}]
    route: [{destination: {host: pool, subset: v9}}]
  - route: [{destination: {host: pool}}]
"""


@pytest.fixture(scope="module")
def mesh(tmp_path_factory):
    servers = {name: echo_server(name) for name in ENDPOINTS}
    workloads = [Workload(name, labels, servers[name].port) for name, labels in ENDPOINTS.items()]
    workloads.append(Workload("client", {"app": "client"}, free_port()))
    services = [Service(name, "default", {}, selector, [ServicePort("http", 9080)])
                for name, selector in SERVICES.items()]
    outbound = {("client", name, 9080): free_port() for name in SERVICES}
    config = objects(ROUTING, (REPO / "networking" / "bookinfo-gateway.yaml").read_text())
    inputs = MeshInputs(workloads, services, config, free_port(), outbound, free_port())
    envoy = EnvoyProcess(tmp_path_factory.mktemp("envoy"))
    envoy.start(build(inputs), inputs.admin_port)
    try:
        envoy.wait_ready(timeout=30)
        urls = {name: f"http://127.0.0.1:{outbound[('client', name, 9080)]}" for name in SERVICES}
        urls["gateway"] = f"http://127.0.0.1:{inputs.gateway_port}"
        yield urls, servers
    finally:
        envoy.stop()
        for server in servers.values():
            server.close()


def answered_by(url: str, session: requests.Session, **kwargs) -> str:
    response = session.get(url, timeout=10, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["endpoint"]


def test_default_route_balances_each_request_across_all_endpoints(mesh):
    urls, _ = mesh
    with requests.Session() as session:  # one connection: balancing is per request, not per connection
        seen = Counter(answered_by(urls["pool"] + "/", session) for _ in range(30))
    assert set(seen) == {"pool-a", "pool-b", "pool-c"}


def test_header_match_routes_jason_to_v2_and_others_to_v1(mesh):
    urls, _ = mesh
    with requests.Session() as session:
        response = session.get(urls["hdr"] + "/reviews/0", headers={"end-user": "jason"}, timeout=10)
        assert response.json()["endpoint"] == "hdr-v2"
        assert response.json()["headers"]["end-user"] == "jason"
        assert response.headers["x-routed"] == "jason"
        assert answered_by(urls["hdr"] + "/reviews/0", session, headers={"end-user": "Jason"}) == "hdr-v1"
        assert answered_by(urls["hdr"] + "/reviews/0", session) == "hdr-v1"


def test_weights_split_traffic(mesh):
    urls, _ = mesh
    with requests.Session() as session:
        seen = Counter(answered_by(urls["split"] + "/", session) for _ in range(200))
    assert 30 <= seen["split-v1"] <= 90, seen  # 30 % of 200 is 60; the bounds are generous
    assert seen["split-v1"] + seen["split-v2"] == 200


def test_fault_delay_holds_the_request(mesh):
    urls, _ = mesh
    started = time.monotonic()
    assert answered_by(urls["faulty"] + "/", requests.Session(), headers={"x-fault": "delay"}) == "faulty-v1"
    assert 0.9 <= time.monotonic() - started < 8


def test_fault_abort_answers_without_reaching_the_endpoint(mesh):
    urls, servers = mesh
    response = requests.get(urls["faulty"] + "/aborted", headers={"x-fault": "abort"}, timeout=10)
    assert response.status_code == 418
    assert servers["faulty-v1"].requests("/aborted") == []


def test_route_timeout_gives_504(mesh):
    urls, _ = mesh
    started = time.monotonic()
    response = requests.get(urls["slow"] + "/?sleep=3", timeout=10)
    assert response.status_code == 504
    assert response.text == "upstream request timeout"
    assert time.monotonic() - started < 2.5


def test_default_retries_retry_503_twice_on_other_endpoints(mesh):
    urls, servers = mesh
    response = requests.get(urls["flaky"] + "/retry-default?status=503", timeout=10)
    assert response.status_code == 503
    attempts = servers["flaky-a"].requests("/retry-default") + servers["flaky-b"].requests("/retry-default")
    assert len(attempts) == 3


def test_zero_retry_attempts_send_one_request(mesh):
    urls, servers = mesh
    assert requests.get(urls["noretry"] + "/retry-off?status=503", timeout=10).status_code == 503
    attempts = servers["flaky-a"].requests("/retry-off") + servers["flaky-b"].requests("/retry-off")
    assert len(attempts) == 1


def test_mirror_sends_a_copy_and_answers_from_the_route(mesh):
    urls, servers = mesh
    assert answered_by(urls["mirrored"] + "/copied", requests.Session()) == "mirrored-v1"
    wait_until(lambda: servers["slow-v1"].requests("/copied"), timeout=10, what="the mirrored copy")
    # Envoy marks the copy's host, before the port the Host header keeps (as with Istio).
    host, _, port = servers["slow-v1"].requests("/copied")[0].headers["host"].rpartition(":")
    assert host.endswith("-shadow") and port.isdigit()


def test_subset_no_rule_defines_gives_503_no_healthy_upstream(mesh):
    urls, _ = mesh
    response = requests.get(urls["pool"] + "/no-subset", timeout=10)
    assert response.status_code == 503
    assert response.text == "no healthy upstream"


def test_gateway_routes_productpage_and_not_health(mesh):
    urls, _ = mesh
    with requests.Session() as session:
        assert answered_by(urls["gateway"] + "/productpage", session) == "productpage-v1"
        assert answered_by(urls["gateway"] + "/static/bootstrap.css", session) == "productpage-v1"
        assert session.get(urls["gateway"] + "/health", timeout=10).status_code == 404
        assert session.get(urls["gateway"] + "/productpage/extra", timeout=10).status_code == 404
