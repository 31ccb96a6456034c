"""The running stack's state on disk, and the plan that moves it toward what is desired.

``$BOOKINFO_HOME/stack/stack.json`` records every process the runner started (pid and
start time, port, log file) and every port it handed out, so ``status``, ``down`` and
later ``apply``/``delete`` work from any later command. It is written as soon as a
process exists, before waiting on it: a runner killed half-way still leaves a record
``down`` can clean up.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bookinfo.system import processes
from bookinfo.system.files import atomic_write, exclusive_lock
from bookinfo.pods.pod import Pod, UnstartableDeployment, replicas, template_hash


@dataclass
class StackState:
    """Everything a later command must know about the running stack."""

    gateway_port: int
    admin_port: int
    manifests: list[str]
    envoy_pid: int = 0
    envoy_started: int = 0
    pods: list[Pod] = field(default_factory=list)
    # The stack's kubelet process (bookinfo.runner.kubelet).
    kubelet_pid: int = 0
    kubelet_started: int = 0
    # Deployments stored but not running: their pods could not be built (and why).
    unstartable: list[UnstartableDeployment] = field(default_factory=list)
    # The mesh config ``up`` was given, in Istio's meshConfig shape (bookinfo.mesh.mesh_config).
    mesh_config: dict = field(default_factory=dict)
    # The stack's Prometheus (``up --prometheus``; bookinfo.runner.prometheus).
    prometheus_pid: int = 0
    prometheus_started: int = 0
    prometheus_port: int = 0

    @property
    def gateway_url(self) -> str:
        return f"http://localhost:{self.gateway_port}/productpage"

    def to_json(self) -> dict:
        return {"gateway_port": self.gateway_port, "admin_port": self.admin_port,
                "manifests": self.manifests, "envoy_pid": self.envoy_pid,
                "envoy_started": self.envoy_started, "pods": [p.to_json() for p in self.pods],
                "kubelet_pid": self.kubelet_pid, "kubelet_started": self.kubelet_started,
                "unstartable": [dataclasses.asdict(u) for u in self.unstartable],
                "mesh_config": self.mesh_config, "prometheus_pid": self.prometheus_pid,
                "prometheus_started": self.prometheus_started, "prometheus_port": self.prometheus_port}

    @classmethod
    def from_json(cls, data: Mapping) -> "StackState":
        return cls(gateway_port=data["gateway_port"], admin_port=data["admin_port"],
                   manifests=list(data["manifests"]), envoy_pid=data["envoy_pid"],
                   envoy_started=data["envoy_started"],
                   pods=[Pod.from_json(p) for p in data["pods"]],
                   kubelet_pid=data.get("kubelet_pid", 0), kubelet_started=data.get("kubelet_started", 0),
                   unstartable=[UnstartableDeployment(**u) for u in data.get("unstartable", ())],
                   mesh_config=dict(data.get("mesh_config") or {}),
                   prometheus_pid=data.get("prometheus_pid", 0),
                   prometheus_started=data.get("prometheus_started", 0),
                   prometheus_port=data.get("prometheus_port", 0))

    def any_alive(self) -> bool:
        """Whether any process of this stack still runs."""
        return (self.kubelet_alive() or self.prometheus_alive()
                or (processes.alive(self.envoy_pid, self.envoy_started or None) if self.envoy_pid else False)
                or any(processes.alive(p.pid, p.started or None) for p in self.pods))

    def kubelet_alive(self) -> bool:
        return bool(self.kubelet_pid) and processes.alive(self.kubelet_pid, self.kubelet_started or None)

    def prometheus_alive(self) -> bool:
        return bool(self.prometheus_pid) and processes.alive(self.prometheus_pid, self.prometheus_started or None)


class StackDir:
    """The files of one stack under ``<home>/stack``."""

    def __init__(self, root: Path):
        self.root = root
        self.state_file = root / "stack.json"
        self.logs = root / "logs"
        self.envoy = root / "envoy"
        self.data = root / "data"
        self.prometheus = root / "prometheus"

    def locked(self) -> contextlib.AbstractContextManager[None]:
        """Exclusive use of the stack: two commands never change it at the same time."""
        return exclusive_lock(self.root / "lock")

    def load(self) -> StackState | None:
        """The recorded stack, or None when nothing was started here."""
        try:
            return StackState.from_json(json.loads(self.state_file.read_text()))
        except FileNotFoundError:
            return None

    def save(self, state: StackState) -> None:
        """Write atomically (a reader never sees half a file), readable by the owner only:
        the pods' environments may hold Secret values."""
        self.root.mkdir(parents=True, exist_ok=True)
        atomic_write(self.state_file, json.dumps(state.to_json(), indent=2))

    def prepare(self) -> None:
        """A fresh directory for a new stack (old logs and Envoy files removed)."""
        for path in (self.logs, self.envoy, self.data, self.prometheus):
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True)

    def clear(self) -> None:
        """Forget the stack (logs are kept for a post-mortem)."""
        self.state_file.unlink(missing_ok=True)
        shutil.rmtree(self.data, ignore_errors=True)


@dataclass(frozen=True)
class Plan:
    """What to change so the pods match the Deployments."""

    start: list[tuple[dict, int]]  # (Deployment, how many new pods)
    stop: list[Pod]
    keep: list[Pod]


def plan(deployments: Sequence[Mapping], running: Sequence[Pod]) -> Plan:
    """Kubernetes' Deployment rule, simplified: pods of the current template are kept up to
    ``replicas``; pods of a changed template or a deleted Deployment go; the rest are new."""
    wanted = {d["metadata"]["name"]: d for d in deployments}
    start, stop, keep = [], [], []
    for name, deployment in wanted.items():
        current = [p for p in running
                   if p.deployment == name and p.template_hash == template_hash(deployment)]
        count = replicas(deployment)
        keep.extend(current[:count])
        stop.extend(current[count:])
        if len(current) < count:
            start.append((dict(deployment), count - len(current)))
    kept = {p.name for p in keep} | {p.name for p in stop}
    stop.extend(p for p in running if p.name not in kept)
    return Plan(start, stop, keep)
