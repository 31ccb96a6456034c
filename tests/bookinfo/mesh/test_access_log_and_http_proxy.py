"""Every listener logs in Istio's default format to its workload's file, and each
workload's HTTP forward proxy routes a Service name exactly as the workload's own
listener for that Service does: first in the translation, then through a real Envoy."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
import requests

from bookinfo.envoy.process import EnvoyProcess
from bookinfo.mesh.access_log import ISTIO_TEXT_FORMAT, access_log_path
from bookinfo.mesh.model import MeshInputs, Workload
from bookinfo.mesh.translate import GATEWAY_LISTENER, build, http_proxy_name, outbound_name
from bookinfo.objects.services import Service, ServicePort
from tests.bookinfo.envoy.echo_server import echo_server
from tests.support.net import free_port, wait_until

from .builders import DESTINATION_RULES, inputs, objects, route_config, routes

HCM = "envoy.filters.network.http_connection_manager"
REVIEWS_V2_ONLY = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews, subset: v2}}]}]
"""


def network_filter(listener: dict) -> dict:
    return listener["filter_chains"][0]["filters"][0]["typed_config"]


def file_logs(listener: dict) -> list[dict]:
    """The listener's file access loggers (its other loggers count Istio's metrics)."""
    return [log for log in network_filter(listener).get("access_log", []) if log["name"] == "envoy.access_loggers.file"]


def test_every_listener_logs_to_its_workloads_file_in_istios_format(tmp_path):
    resources = build(replace(inputs(), access_log_dir=str(tmp_path), http_proxy_ports={"productpage-v1": 16001}))
    for listener in resources.listeners:
        [log] = file_logs(listener)
        workload = "istio-ingressgateway" if listener["name"] == GATEWAY_LISTENER else listener["name"].split("|")[1]
        assert log["typed_config"]["path"] == str(access_log_path(tmp_path, workload)), listener["name"]
        assert log["typed_config"]["log_format"]["text_format_source"]["inline_string"] == ISTIO_TEXT_FORMAT
    tcp = next(l for l in resources.listeners if l["name"] == outbound_name("ratings-v1", "mongodb", 27017))
    assert file_logs(tcp)[0]["typed_config"]["path"].endswith("ratings-v1.istio-proxy.log")


def test_without_a_log_directory_nothing_is_logged():
    assert all(file_logs(listener) == [] for listener in build(inputs()).listeners)


def test_the_http_proxy_answers_each_service_by_every_name_with_the_workloads_routes():
    resources = build(replace(inputs(DESTINATION_RULES, REVIEWS_V2_ONLY), http_proxy_ports={"productpage-v1": 16001}))
    proxy = route_config(resources, http_proxy_name("productpage-v1"))
    assert [host["domains"] for host in proxy["virtual_hosts"]] == [
        [f"{name}:9080" for name in (service, f"{service}.default", f"{service}.default.svc",
                                     f"{service}.default.svc.cluster.local")]
        for service in ("details", "reviews")]
    assert routes(resources, http_proxy_name("productpage-v1"), "reviews:9080") == \
        routes(resources, outbound_name("productpage-v1", "reviews", 9080))
    listener = next(l for l in resources.listeners if l["name"] == http_proxy_name("productpage-v1"))
    assert listener["address"]["socket_address"]["port_value"] == 16001
    assert network_filter(listener)["strip_any_host_port"] is False
    # Only the workloads asked for get a proxy.
    assert not any(rc["name"] == http_proxy_name("reviews-v1") for rc in resources.route_configs)


def test_a_port_80_service_answers_to_its_bare_names_too():
    web = Service("web", "default", {}, {"app": "web"}, [ServicePort("http", 80)])
    resources = build(replace(inputs(extra_services=[web], outbound={("client", "web", 80): 15100}),
                              http_proxy_ports={"client": 16002}))
    [host] = route_config(resources, http_proxy_name("client"))["virtual_hosts"]
    assert host["domains"][-4:] == ["web", "web.default", "web.default.svc", "web.default.svc.cluster.local"]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """One Envoy: a client workload with an outbound listener and a proxy for Service web."""
    servers = {name: echo_server(name) for name in ("web-v1", "web-v2")}
    workloads = [Workload(name, {"app": "web", "version": name[-2:]}, server.port) for name, server in servers.items()]
    web = Service("web", "default", {}, {"app": "web"}, [ServicePort("http", 9080)])
    logs = tmp_path_factory.mktemp("logs")
    inputs_ = MeshInputs(workloads, [web], objects(WEB_V2), free_port(), {("client", "web", 9080): free_port()},
                         free_port(), http_proxy_ports={"client": free_port()}, access_log_dir=str(logs))
    envoy = EnvoyProcess(tmp_path_factory.mktemp("envoy"))
    envoy.start(build(inputs_), inputs_.admin_port)
    try:
        envoy.wait_ready(timeout=30)
        yield inputs_, logs
    finally:
        envoy.stop()
        for server in servers.values():
            server.close()


WEB_V2 = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web}
spec: {host: web, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec: {hosts: [web], http: [{route: [{destination: {host: web, subset: v2}}]}]}
"""
LOGGED = re.compile(r'^\[[0-9T:.-]+Z\] "GET /hello HTTP/1\.1" 200 - via_upstream - "-" 0 \d+ \d+ \d+ "-" '
                    r'"python-requests/[^"]+" "[0-9a-f-]{36}" "web\.default\.svc\.cluster\.local:9080" '
                    r'"127\.0\.0\.1:\d+" outbound\|9080\|v2\|web\.default\.svc\.cluster\.local ')


def test_a_client_using_the_proxy_reaches_the_service_by_name_as_routed_and_is_logged(live):
    inputs_, logs = live
    proxy = f"http://127.0.0.1:{inputs_.http_proxy_ports['client']}"
    for name in ("web:9080", "web.default.svc.cluster.local:9080"):
        answer = requests.get(f"http://{name}/hello", proxies={"http": proxy}, timeout=10)
        assert answer.status_code == 200 and answer.json()["endpoint"] == "web-v2"
    assert requests.get("http://web:8080/hello", proxies={"http": proxy}, timeout=10).status_code == 404
    log = access_log_path(logs, "client")
    wait_until(lambda: any(LOGGED.match(line) for line in log.read_text().splitlines()), timeout=15,
               what="the proxied request in the client's access log")
