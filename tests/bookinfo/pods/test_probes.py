"""Probes as the manifests write them, run against real servers the way kubelet runs them."""
from __future__ import annotations

import socket

import pytest

from bookinfo.errors import UnsupportedProbe
from bookinfo.pods.probes import Probe, container_probes
from bookinfo.system.ports import free_port
from tests.support.stub_server import Reply, StubServer


@pytest.fixture
def server():
    stub = StubServer(Reply(200, b"{}"))
    yield stub
    stub.close()


def test_settings_default_as_in_kubernetes_and_are_read_from_the_manifest():
    probe = Probe.from_spec("liveness", {"httpGet": {"path": "/health", "port": 9080}, "periodSeconds": 5})
    assert (probe.action, probe.path, probe.period) == ("http", "/health", 5.0)
    assert (probe.initial_delay, probe.timeout, probe.success_threshold, probe.failure_threshold) == (0, 1, 1, 3)
    tcp = Probe.from_spec("readiness", {"tcpSocket": {"port": 27017}, "initialDelaySeconds": 3,
                                        "timeoutSeconds": 2, "successThreshold": 2, "failureThreshold": 7})
    assert (tcp.action, tcp.initial_delay, tcp.timeout, tcp.success_threshold, tcp.failure_threshold) == (
        "tcp", 3, 2, 2, 7)


@pytest.mark.parametrize("spec, named", [
    ({"exec": {"command": ["true"]}}, "livenessProbe.exec"),
    ({"grpc": {"port": 9080}}, "livenessProbe.grpc"),
    ({"httpGet": {"port": 9080, "scheme": "HTTPS"}}, "livenessProbe.httpGet.scheme HTTPS"),
    ({"httpGet": {"port": 9080, "host": "example.com"}}, "livenessProbe.httpGet.host 'example.com'"),
])
def test_probes_the_runner_cannot_run_are_refused_by_name(spec, named):
    with pytest.raises(UnsupportedProbe, match=named):
        Probe.from_spec("liveness", spec)


def test_every_container_gets_a_readiness_check_even_without_a_probe():
    assert container_probes({}, http=True) == {"readiness": Probe("http", path="/health")}
    assert container_probes({}, http=False) == {"readiness": Probe("tcp")}
    probes = container_probes({"livenessProbe": {"tcpSocket": {"port": 1}},
                               "readinessProbe": {"httpGet": {"path": "/ready", "port": 1}}}, http=True)
    assert sorted(probes) == ["liveness", "readiness"] and probes["readiness"].path == "/ready"


def test_an_http_probe_passes_on_2xx_and_3xx_and_names_the_status_otherwise(server):
    probe = Probe("http", path="/health", headers=(("X-Probe", "yes"),))
    assert probe.check(server.port) is None
    request = server.requests("/health")[0]
    assert request.headers["user-agent"].startswith("kube-probe/") and request.headers["x-probe"] == "yes"
    server.reply("/health", Reply(302))
    assert probe.check(server.port) is None
    server.reply("/health", Reply(500))
    assert probe.check(server.port) == "HTTP probe failed with statuscode: 500"


def test_a_probe_that_gets_no_answer_in_time_fails_with_kubelets_words(server):
    server.reply("/slow", Reply(200, delay=2))
    assert Probe("http", path="/slow", timeout=0.2).check(server.port) == (
        f'Get "http://127.0.0.1:{server.port}/slow": context deadline exceeded')


def test_a_closed_port_fails_both_kinds_of_probe():
    port = free_port()
    assert Probe("tcp").check(port) == f"dial tcp 127.0.0.1:{port}: connect: connection refused"
    assert Probe("http", path="/health").check(port) == (
        f'Get "http://127.0.0.1:{port}/health": dial tcp 127.0.0.1:{port}: connect: connection refused')


def test_a_tcp_probe_passes_when_the_port_accepts():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        assert Probe("tcp").check(listening.getsockname()[1]) is None


def test_probes_round_trip_through_json():
    probe = Probe("http", path="/x", headers=(("A", "b"),), period=2, failure_threshold=5)
    assert Probe.from_json(probe.to_json()) == probe
