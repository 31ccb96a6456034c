"""The stack's kubelet and the pods view, end to end through the CLI: pods restart as
`restartPolicy: Always` does, with kubelet's back-off; their probes decide whether they
are Envoy endpoints or restarted; `get pods`, `get deploy` and `get pods -w` show what
runs; `replicas: N` runs N pods behind the Service; and `bookinfo down` leaves nothing
behind (tests/support/runner.py checks it)."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request

import requests
import yaml

from tests.support.net import wait_until
from tests.support.runner import REPO, RunningStack

MANIFESTS = ("platform/kube/bookinfo.yaml", "networking/bookinfo-gateway.yaml")
RATINGS_CLUSTER = "outbound|9080||ratings.default.svc.cluster.local"
DETAILS_CLUSTER = "outbound|9080||details.default.svc.cluster.local"
DEPLOYMENTS = ("details-v1", "productpage-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3")


def get(stack: RunningStack, *args: str) -> str:
    result = stack.run("get", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def pod_row(stack: RunningStack, app: str, version: str = "v1") -> list[str]:
    [line] = get(stack, "pods", "-l", f"app={app},version={version}").splitlines()[1:]
    return line.split()


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


def test_get_pods_and_deployments_match_what_runs(stack):
    lines = get(stack, "pods").splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = [line.split() for line in lines[1:]]
    assert [re.sub(r"-[a-z0-9]{10}-[a-z0-9]{5}$", "", row[0]) for row in rows] == list(DEPLOYMENTS)
    assert all(row[1:4] == ["2/2", "Running", "0"] for row in rows)
    assert {row[0] for row in rows} == {pod["name"] for pod in stack.state()["pods"]}
    deployments = [line.split() for line in get(stack, "deploy").splitlines()[1:]]
    assert [row[:4] for row in deployments] == [[name, "1/1", "1", "1"] for name in DEPLOYMENTS]
    wide = get(stack, "pods", "-o", "wide", "-l", "app=details").splitlines()
    assert wide[1].split()[5:7] == [f"127.0.0.1:{pod_of(stack, 'details-v1')['port']}", "localhost"]
    status = json.loads(get(stack, "deploy", "details-v1", "-o", "json"))["status"]
    assert {c["type"]: c["status"] for c in status["conditions"]} == {"Available": "True", "Progressing": "True"}
    assert (status["replicas"], status["readyReplicas"], status["observedGeneration"]) == (1, 1, 1)


def test_a_killed_pod_comes_back_within_the_back_off_and_the_page_is_whole_again(stack):
    before = pod_of(stack, "details-v1")
    os.killpg(before["pid"], signal.SIGKILL)
    wait_until(lambda: pod_row(stack, "details")[2:4] == ["Running", "1"], timeout=10,
               what="the details pod running again with one restart")
    assert pod_of(stack, "details-v1")["pid"] != before["pid"]
    name = pod_row(stack, "details")[0]
    assert name == before["name"]
    last = get(stack, "pod", name, "-o", "jsonpath={.status.containerStatuses[0].lastState.terminated}")
    assert (json.loads(last)["exitCode"], json.loads(last)["reason"]) == (137, "Error")
    wait_until(lambda: page_is_whole(stack), timeout=10, what="the page with its details again")
    assert get(stack, "deploy", "details-v1").splitlines()[1].split()[1] == "1/1"


def test_a_pod_that_keeps_crashing_shows_crash_loop_back_off_while_it_waits(stack):
    watch = subprocess.Popen([sys.executable, "-m", "bookinfo", "--home", str(stack.home), "get", "pods",
                              "-l", "app=ratings", "-w"], stdout=subprocess.PIPE, text=True)
    printed: list[str] = []
    threading.Thread(target=lambda: printed.extend(watch.stdout), daemon=True).start()
    try:
        wait_until(lambda: printed and printed[0].split()[:3] == ["NAME", "READY", "STATUS"], timeout=10,
                   what="the watch's header")
        os.killpg(pod_of(stack, "ratings-v1")["pid"], signal.SIGKILL)
        wait_until(lambda: pod_row(stack, "ratings")[2:4] == ["Running", "1"], timeout=10, what="a first restart")
        os.killpg(pod_of(stack, "ratings-v1")["pid"], signal.SIGKILL)
        wait_until(lambda: pod_row(stack, "ratings")[1:3] == ["1/2", "CrashLoopBackOff"], timeout=10,
                   what="CrashLoopBackOff")
        assert get(stack, "deploy", "ratings-v1").splitlines()[1].split()[1] == "0/1"
        wait_until(lambda: pod_row(stack, "ratings")[1:4] == ["2/2", "Running", "2"], timeout=30,
                   what="the restart after the 10 s back-off")
        # The watch prints the change too (it polls on its own clock).
        wait_until(lambda: any(line.split()[2:4] == ["Running", "2"] for line in printed[1:]), timeout=10,
                   what="the watch's Running row")
    finally:
        watch.send_signal(signal.SIGINT)
        watch.wait(timeout=20)
    assert watch.returncode == 0
    statuses = [line.split()[2] for line in printed[1:]]
    assert "CrashLoopBackOff" in statuses and statuses[-1] == "Running"


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
    assert pod["inbound"] in endpoint_ports(stack, RATINGS_CLUSTER)
    # Unhealthy after 8 s: readiness fails first and Envoy stops sending it traffic...
    wait_until(lambda: pod["inbound"] not in endpoint_ports(stack, RATINGS_CLUSTER), timeout=20,
               interval=0.1, what="the unhealthy pod out of the endpoints")
    assert pod_row(stack, "ratings", "v-unhealthy")[1:4] == ["1/2", "Running", "0"]
    assert pod_of(stack, "ratings-v-unhealthy")["pid"] == pod["pid"]
    assert pod_of(stack, "ratings-v1")["inbound"] in endpoint_ports(stack, RATINGS_CLUSTER)
    # ...then its liveness probe fails four times in a row and the kubelet restarts it.
    wait_until(lambda: pod_row(stack, "ratings", "v-unhealthy")[3] == "1", timeout=30,
               what="the liveness restart")
    events = (stack.home / "stack" / "logs" / "kubelet.log").read_text()
    assert "Readiness probe failed: HTTP probe failed with statuscode: 500" in events
    assert "Container ratings failed liveness probe, will be restarted" in events
    # Healthy again after the restart: back among the endpoints.
    wait_until(lambda: pod["inbound"] in endpoint_ports(stack, RATINGS_CLUSTER), timeout=20,
               what="the restarted pod back in the endpoints")
    assert stack.run("delete", "deployment", "ratings-v-unhealthy").returncode == 0


def test_replicas_run_that_many_pods_behind_the_service(stack):
    deployment = next(o for o in yaml.safe_load_all((REPO / "platform/kube/bookinfo.yaml").read_text())
                      if o["kind"] == "Deployment" and o["metadata"]["name"] == "details-v1")
    deployment["spec"]["replicas"] = 3
    assert stack.apply("-", stdin=yaml.safe_dump(deployment)) == ["deployment.apps/details-v1 configured"]
    assert get(stack, "deploy", "details-v1").splitlines()[1].split()[:4] == ["details-v1", "3/3", "3", "3"]
    rows = [line.split() for line in get(stack, "pods", "-l", "app=details").splitlines()[1:]]
    assert len(rows) == 3 and all(row[1:3] == ["2/2", "Running"] for row in rows)
    ports = {p["inbound"] for p in stack.state()["pods"] if p["deployment"] == "details-v1"}  # their sidecars
    assert endpoint_ports(stack, DETAILS_CLUSTER) == ports and len(ports) == 3
    deployment["spec"]["replicas"] = 1
    assert stack.apply("-", stdin=yaml.safe_dump(deployment)) == ["deployment.apps/details-v1 configured"]
    assert len(get(stack, "pods", "-l", "app=details").splitlines()) == 2


def test_a_deleted_pod_is_replaced_by_a_new_one(stack):
    name = pod_row(stack, "reviews", "v2")[0]
    result = stack.run("delete", "pod", name)
    assert result.returncode == 0 and result.stdout == f'pod "{name}" deleted\n'
    replacement = pod_row(stack, "reviews", "v2")
    assert replacement[0] != name and replacement[1:3] == ["2/2", "Running"]
