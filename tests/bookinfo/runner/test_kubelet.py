"""The kubelet's decisions: probe streaks against their thresholds, startup gating, and
changes applied only to the pod run they were decided for."""
from __future__ import annotations

import os
from dataclasses import replace

import pytest

from bookinfo.pods.pod import Pod
from bookinfo.pods.probes import Probe
from bookinfo.pods.status import started
from bookinfo.runner.config import RunnerConfig
from bookinfo.runner.kubelet import Decision, Kubelet
from bookinfo.runner.stack import StackDir, StackState
from bookinfo.system.processes import start_ticks
from tests.support.stub_server import Reply, StubServer

NOW = 1_000_000.0


@pytest.fixture
def server():
    stub = StubServer(Reply(200))
    yield stub
    stub.close()


def pod(port: int, ready: bool, **probes: Probe) -> Pod:
    """A pod whose "process" is this test (alive), probed on ``port``."""
    return Pod(name="details-v1-abc-xyz", deployment="details-v1", template_hash="abc", service="details",
               image="img", version="v1", labels={"app": "details"}, port=port, outbound={}, env={}, argv=[],
               log="/nonexistent.log", pid=os.getpid(), started=start_ticks(os.getpid()), container="details",
               probes=probes, status=replace(started(NOW), ready=ready))


def kubelet(tmp_path) -> Kubelet:
    return Kubelet(RunnerConfig(home=tmp_path), tmp_path / "events.log")


def decisions(agent: Kubelet, state: StackState, now: float) -> dict:
    return {key: d for key, d in agent.decide(state, now) if d}


def test_a_ready_pod_stops_being_ready_after_failure_threshold_failures(tmp_path, server):
    server.reply("/health", Reply(500))
    state = StackState(8080, 9901, [], pods=[pod(server.port, True, readiness=Probe("http", "/health", period=5,
                                                                                    failure_threshold=2))])
    agent = kubelet(tmp_path)
    assert decisions(agent, state, NOW) == {}          # a ready pod is probed a period from now
    assert decisions(agent, state, NOW + 5) == {}      # one failure
    [decision] = decisions(agent, state, NOW + 10).values()
    assert decision.ready is False and not decision.kill
    assert "Readiness probe failed: HTTP probe failed with statuscode: 500" in (tmp_path / "events.log").read_text()


def test_a_new_run_becomes_ready_after_success_threshold_successes(tmp_path, server):
    state = StackState(8080, 9901, [], pods=[pod(server.port, False, readiness=Probe(
        "http", "/health", initial_delay=3, period=1, success_threshold=2))])
    agent = kubelet(tmp_path)
    assert decisions(agent, state, NOW + 1) == {}      # still in its initial delay
    assert decisions(agent, state, NOW + 3) == {}      # one success
    [decision] = decisions(agent, state, NOW + 4).values()
    assert decision.ready is True


def test_liveness_failures_kill_but_only_once_startup_has_passed(tmp_path, server):
    server.reply("/live", Reply(503))
    server.reply("/started", Reply(500), Reply(200))
    probes = {"startup": Probe("http", "/started", period=1, failure_threshold=5),
              "liveness": Probe("http", "/live", period=1, failure_threshold=1)}
    state = StackState(8080, 9901, [], pods=[pod(server.port, False, **probes)])
    agent = kubelet(tmp_path)
    assert decisions(agent, state, NOW) == {}          # startup fails once: liveness waits
    assert server.requests("/live") == []
    assert decisions(agent, state, NOW + 1) == {}      # startup passes
    [decision] = decisions(agent, state, NOW + 2).values()
    assert decision.kill == "Container details failed liveness probe, will be restarted"


def test_a_decision_for_another_run_of_the_pod_changes_nothing(tmp_path, server):
    stack_dir = StackDir(tmp_path / "stack")
    running = pod(server.port, True)
    stack_dir.save(StackState(8080, 9901, [], pods=[running]))
    agent = Kubelet(RunnerConfig(home=tmp_path), tmp_path / "events.log")
    agent.change({(running.name, running.pid + 1): Decision(ready=False)})
    assert stack_dir.load().pods[0].status.ready is True
    agent.change({(running.name, running.pid): Decision(ready=False)})
    assert stack_dir.load().pods[0].status.ready is False
