"""The stack's kubelet, end to end: pods restart as `restartPolicy: Always` does, with
kubelet's back-off, their probes decide whether they are Envoy endpoints or restarted,
and `bookinfo down` leaves nothing behind (tests/support/runner.py checks it)."""
from __future__ import annotations

import json
import os
import signal
import urllib.request

import requests
import yaml

from tests.support.net import wait_until
from tests.support.runner import REPO, RunningStack

MANIFESTS = ("platform/kube/bookinfo.yaml", "networking/bookinfo-gateway.yaml")
RATINGS_CLUSTER = "outbound|9080||ratings.default.svc.cluster.local"


def pod_of(stack: RunningStack, deployment: str) -> dict:
    [pod] = [p for p in stack.state()["pods"] if p["deployment"] == deployment]
    return pod


def page_is_whole(stack: RunningStack) -> bool:
    page = requests.get(stack.url + "/productpage", timeout=20).text
    return "Book Details" in page and "Error fetching" not in page


def endpoint_ports(stack: RunningStack, cluster: str) -> set[int]:
    """The ports Envoy balances ``cluster`` over, from its admin interface."""
    admin = stack.state()["admin_port"]
    with urllib.request.urlopen(f"http://127.0.0.1:{admin}/clusters?format=json", timeout=5) as answer:
        statuses = json.load(answer)["cluster_statuses"]
    hosts = next((c.get("host_statuses", []) for c in statuses if c["name"] == cluster), [])
    return {h["address"]["socket_address"]["port_value"] for h in hosts}


def test_a_killed_pod_comes_back_within_the_back_off_and_the_page_is_whole_again(stack):
    before = pod_of(stack, "details-v1")
    os.killpg(before["pid"], signal.SIGKILL)
    wait_until(lambda: pod_of(stack, "details-v1")["status"]["restarts"] == 1, timeout=10,
               what="the details pod to be restarted")
    after = pod_of(stack, "details-v1")
    assert after["name"] == before["name"] and after["pid"] != before["pid"]
    last = after["status"]["last"]
    assert (last["exit_code"], last["reason"], last["signal"]) == (137, "Error", 9)
    wait_until(lambda: page_is_whole(stack), timeout=10, what="the page with its details again")


def test_a_pod_that_keeps_crashing_waits_out_the_back_off(stack):
    os.killpg(pod_of(stack, "ratings-v1")["pid"], signal.SIGKILL)
    wait_until(lambda: pod_of(stack, "ratings-v1")["status"]["running_since"] > 0
               and pod_of(stack, "ratings-v1")["status"]["restarts"] == 1, timeout=10, what="a first restart")
    os.killpg(pod_of(stack, "ratings-v1")["pid"], signal.SIGKILL)
    wait_until(lambda: pod_of(stack, "ratings-v1")["status"]["waiting"] == "CrashLoopBackOff", timeout=10,
               what="CrashLoopBackOff")
    waiting = pod_of(stack, "ratings-v1")["status"]
    assert waiting["restart_at"] - waiting["last"]["finished_at"] == 10.0
    wait_until(lambda: pod_of(stack, "ratings-v1")["status"]["restarts"] == 2, timeout=30,
               what="the restart after the back-off")
    assert pod_of(stack, "ratings-v1")["status"]["backoff"] == 20.0


def unhealthy_ratings() -> str:
    """The ratings Deployment on the v-unhealthy image, flipping every 8 s, with quick probes."""
    deployment = next(o for o in yaml.safe_load_all((REPO / "platform/kube/bookinfo-ratings.yaml").read_text())
                      if o["kind"] == "Deployment")
    deployment["metadata"]["name"] = "ratings-v-unhealthy"
    for labels in (deployment["metadata"]["labels"], deployment["spec"]["selector"]["matchLabels"],
                   deployment["spec"]["template"]["metadata"]["labels"]):
        labels["version"] = "v-unhealthy"
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["image"] = "docker.io/bookinfopy/examples-bookinfo-ratings-v-unhealthy:0.1.0"
    container["env"] = [{"name": "RATINGS_UNHEALTHY_PERIOD_SECONDS", "value": "8"}]
    container["readinessProbe"].update(periodSeconds=1, failureThreshold=1)
    container["livenessProbe"].update(periodSeconds=2, failureThreshold=4)
    return yaml.safe_dump(deployment)


def test_the_v_unhealthy_image_leaves_the_endpoints_then_is_restarted_by_its_liveness_probe(stack):
    assert stack.apply("-", stdin=unhealthy_ratings()) == ["deployment.apps/ratings-v-unhealthy created"]
    pod = pod_of(stack, "ratings-v-unhealthy")
    assert pod["port"] in endpoint_ports(stack, RATINGS_CLUSTER)
    # Unhealthy after 8 s: readiness fails first and Envoy stops sending it traffic...
    wait_until(lambda: pod["port"] not in endpoint_ports(stack, RATINGS_CLUSTER), timeout=20,
               interval=0.1, what="the unhealthy pod out of the endpoints")
    still = pod_of(stack, "ratings-v-unhealthy")
    assert still["pid"] == pod["pid"] and not still["status"]["ready"] and still["status"]["restarts"] == 0
    assert pod_of(stack, "ratings-v1")["port"] in endpoint_ports(stack, RATINGS_CLUSTER)
    # ...then its liveness probe fails four times in a row and the kubelet restarts it.
    wait_until(lambda: pod_of(stack, "ratings-v-unhealthy")["status"]["restarts"] >= 1, timeout=30,
               what="the liveness restart")
    events = (stack.home / "stack" / "logs" / "kubelet.log").read_text()
    assert "Readiness probe failed: HTTP probe failed with statuscode: 500" in events
    assert "Container ratings failed liveness probe, will be restarted" in events
    # Healthy again after the restart: back among the endpoints.
    wait_until(lambda: pod["port"] in endpoint_ports(stack, RATINGS_CLUSTER), timeout=20,
               what="the restarted pod back in the endpoints")
    assert stack.run("delete", "-f", "-", stdin=unhealthy_ratings()).returncode == 0
