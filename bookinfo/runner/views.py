"""What ``bookinfo get`` shows: the stored objects as a cluster reports them, with the
``status`` their controllers would write, and the pods and ReplicaSets of the running
stack.

Nothing here is stored: each ``get`` computes it from the store and the stack's state
(what the kubelet recorded), so it is as current as the state. Deployments get
``status`` (replicas, readyReplicas, availableReplicas, updatedReplicas,
observedGeneration, the Available and Progressing conditions); Gateway API Gateways and
HTTPRoutes theirs (bookinfo.runner.gateway_status); each pod is an object of kind Pod
with two containers, the application's and ``istio-proxy`` (its sidecar: the stack's
Envoy), as an injected pod has.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from bookinfo.envoy import admin
from bookinfo.objects.kubectl_output import LOCAL_PORT_ANNOTATION, format_timestamp
from bookinfo.objects.record import object_key
from bookinfo.pods.pod import Pod, replicas, template_hash
from bookinfo.pods.status import Terminated
from bookinfo.runner.config import RunnerConfig
from bookinfo.runner.gateway_status import with_gateway_status
from bookinfo.runner.stack import StackDir, StackState
from bookinfo.system.processes import alive

PROXY_IMAGE = "docker.io/istio/proxyv2"
NODE = "localhost"
LOOPBACK = "127.0.0.1"


def cluster_objects(config: RunnerConfig) -> list[dict[str, Any]]:
    """Every object ``get`` may list, each with its status."""
    from bookinfo.objects.store import Store

    stored = Store(config.home).objects()
    state = StackDir(config.stack_dir).load()
    stack = Stack(state) if state is not None and state.any_alive() else None
    deployments = {o["metadata"]["name"]: o for o in stored if object_key(o)[:2] == ("apps", "Deployment")}
    objects = []
    for obj in stored:
        kind = object_key(obj)[:2]
        if kind == ("apps", "Deployment") and stack is not None:
            obj = {**obj, "status": deployment_status(obj, stack.pods_of(obj["metadata"]["name"]))}
        objects.append(with_gateway_status(obj, stored, stack.gateway_port if stack else None,
                                           stack.envoy_ready if stack else False))
    if stack is not None:
        objects += replica_sets(stack, deployments)
        objects += [pod_object(pod, deployments.get(pod.deployment), stack) for pod in stack.state.pods]
    return objects


class Stack:
    """The running stack as the views need it (Envoy's readiness asked once)."""

    def __init__(self, state: StackState):
        self.state = state
        self.gateway_port = state.gateway_port
        self.envoy_running = bool(state.envoy_pid) and alive(state.envoy_pid, state.envoy_started or None)
        self.envoy_ready = self.envoy_running and admin.is_ready(state.admin_port)

    def pods_of(self, deployment: str) -> list[Pod]:
        return [pod for pod in self.state.pods if pod.deployment == deployment]


def _time(epoch: float) -> str:
    return format_timestamp(datetime.fromtimestamp(epoch, timezone.utc))


def _available(pod: Pod) -> bool:
    return pod.status.running and pod.status.ready


def deployment_status(deployment: dict[str, Any], pods: Sequence[Pod]) -> dict[str, Any]:
    """A Deployment's status as its controller writes it, from the pods that run for it."""
    wanted = replicas(deployment)
    current = template_hash(deployment)
    updated = [p for p in pods if p.template_hash == current]
    ready = sum(1 for p in pods if _available(p))
    # The default rolling update allows a quarter of the replicas (rounded down) unavailable.
    minimum = wanted - wanted // 4
    available = ready >= minimum
    since = _time(min((p.status.created for p in pods), default=0.0)) if pods else \
        deployment["metadata"].get("creationTimestamp")
    name = f"{deployment['metadata']['name']}-{current}"
    progressed = len(updated) == wanted and all(_available(p) for p in updated)
    status: dict[str, Any] = {
        "observedGeneration": deployment["metadata"].get("generation", 1),
        "replicas": len(pods),
        "updatedReplicas": len(updated),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "conditions": [
            {"type": "Available", "status": str(available),
             "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
             "message": "Deployment has minimum availability." if available
             else "Deployment does not have minimum availability.",
             "lastUpdateTime": since, "lastTransitionTime": since},
            {"type": "Progressing", "status": "True",
             "reason": "NewReplicaSetAvailable" if progressed else "ReplicaSetUpdated",
             "message": f'ReplicaSet "{name}" has successfully progressed.' if progressed
             else f'ReplicaSet "{name}" is progressing.',
             "lastUpdateTime": since, "lastTransitionTime": since},
        ],
    }
    if len(pods) > ready:
        status["unavailableReplicas"] = len(pods) - ready
    for key in ("readyReplicas", "availableReplicas"):
        if not status[key]:
            del status[key]  # the API server omits zero counts
    return status


def replica_sets(stack: Stack, deployments: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One ReplicaSet per Deployment and pod template that has pods."""
    groups: dict[tuple[str, str], list[Pod]] = {}
    for pod in stack.state.pods:
        groups.setdefault((pod.deployment, pod.template_hash), []).append(pod)
    out = []
    for (deployment_name, hash_), pods in groups.items():
        deployment = deployments.get(deployment_name) or {}
        template = (deployment.get("spec") or {}).get("template") or {}
        labels = {**pods[0].labels, "pod-template-hash": hash_}
        current = deployment and template_hash(deployment) == hash_
        name = f"{deployment_name}-{hash_}"
        out.append({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": _namespace(deployment), "labels": labels,
                         "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
                         "creationTimestamp": _time(min(p.status.created for p in pods)),
                         "ownerReferences": [_owner("apps/v1", "Deployment", deployment_name)]},
            "spec": {"replicas": replicas(deployment) if current else 0,
                     "selector": {"matchLabels": labels}, "template": template},
            "status": {"replicas": len(pods), "fullyLabeledReplicas": len(pods),
                       "readyReplicas": sum(1 for p in pods if _available(p)),
                       "availableReplicas": sum(1 for p in pods if _available(p)),
                       "observedGeneration": 1},
        })
    return out


def pod_object(pod: Pod, deployment: dict[str, Any] | None, stack: Stack) -> dict[str, Any]:
    """The pod as the API server would serve it, its status from the kubelet's record."""
    template = ((deployment or {}).get("spec") or {}).get("template") or {}
    containers = list((template.get("spec") or {}).get("containers") or [{"name": pod.container}])
    created = _time(pod.status.created)
    ready = _available(pod) and stack.envoy_ready
    conditions = {"PodReadyToStartContainers": True, "Initialized": True, "Ready": ready,
                  "ContainersReady": ready, "PodScheduled": True}
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": pod.name, "generateName": f"{pod.deployment}-{pod.template_hash}-",
            "namespace": _namespace(deployment or {}),
            "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, pod.name)),
            "creationTimestamp": created,
            "labels": {**pod.labels, "pod-template-hash": pod.template_hash},
            "annotations": {"kubectl.kubernetes.io/default-container": pod.container,
                            LOCAL_PORT_ANNOTATION: str(pod.port)},
            "ownerReferences": [_owner("apps/v1", "ReplicaSet", f"{pod.deployment}-{pod.template_hash}")],
        },
        "spec": {"containers": [*containers, {"name": "istio-proxy", "image": PROXY_IMAGE}],
                 "nodeName": NODE, "restartPolicy": "Always"},
        "status": {
            "phase": "Running",
            "conditions": [{"type": kind, "status": str(value), "lastProbeTime": None,
                            "lastTransitionTime": created} for kind, value in conditions.items()],
            "hostIP": LOOPBACK, "hostIPs": [{"ip": LOOPBACK}],
            "podIP": LOOPBACK, "podIPs": [{"ip": LOOPBACK}],
            "startTime": created,
            "containerStatuses": [_app_status(pod, containers[0]), _proxy_status(stack, created)],
        },
    }


def _app_status(pod: Pod, container: dict[str, Any]) -> dict[str, Any]:
    status = pod.status
    if status.running:
        state: dict[str, Any] = {"running": {"startedAt": _time(status.running_since)}}
    elif status.waiting:
        state = {"waiting": {"reason": status.waiting,
                             "message": f"back-off {status.backoff:.0f}s restarting failed container="
                                        f"{pod.container} pod={pod.name}"}}
    elif status.last:
        state = {"terminated": _terminated(status.last)}
    else:
        state = {"waiting": {"reason": "ContainerCreating"}}
    # The previous run's end, once the container runs again or waits to.
    last = status.last if status.last and (status.running or status.waiting) else None
    return {"name": pod.container, "image": container.get("image", pod.image), "imageID": "",
            "containerID": f"bookinfo://{pod.pid}", "ready": status.running and status.ready,
            "started": status.running, "restartCount": status.restarts, "state": state,
            "lastState": {"terminated": _terminated(last)} if last else {}}


def _terminated(end: Terminated) -> dict[str, Any]:
    out: dict[str, Any] = {"exitCode": end.exit_code, "reason": end.reason,
                           "startedAt": _time(end.started_at), "finishedAt": _time(end.finished_at)}
    if end.signal:
        out["signal"] = end.signal
    return out


def _proxy_status(stack: Stack, created: str) -> dict[str, Any]:
    state = {"running": {"startedAt": created}} if stack.envoy_running else {
        "terminated": {"exitCode": 1, "reason": "Error"}}
    return {"name": "istio-proxy", "image": PROXY_IMAGE, "imageID": "",
            "containerID": f"bookinfo://{stack.state.envoy_pid}", "ready": stack.envoy_ready,
            "started": stack.envoy_running, "restartCount": 0, "state": state, "lastState": {}}


def _owner(api_version: str, kind: str, name: str) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "name": name,
            "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, name)), "controller": True, "blockOwnerDeletion": True}


def _namespace(obj: dict[str, Any]) -> str:
    return (obj.get("metadata") or {}).get("namespace") or "default"
