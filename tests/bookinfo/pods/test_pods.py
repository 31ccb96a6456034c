"""Deployments -> pods: names, ports, environment and command; then real start, health, stop."""
from __future__ import annotations

import dataclasses
import os
import re
import signal
import time
from pathlib import Path

import pytest
import yaml

from bookinfo.runner.roles import split
from bookinfo.system.ports import free_ports
from bookinfo.system.processes import alive
from bookinfo.pods.build import build_pods, pod_problem
from bookinfo.pods.lifecycle import (Launcher, is_healthy, restart_pod, start_pod, stop_pods, termination,
                                     wait_healthy)
from bookinfo.pods import logs
from bookinfo.errors import WorkloadError
from tests.support.net import wait_until
from tests.support.runner import REPO, processes_writing_under

MANIFEST = list(yaml.safe_load_all((REPO / "platform/kube/bookinfo.yaml").read_text()))


def pods_for(names, objects=MANIFEST, environ=None, tmp_path=None):
    desired = split(objects)
    wanted = [(d, 1) for d in desired.deployments if d["metadata"]["name"] in names]
    ports = iter(free_ports(50))
    pods, unstartable = build_pods(wanted, desired.services, desired.secrets, ports,
                                   tmp_path or REPO / "unused",
                                   environ or {"PATH": "/usr/bin", "SECRET": "x"})
    assert unstartable == []
    return pods


def test_pods_are_named_like_kubernetes_pods_and_keep_their_template_hash():
    [first] = pods_for(["reviews-v2"])
    [second] = pods_for(["reviews-v2"])
    assert re.fullmatch(r"reviews-v2-[a-z0-9]{10}-[a-z0-9]{5}", first.name)
    assert first.template_hash == second.template_hash and first.name != second.name
    assert first.env["HOSTNAME"] == first.name
    assert (first.deployment, first.service, first.version) == ("reviews-v2", "reviews", "v2")


def test_env_is_image_env_then_service_links_then_the_deployment_env():
    [reviews] = pods_for(["reviews-v3"])
    env = reviews.env
    assert (env["SERVICE_VERSION"], env["ENABLE_RATINGS"], env["STAR_COLOR"]) == ("v3", "true", "red")
    # Every Service is reached through this pod's own listener on Envoy.
    assert env["RATINGS_HOSTNAME"] == "127.0.0.1"
    assert env["RATINGS_SERVICE_PORT"] == str(reviews.outbound["ratings", 9080])
    # Only what a pod needs from the runner's environment is inherited.
    assert env["PATH"] == "/usr/bin" and "SECRET" not in env


def test_flask_pods_keep_their_connections_to_envoy_unless_the_deployment_says_otherwise():
    [productpage, reviews] = pods_for(["productpage-v1", "reviews-v2"])
    assert productpage.env["BOOKINFO_REUSE_CONNECTIONS"] == "true"
    assert reviews.env["BOOKINFO_REUSE_CONNECTIONS"] == "true"
    deployment = next(o for o in MANIFEST if o["kind"] == "Deployment"
                      and o["metadata"]["name"] == "productpage-v1")
    deployment = yaml.safe_load(yaml.safe_dump(deployment))
    deployment["spec"]["template"]["spec"]["containers"][0]["env"] = [
        {"name": "BOOKINFO_REUSE_CONNECTIONS", "value": "false"}]
    [overridden] = pods_for(["productpage-v1"], [deployment, *(o for o in MANIFEST
                                                              if o["kind"] == "Service")])
    assert overridden.env["BOOKINFO_REUSE_CONNECTIONS"] == "false"


def test_every_pod_gets_distinct_ports_for_itself_and_each_listener():
    pods = pods_for(["details-v1", "reviews-v1", "productpage-v1"])
    ports = [p.port for p in pods] + [port for p in pods for port in p.outbound.values()]
    assert len(ports) == len(set(ports)) == 3 * (1 + 4)
    assert pods[0].gunicorn_args[-1] == "details.wsgi:app"
    assert pods[0].gunicorn_args[:4] == ["-c", "python:bookinfo_common.gunicorn_conf", "--bind",
                                        f"127.0.0.1:{pods[0].port}"]


def test_a_deployment_env_naming_a_service_is_pointed_at_the_listener():
    ratings = next(o for o in yaml.safe_load_all(
        (REPO / "platform/kube/bookinfo-ratings-v2.yaml").read_text()) if o["kind"] == "Deployment")
    mongodb = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "mongodb"},
               "spec": {"ports": [{"port": 27017, "name": "mongo"}], "selector": {"app": "mongodb"}}}
    [pod] = pods_for(["ratings-v2"], MANIFEST + [mongodb, ratings])
    assert pod.env["MONGO_DB_URL"] == f"mongodb://127.0.0.1:{pod.outbound['mongodb', 27017]}/test"


def test_an_unknown_image_is_reported_and_the_other_deployments_still_get_pods():
    deployment = next(o for o in MANIFEST if o["metadata"]["name"] == "details-v1")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"
    desired = split([broken, *(o for o in MANIFEST if o["metadata"]["name"] != "details-v1")])
    wanted = [(d, 1) for d in desired.deployments if d["metadata"]["name"] in ("details-v1", "ratings-v1")]
    pods, unstartable = build_pods(wanted, desired.services, desired.secrets, iter(free_ports(20)),
                                   REPO / "unused", {"PATH": "/usr/bin"})
    assert [pod.deployment for pod in pods] == ["ratings-v1"]
    [refused] = unstartable
    assert refused.name == "details-v1" and "'nginx:1.27' is not a Bookinfo image" in refused.reason
    assert pod_problem(broken, {}) == refused.reason
    assert pod_problem(deployment, {}) is None


@pytest.fixture(scope="module")
def launcher(tmp_path_factory):
    launcher = Launcher(tmp_path_factory.mktemp("launcher") / "launcher.log")
    yield launcher
    launcher.close()


def real_pod(name, tmp_path, env=None):
    [pod] = pods_for([name], tmp_path=tmp_path)
    return dataclasses.replace(pod, env={**pod.env, **(env or {})})


def test_a_pod_is_forked_healthy_and_stopped(launcher, tmp_path):
    pod = start_pod(real_pod("details-v1", tmp_path), tmp_path, launcher)
    try:
        wait_healthy([pod], time.monotonic() + 30)
        assert is_healthy(pod) and alive(pod.pid, pod.started)
    finally:
        stop_pods([pod], timeout=10)
    assert not alive(pod.pid) and not is_healthy(pod)
    assert "Booting worker" in open(pod.log).read()


def test_a_pod_that_exits_at_start_is_reported_with_its_error(launcher, tmp_path):
    pod = real_pod("productpage-v1", tmp_path, env={"FLOOD_FACTOR": "many"})
    pod = start_pod(pod, tmp_path, launcher)
    try:
        with pytest.raises(WorkloadError, match=r"productpage-v1-\S+ exited during start: .*FLOOD_FACTOR"):
            wait_healthy([pod], time.monotonic() + 30)
    finally:
        stop_pods([pod], timeout=10)


def test_a_killed_pod_leaves_the_record_of_its_end_and_restarts_with_its_log_set_aside(launcher, tmp_path):
    pod = start_pod(real_pod("details-v1", tmp_path), tmp_path, launcher)
    try:
        wait_healthy([pod], time.monotonic() + 30)
        assert termination(pod) is None
        os.killpg(pod.pid, signal.SIGKILL)
        wait_until(lambda: termination(pod) is not None, timeout=10, what="the shim's record")
        end = termination(pod)
        assert (end.exit_code, end.reason, end.signal) == (137, "Error", 9)
        assert all(logs.split(line)[0] is not None for line in logs.read(Path(pod.log)))
        assert any("Booting worker" in text for text in logs.texts(logs.read(Path(pod.log))))

        pid, ticks = restart_pod(pod, launcher)
        pod = dataclasses.replace(pod, pid=pid, started=ticks)
        wait_healthy([pod], time.monotonic() + 30)
        assert any("Booting worker" in text for text in logs.texts(logs.read(logs.previous(Path(pod.log)))))
        assert any("Booting worker" in text for text in logs.texts(logs.read(Path(pod.log))))
    finally:
        stop_pods([pod], timeout=10)
    # Stopping waits for the shim: nothing of the pod holds its log any more.
    assert processes_writing_under(tmp_path) == []
    assert termination(pod).reason == "Completed"


def test_each_pod_runs_as_its_service_account_behind_its_own_inbound_port():
    pods = pods_for(["productpage-v1", "reviews-v2"])
    assert [(p.namespace, p.service_account, p.container_port) for p in pods] == [
        ("default", "bookinfo-reviews", 9080), ("default", "bookinfo-productpage", 9080)]
    ports = [p.port for p in pods] + [p.inbound for p in pods]
    assert len(set(ports)) == 4 and all(ports)


def test_a_pod_template_without_a_service_account_runs_as_default():
    [deployment] = [d for d in MANIFEST if d["kind"] == "Deployment" and d["metadata"]["name"] == "details-v1"]
    copy = yaml.safe_load(yaml.safe_dump(deployment))
    del copy["spec"]["template"]["spec"]["serviceAccountName"]
    [pod] = pods_for(["details-v1"], [o for o in MANIFEST if o is not deployment] + [copy])
    assert pod.service_account == "default"
