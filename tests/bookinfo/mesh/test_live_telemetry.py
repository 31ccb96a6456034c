"""Access logs, Istio's standard metrics and spans through a real Envoy.

One Envoy for the module: ``web`` (two versions, each with its sidecar) is called by
``client`` through its outbound listener and from outside through the gateway; spans go
to a real OTLP receiver. Each test delivers its Telemetry objects to the running Envoy.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from bookinfo.envoy import admin
from bookinfo.envoy.process import EnvoyProcess
from bookinfo.mesh.access_log import access_log_path
from bookinfo.mesh.identity import GATEWAY_IDENTITY
from bookinfo.mesh.istio_metrics import PEER_HEADER
from bookinfo.mesh.mesh_config import MeshConfig, with_endpoints
from bookinfo.mesh.model import MeshInputs, Workload
from bookinfo.mesh.translate import build
from bookinfo.objects.services import Service, ServicePort
from bookinfo.runner.mesh_ca import MeshCA
from tests.bookinfo.envoy.echo_server import echo_server
from tests.support.net import free_port, wait_until
from tests.support.otlp_receiver import OtlpReceiver

from .builders import objects

ROUTES = """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 8080, name: http, protocol: HTTP}, hosts: ['*']}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web-gateway}
spec:
  hosts: ['*']
  gateways: [gw]
  http: [{route: [{destination: {host: web}}]}]
"""
SAMPLE = re.compile(r"^(?P<name>[a-z_]+)\{(?P<labels>.*)\} (?P<value>[0-9.e+]+)$")
SERVER, CLIENT_KIND = 2, 3  # OTLP span kinds


class Mesh:
    def __init__(self, workdir: Path, ca: MeshCA, receiver: OtlpReceiver):
        self.servers = {name: echo_server(name) for name in ("web-v1", "web-v2")}
        self.workloads = [Workload(f"{name}-pod", {"app": "web", "version": name[-2:]}, server.port,
                                   service_account="web", inbound_port=free_port(), container_port=9080, owner=name)
                          for name, server in self.servers.items()]
        self.workloads.append(Workload("client-pod", {"app": "client", "version": "v1"}, free_port(),
                                       service_account="client", inbound_port=free_port(), container_port=9080,
                                       owner="client-v1"))
        self.outbound = {("client-pod", "web", 9080): free_port()}
        self.ca = ca
        self.certificates = ca.certificates({w.identity for w in self.workloads} | {GATEWAY_IDENTITY})
        self.gateway_port, self.admin_port = free_port(), free_port()
        self.logs = workdir / "logs"
        self.logs.mkdir()
        self.mesh = MeshConfig.parse(with_endpoints(None, otlp=receiver.url))
        self.envoy = EnvoyProcess(workdir / "envoy")
        self.envoy.start(build(self.inputs("")), self.admin_port)
        self.envoy.wait_ready(timeout=30)

    def inputs(self, documents: str) -> MeshInputs:
        return MeshInputs(self.workloads, [Service("web", "default", {}, {"app": "web"}, [ServicePort("http", 9080)])],
                          objects(ROUTES, documents), self.gateway_port, self.outbound, self.admin_port,
                          str(self.ca.root_certificate), self.certificates, access_log_dir=str(self.logs),
                          mesh_config=self.mesh)

    def apply(self, documents: str = "") -> None:
        self.envoy.wait_applied(30, self.envoy.update(build(self.inputs(documents))))

    def get(self, path: str = "/", via: str = "client") -> requests.Response:
        port = self.gateway_port if via == "gateway" else self.outbound["client-pod", "web", 9080]
        return requests.get(f"http://127.0.0.1:{port}{path}", timeout=10)

    def samples(self, name: str) -> list[tuple[dict[str, str], float]]:
        """Envoy's Prometheus samples of ``name``: (labels, value)."""
        _, text = admin.admin_get(self.admin_port, "/stats/prometheus")
        found = []
        for line in text.splitlines():
            match = SAMPLE.match(line)
            if match and match["name"] == name:
                labels = dict(re.findall(r'([a-z_]+)="([^"]*)"', match["labels"]))
                found.append((labels, float(match["value"])))
        return found

    def log(self, workload: str) -> list[str]:
        path = access_log_path(self.logs, workload)
        return path.read_text().splitlines() if path.exists() else []


@pytest.fixture(scope="module")
def receiver():
    server = OtlpReceiver()
    yield server
    server.close()


@pytest.fixture(scope="module")
def mesh(tmp_path_factory, receiver):
    running = Mesh(tmp_path_factory.mktemp("mesh"), MeshCA(tmp_path_factory.mktemp("ca")), receiver)
    try:
        yield running
    finally:
        running.envoy.stop()
        for server in running.servers.values():
            server.close()


def telemetry(name: str, spec: str, namespace: str = "default") -> str:
    return (f"apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {{name: {name}, namespace: {namespace}}}\n"
            f"spec:\n{spec}\n---\n")


def total(mesh: Mesh, **labels: str) -> float:
    return sum(value for found, value in mesh.samples("envoy_istio_requests_total")
               if all(found.get(k) == v for k, v in labels.items()))


def test_both_sides_count_each_request_with_istios_labels(mesh):
    mesh.apply()
    before = total(mesh, reporter="source", source_workload="client-v1")
    answers = [mesh.get("/count") for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    served = {version: sum(a.json()["endpoint"] == f"web-{version}" for a in answers) for version in ("v1", "v2")}
    wait_until(lambda: total(mesh, reporter="source", source_workload="client-v1") == before + 4,
               what="the client's four requests in its sidecar's counter")
    for version, count in served.items():
        source = dict(reporter="source", source_workload="client-v1", source_app="client", source_version="v1",
                      source_principal="spiffe://cluster.local/ns/default/sa/client",
                      destination_service="web.default.svc.cluster.local", destination_service_name="web",
                      destination_workload=f"web-{version}", destination_version=version, destination_app="web",
                      destination_principal="spiffe://cluster.local/ns/default/sa/web", response_code="200",
                      request_protocol="http", connection_security_policy="unknown", pod="client-pod",
                      namespace="default", app="client", version="v1")
        destination = dict(source, reporter="destination", connection_security_policy="mutual_tls",
                           pod=f"web-{version}-pod", app="web", version=version)
        wait_until(lambda: total(mesh, **destination) >= count, what=f"web-{version}'s own count")
        assert total(mesh, **source) >= count


def test_the_callers_metadata_never_reaches_the_application(mesh):
    mesh.apply()
    assert PEER_HEADER not in mesh.get("/headers").json()["headers"]
    spoofed = requests.get(f"http://127.0.0.1:{mesh.gateway_port}/spoof", headers={PEER_HEADER: "x;y;z;1;2;3"},
                           timeout=10)
    assert PEER_HEADER not in spoofed.json()["headers"]
    wait_until(lambda: total(mesh, reporter="destination", source_workload="istio-ingressgateway",
                             source_workload_namespace="istio-system") >= 1,
               what="the gateway, not the spoofed header, as the caller")
    assert total(mesh, source_workload="x") == 0


def test_a_request_through_both_sidecars_is_one_trace_parented_hop_by_hop(mesh, receiver):
    mesh.apply()
    seen = mesh.get("/traced").json()["headers"]
    trace_id, parent = seen["traceparent"].split("-")[1:3]

    def spans():
        return [s for s in receiver.received() if s.trace_id == trace_id]

    wait_until(lambda: len(spans()) == 2, timeout=30, what="the client's and web's spans of the request")
    by_kind = {s.kind: s for s in spans()}
    egress, ingress = by_kind[CLIENT_KIND], by_kind[SERVER]
    assert (egress.service, egress.name, egress.parent_id) == ("client.default", "egress web:9080", "")
    assert ingress.service == "web.default" and ingress.parent_id == egress.span_id
    assert ingress.span_id == parent  # the application's request carries the inbound span's context
    assert ingress.attributes["istio.canonical_service"] == "web"


def test_sampling_and_custom_tags_come_from_telemetry(mesh, receiver):
    mesh.apply(telemetry("mesh-default", """  tracing:
  - customTags:
      literal-tag: {literal: {value: fixed}}
      header-tag: {header: {name: x-tag, defaultValue: none}}
""", namespace="istio-system") + telemetry("client-unsampled", """  selector: {matchLabels: {app: client}}
  tracing: [{randomSamplingPercentage: 0}]
"""))
    unsampled = mesh.get("/unsampled").json()["headers"]["traceparent"]
    assert unsampled.endswith("-00")  # propagated, not sampled
    seen = requests.get(f"http://127.0.0.1:{mesh.gateway_port}/tagged", headers={"x-tag": "hello"},
                        timeout=10).json()["headers"]
    trace_id = seen["traceparent"].split("-")[1]
    wait_until(lambda: any(s.trace_id == trace_id and s.service == "web.default" for s in receiver.received()),
               timeout=30, what="web's span of the gateway's request")
    gateway = next(s for s in receiver.received() if s.trace_id == trace_id and s.parent_id == "")
    assert gateway.service == "istio-ingressgateway.istio-system"
    assert (gateway.attributes["literal-tag"], gateway.attributes["header-tag"]) == ("fixed", "hello")
    assert not any(s.trace_id == unsampled.split("-")[1] for s in receiver.received())


def test_a_filter_expression_keeps_only_the_lines_it_selects(mesh):
    mesh.apply(telemetry("errors-only", """  selector: {matchLabels: {app: web}}
  accessLogging: [{filter: {expression: "response.code >= 500"}}]
"""))
    lines = {name: len(mesh.log(name)) for name in ("web-v1-pod", "web-v2-pod", "client-pod")}
    # 500, not 503, which Istio's default retry policy would try twice more.
    assert [mesh.get(f"/filtered?status={status}").status_code for status in (200, 500, 200, 500)] == \
        [200, 500, 200, 500]
    wait_until(lambda: len(mesh.log("client-pod")) == lines["client-pod"] + 4, timeout=15,
               what="the client's four lines (no filter there)")
    wait_until(lambda: len(mesh.log("web-v1-pod")) + len(mesh.log("web-v2-pod"))
               - lines["web-v1-pod"] - lines["web-v2-pod"] >= 2, timeout=15, what="web's 500 lines")
    new = mesh.log("web-v1-pod")[lines["web-v1-pod"]:] + mesh.log("web-v2-pod")[lines["web-v2-pod"]:]
    assert len(new) == 2 and all('"GET /filtered?status=500 HTTP/1.1" 500' in line for line in new)


def test_metrics_overrides_disable_a_metric_and_change_tags_per_mode(mesh):
    mesh.apply(telemetry("no-client-count", """  selector: {matchLabels: {app: client}}
  metrics:
  - overrides:
    - match: {metric: REQUEST_COUNT, mode: CLIENT}
      disabled: true
""") + telemetry("web-host", """  selector: {matchLabels: {app: web}}
  metrics:
  - overrides:
    - match: {metric: REQUEST_COUNT, mode: SERVER}
      tagOverrides:
        team: {value: "request.headers['x-team']"}
        source_cluster: {operation: REMOVE}
"""))
    before = total(mesh, reporter="source", source_workload="client-v1")
    port = mesh.outbound["client-pod", "web", 9080]
    assert requests.get(f"http://127.0.0.1:{port}/uncounted", headers={"x-team": "blue"}, timeout=10).ok
    wait_until(lambda: total(mesh, reporter="destination", source_workload="client-v1", team="blue") == 1,
               what="web's count of the request with its team tag")
    labels = next(labels for labels, _ in mesh.samples("envoy_istio_requests_total") if "team" in labels)
    assert "source_cluster" not in labels
    assert total(mesh, reporter="source", source_workload="client-v1") == before

