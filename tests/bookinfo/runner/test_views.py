"""What `get` shows of a running stack: pods and ReplicaSets from the kubelet's record,
Deployments' status, and the Gateway API status the gateway controller would write."""
from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import yaml

from bookinfo.objects.kubectl_get import GetRequest, get_lines
from bookinfo.pods.pod import Pod, template_hash
from bookinfo.pods.status import Terminated, exited, restarted, started
from bookinfo.runner.gateway_status import with_gateway_status
from bookinfo.runner.stack import StackState
from bookinfo.runner.views import Stack, deployment_status, pod_object, replica_sets

REPO = Path(__file__).resolve().parents[3]
DEPLOYMENT = next(o for o in yaml.safe_load_all((REPO / "platform/kube/bookinfo.yaml").read_text())
                  if o["kind"] == "Deployment" and o["metadata"]["name"] == "details-v1")
DEPLOYMENT["metadata"].update(namespace="default", generation=3, creationTimestamp="2024-01-01T00:00:00Z")
HASH = template_hash(DEPLOYMENT)


def pod(suffix: str, status) -> Pod:
    return Pod(name=f"details-v1-{HASH}-{suffix}", deployment="details-v1", template_hash=HASH,
               service="details", image="examples-bookinfo-details-v1", version="v1",
               labels={"app": "details", "version": "v1"}, port=40000, outbound={}, env={}, argv=[],
               pid=123, container="details", status=status)


def stack(*pods: Pod) -> Stack:
    view = Stack(StackState(8080, 9901, [], pods=list(pods)))
    view.envoy_running = view.envoy_ready = True
    return view


def table(objects) -> list[list[str]]:
    lines = get_lines(objects, GetRequest(("pods",)), datetime.now(timezone.utc))
    return [line.split() for line in lines[1:]]


def test_pod_rows_as_kubectl_prints_them():
    now = time.time()
    running = replace(started(now - 60), ready=True)
    crashed = exited(restarted(exited(started(now - 60), Terminated(137, "Error", now - 60, now - 50, 9), now - 50),
                               now - 50), Terminated(1, "Error", now - 50, now - 5), now - 5)
    failed = exited(replace(started(now - 60), ready=True), Terminated(2, "Error", now - 60, now - 1), now)
    # A container that completed while its sidecar runs reads Running, as kubectl prints it.
    completed = exited(replace(started(now - 60), ready=True), Terminated(0, "Completed", now - 60, now - 1), now)
    view = stack()
    statuses = (("aaaaa", running), ("bbbbb", crashed), ("ccccc", failed), ("ddddd", completed))
    rows = table([pod_object(pod(suffix, status), DEPLOYMENT, view) for suffix, status in statuses])
    assert rows[0][1:4] == ["2/2", "Running", "0"]
    assert rows[1][1:3] == ["1/2", "CrashLoopBackOff"] and rows[1][3:5] == ["1", "(5s"]
    assert rows[2][1:4] == ["1/2", "Error", "0"]
    assert rows[3][1:4] == ["1/2", "Running", "0"]
    obj = pod_object(pod("bbbbb", crashed), DEPLOYMENT, view)
    [app, proxy] = obj["status"]["containerStatuses"]
    assert app["state"]["waiting"]["reason"] == "CrashLoopBackOff" and app["restartCount"] == 1
    assert app["lastState"]["terminated"]["exitCode"] == 1 and proxy["name"] == "istio-proxy"
    assert obj["metadata"]["labels"]["pod-template-hash"] == HASH
    assert obj["metadata"]["ownerReferences"][0]["name"] == f"details-v1-{HASH}"


def test_deployment_status_counts_ready_updated_and_available_pods():
    ready = replace(started(time.time()), ready=True)
    status = deployment_status(DEPLOYMENT, [pod("aaaaa", ready)])
    assert (status["replicas"], status["readyReplicas"], status["availableReplicas"], status["updatedReplicas"],
            status["observedGeneration"]) == (1, 1, 1, 1, 3)
    assert [(c["type"], c["status"], c["reason"]) for c in status["conditions"]] == [
        ("Available", "True", "MinimumReplicasAvailable"), ("Progressing", "True", "NewReplicaSetAvailable")]
    down = deployment_status(DEPLOYMENT, [pod("aaaaa", started(time.time()))])
    assert "readyReplicas" not in down and down["unavailableReplicas"] == 1
    assert down["conditions"][0]["status"] == "False"
    [rs] = replica_sets(stack(pod("aaaaa", ready)), {"details-v1": DEPLOYMENT})
    assert (rs["metadata"]["name"], rs["spec"]["replicas"], rs["status"]["readyReplicas"]) == (
        f"details-v1-{HASH}", 1, 1)


GATEWAY_API = list(yaml.safe_load_all((REPO / "gateway-api/bookinfo-gateway.yaml").read_text()))
for obj in GATEWAY_API:
    obj["metadata"].update(namespace="default", generation=1, creationTimestamp="2024-01-01T00:00:00Z")


def test_gateways_are_accepted_and_programmed_once_envoy_is_ready():
    gateway, route = GATEWAY_API
    status = with_gateway_status(gateway, GATEWAY_API, 8080, envoy_ready=True)["status"]
    assert status["addresses"] == [{"type": "IPAddress", "value": "127.0.0.1"}]
    assert [(c["type"], c["status"]) for c in status["conditions"]] == [("Accepted", "True"), ("Programmed", "True")]
    assert status["listeners"][0]["attachedRoutes"] == 1
    waiting = with_gateway_status(gateway, GATEWAY_API, 8080, envoy_ready=False)["status"]
    assert waiting["conditions"][1]["status"] == "False"
    assert with_gateway_status(gateway, GATEWAY_API, None, True) is gateway  # no stack: as stored


def test_routes_report_their_parents_and_missing_backends():
    gateway, route = GATEWAY_API
    [parent] = with_gateway_status(route, GATEWAY_API, 8080, True)["status"]["parents"]
    assert parent["controllerName"] == "istio.io/gateway-controller"
    assert parent["parentRef"] == {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "bookinfo-gateway"}
    assert [(c["type"], c["status"]) for c in parent["conditions"]] == [("Accepted", "True"), ("ResolvedRefs", "False")]
    assert parent["conditions"][1]["message"] == "backend(productpage.default.svc.cluster.local) not found"
