"""The Envoy process: start, live updates without restart, attach, failure reports, stop.

One Envoy for the module; the tests run in file order and each leaves a working config.
"""
import os
import socket
import threading

import pytest
import requests

from bookinfo.envoy.process import EnvoyProcess
from bookinfo.errors import EnvoyConfigRejected
from bookinfo.envoy.validate import EnvoyConfigInvalid, validate_bootstrap
from bookinfo.mesh.model import EnvoyResources, MeshInputs, Workload
from bookinfo.objects.services import Service, ServicePort
from bookinfo.mesh.translate import build
from tests.support.net import free_port, wait_until

from .echo_server import echo_server

DESTINATION_RULE = {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": {"name": "web"},
                    "spec": {"host": "web", "subsets": [{"name": "v1", "labels": {"version": "v1"}},
                                                        {"name": "v2", "labels": {"version": "v2"}}]}}


def virtual_service(subset: str) -> dict:
    return {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "web"},
            "spec": {"hosts": ["web"], "http": [{"route": [{"destination": {"host": "web", "subset": subset}}]}]}}


class Stack:
    """Two versions of a 'web' Service and the ports their callers use."""

    def __init__(self):
        self.servers = {v: echo_server(f"web-{v}") for v in ("v1", "v2")}
        self.outbound = {("client", "web", 9080): free_port()}
        self.admin_port = free_port()

    def resources(self, subset: str, outbound=None):
        workloads = [Workload(f"web-{v}", {"app": "web", "version": v}, s.port) for v, s in self.servers.items()]
        services = [Service("web", "default", {}, {"app": "web"}, [ServicePort("http", 9080)])]
        return build(MeshInputs(workloads, services, [DESTINATION_RULE, virtual_service(subset)], None,
                                outbound or self.outbound, self.admin_port))

    def url(self, caller: str = "client") -> str:
        return f"http://127.0.0.1:{self.outbound[(caller, 'web', 9080)]}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack()
    stack.envoy = EnvoyProcess(tmp_path_factory.mktemp("mesh"))
    stack.envoy.start(stack.resources("v1"), stack.admin_port)
    try:
        stack.envoy.wait_ready(timeout=30)
        yield stack
    finally:
        stack.envoy.stop()
        for server in stack.servers.values():
            server.close()


def test_starts_serves_and_logs_in_its_workdir(stack):
    assert requests.get(stack.url() + "/", timeout=10).json()["endpoint"] == "web-v1"
    assert stack.envoy.pid and stack.envoy.alive()
    assert os.getpgid(stack.envoy.pid) == stack.envoy.pid  # its own process group
    assert "starting main dispatch loop" in stack.envoy.log_path.read_text()
    validate_bootstrap(stack.envoy.bootstrap_path)


@pytest.mark.slow
def test_update_applies_without_restart_and_in_flight_request_completes(stack):
    pid = stack.envoy.pid
    session = requests.Session()
    assert session.get(stack.url() + "/", timeout=10).json()["endpoint"] == "web-v1"
    in_flight = {}
    slow = threading.Thread(target=lambda: in_flight.update(
        response=requests.get(stack.url() + "/slow?sleep=1.5", timeout=20)))
    slow.start()
    wait_until(lambda: stack.servers["v1"].requests("/slow"), timeout=10, what="the slow request to arrive")
    versions = stack.envoy.update(stack.resources("v2"))
    stack.envoy.wait_applied(timeout=15, versions=versions)
    assert session.get(stack.url() + "/", timeout=10).json()["endpoint"] == "web-v2"  # same kept-alive connection
    slow.join(timeout=20)
    assert in_flight["response"].status_code == 200
    assert in_flight["response"].json()["endpoint"] == "web-v1"
    assert stack.envoy.pid == pid and stack.envoy.alive()


def test_update_can_add_a_listener(stack):
    stack.outbound[("other", "web", 9080)] = free_port()
    stack.envoy.update(stack.resources("v2"))
    stack.envoy.wait_applied(timeout=15)
    assert requests.get(stack.url("other") + "/", timeout=10).json()["endpoint"] == "web-v2"


def test_attach_drives_the_running_envoy_from_another_command(stack):
    attached = EnvoyProcess.attach(stack.envoy.workdir, stack.envoy.pid, stack.admin_port)
    assert attached.alive()
    attached.wait_applied(timeout=5)  # what is on disk is live
    attached.update(stack.resources("v1"))
    attached.wait_applied(timeout=15)
    assert requests.get(stack.url() + "/", timeout=10).json()["endpoint"] == "web-v1"


def test_rejected_update_is_reported_and_envoy_keeps_serving(stack):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        outbound = {**stack.outbound, ("blocked", "web", 9080): taken.getsockname()[1]}
        stack.envoy.update(stack.resources("v2", outbound))
        with pytest.raises(EnvoyConfigRejected, match=r"(?i)outbound\|blocked\|web\|9080: .*address already in use"):
            stack.envoy.wait_applied(timeout=15)
    assert requests.get(stack.url() + "/", timeout=10).status_code == 200
    stack.envoy.update(stack.resources("v1"))
    stack.envoy.wait_applied(timeout=15)


def test_invalid_update_is_refused_before_it_reaches_the_files(stack):
    on_disk = stack.envoy.files.written()
    good = stack.resources("v2")
    broken = EnvoyResources(good.listeners, [{**c, "lb_policy": "NO_SUCH_POLICY"} for c in good.clusters],
                            good.route_configs)
    with pytest.raises(EnvoyConfigInvalid, match="NO_SUCH_POLICY"):
        stack.envoy.update(broken)
    assert stack.envoy.files.written() == on_disk
    assert requests.get(stack.url() + "/", timeout=10).json()["endpoint"] == "web-v1"


def test_several_envoys_coexist(stack, tmp_path):
    second = EnvoyProcess(tmp_path)
    second.start(stack.resources("v1", {("client", "web", 9080): free_port()}), free_port())
    try:
        second.wait_ready(timeout=30)
        assert stack.envoy.alive() and second.alive()
    finally:
        second.stop()
    assert not second.alive()


def test_stop_ends_the_process(stack):
    pid = stack.envoy.pid
    stack.envoy.stop()
    assert not stack.envoy.alive()
    assert not os.path.exists(f"/proc/{pid}")  # reaped, not a zombie
    with pytest.raises(requests.ConnectionError):
        requests.get(stack.url() + "/", timeout=5)
