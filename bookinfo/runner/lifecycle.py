"""``up``, ``down``, ``status`` and ``reconcile`` of the local stack: pods behind one Envoy.

``up`` overlaps everything it can (the launcher imports the services' code while the
manifests are validated; Envoy starts while the pods boot), records each process as
soon as it exists, and waits for every pod's readiness and Envoy's ``/ready``; then it
makes the ready pods Envoy's endpoints and starts the stack's kubelet
(bookinfo.runner.kubelet), which keeps the pods running from then on. Any failure on the
way stops everything it started before the error reaches the user: a failed ``up``
leaves nothing running. ``reconcile`` moves a running stack to a changed store
(``apply``/``delete``/``reset``) the way a Deployment rollout does. Commands that change
the stack, and the kubelet, hold its lock, so no two of them interleave.
"""
from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bookinfo.pods import build
from bookinfo.pods import lifecycle as pod_runtime
from bookinfo.pods.pod import Pod, UnstartableDeployment
from bookinfo.runner.config import RunnerConfig
from bookinfo.runner.desired import load_desired
from bookinfo.runner.roles import Desired
from bookinfo.runner.mesh_ca import MeshCA
from bookinfo.runner.mesh_inputs import mesh_inputs, services_tracing
from bookinfo.runner.prometheus import Prometheus, find_prometheus
from bookinfo.runner.prometheus import is_ready as prometheus_ready
from bookinfo.mesh.mesh_config import MeshConfig
from bookinfo.envoy import admin
from bookinfo.envoy.binary import find_envoy
from bookinfo.envoy.process import EnvoyProcess
from bookinfo.mesh.translate import build as build_resources
from bookinfo.system.ports import check_free, free_ports
from bookinfo.system.processes import alive, spawn, start_ticks, stop_groups
from bookinfo.runner.stack import StackDir, StackState, plan
from bookinfo.errors import RunnerError


@dataclass(frozen=True)
class PodStatus:
    pod: Pod
    running: bool
    healthy: bool


@dataclass(frozen=True)
class StackStatus:
    state: StackState
    pods: list[PodStatus]
    envoy_running: bool
    envoy_ready: bool
    kubelet_running: bool
    prometheus_running: bool = False
    prometheus_ready: bool = False

    @property
    def healthy(self) -> bool:
        return (self.envoy_ready and self.kubelet_running and all(p.healthy for p in self.pods)
                and (self.prometheus_ready or not self.state.prometheus_pid))


def up(config: RunnerConfig, manifests: Sequence[Path], environ: Mapping[str, str],
       reapply: bool = False, mesh_config: Mapping | None = None, prometheus: bool = False) -> StackState:
    """Start the stack and return once every part is ready (or raise, leaving nothing).

    The base ``manifests`` seed an unseeded store; with ``reapply`` (files named on the
    command line) they are applied at every start. ``mesh_config`` is Istio's meshConfig
    shape (bookinfo.mesh.mesh_config; the demo profile when empty); ``prometheus`` also
    starts a Prometheus that scrapes the stack (bookinfo.runner.prometheus).
    """
    stack_dir = StackDir(config.stack_dir)
    with stack_dir.locked():
        return _up(config, stack_dir, manifests, environ, reapply, dict(mesh_config or {}), prometheus)


def _up(config: RunnerConfig, stack_dir: StackDir, manifests: Sequence[Path],
        environ: Mapping[str, str], reapply: bool, mesh_config: dict, prometheus: bool) -> StackState:
    existing = stack_dir.load()
    if existing is not None and existing.any_alive():
        raise RunnerError(f"a stack is already running at {existing.gateway_url} "
                          f"(home {config.home}); stop it with `bookinfo down`")
    check_free(config.gateway_port)
    find_envoy()
    mesh = MeshConfig.parse(mesh_config)
    if prometheus:
        find_prometheus()
    stack_dir.prepare()
    # The launcher imports the services' code while the manifests are validated.
    launcher = pod_runtime.Launcher(stack_dir.logs / "launcher.log")
    state = None
    try:
        desired = load_desired(manifests, config.home, reapply)
        to_start = plan(desired.deployments, []).start
        ports = iter(free_ports(1 + int(prometheus) + build.ports_needed(to_start, desired.services)))
        state = StackState(gateway_port=config.gateway_port, admin_port=next(ports),
                           manifests=[str(path) for path in manifests], mesh_config=mesh_config,
                           prometheus_port=next(ports) if prometheus else 0)
        pods, state.unstartable = build.build_pods(to_start, desired.services, desired.secrets, ports,
                                                   stack_dir.data, environ, services_tracing(mesh))
        for pod in pods:
            build.write_service_names(pod, desired.services)
            state.pods.append(pod_runtime.start_pod(pod, stack_dir.logs, launcher))
            stack_dir.save(state)
        launcher.close()
        envoy = EnvoyProcess(stack_dir.envoy)
        envoy.start(_mesh_resources(config, state, desired), state.admin_port)
        state.envoy_pid, state.envoy_started = envoy.pid, start_ticks(envoy.pid) or 0
        stack_dir.save(state)
        deadline = time.monotonic() + config.start_timeout
        pod_runtime.wait_healthy(state.pods, deadline)
        state.pods = [_ready(pod) for pod in state.pods]
        envoy.wait_ready(max(0.5, deadline - time.monotonic()))
        # Only the structure Envoy has just loaded, with endpoints now: no need to validate.
        resources = _mesh_resources(config, state, desired)
        envoy.wait_applied(config.start_timeout, envoy.update(resources, validate=False))
        if prometheus:
            _start_prometheus(config, stack_dir, state, environ)
        _start_kubelet(config, stack_dir, state, environ)
    except BaseException:
        launcher.close()
        if state is not None:
            _stop(state, config.stop_timeout)
        stack_dir.clear()
        raise
    return state


def _ready(pod: Pod) -> Pod:
    return dataclasses.replace(pod, status=dataclasses.replace(pod.status, ready=True))


def _start_prometheus(config: RunnerConfig, stack_dir: StackDir, state: StackState,
                      environ: Mapping[str, str]) -> None:
    """The stack's Prometheus, recorded like Envoy, ready before ``up`` returns."""
    server = Prometheus(stack_dir.prometheus)
    pid = server.start(state.prometheus_port, state.admin_port, state.pods, environ)
    state.prometheus_pid, state.prometheus_started = pid, start_ticks(pid) or 0
    stack_dir.save(state)
    server.wait_ready(pid, state.prometheus_port, config.start_timeout)


def _start_kubelet(config: RunnerConfig, stack_dir: StackDir, state: StackState,
                   environ: Mapping[str, str]) -> None:
    """The stack's kubelet, detached and recorded like Envoy (``down`` stops it first)."""
    process = spawn([sys.executable, "-m", "bookinfo.runner.kubelet", "--home", str(config.home)],
                    environ, stack_dir.logs / "kubelet.log")
    state.kubelet_pid, state.kubelet_started = process.pid, start_ticks(process.pid) or 0
    stack_dir.save(state)


def reconcile(config: RunnerConfig, environ: Mapping[str, str]) -> StackState | None:
    """Bring a running stack to the store (after apply/delete/reset; a reset store is re-seeded).

    As a Deployment rollout does: new pods start with their outbound listeners in place
    (their "sidecar" is ready before them) but receive no traffic until healthy; then
    Envoy's endpoints and routes move to them (a file swap, no restart); then the pods
    no longer wanted stop. None when no stack runs (the store alone changed; the next
    ``up`` uses it).
    """
    stack_dir = StackDir(config.stack_dir)
    with stack_dir.locked():
        state = stack_dir.load()
        if state is None or not state.any_alive():
            return None
        desired = load_desired([Path(m) for m in state.manifests], config.home)
        change = plan(desired.deployments, state.pods)
        envoy = EnvoyProcess.attach(stack_dir.envoy, state.envoy_pid, state.admin_port)
        ports = iter(free_ports(sum(len(build.missing_listeners(p, desired.services)) for p in change.keep)
                                + build.ports_needed(change.start, desired.services)))
        # Services created since a pod started get a listener in its sidecar, and their
        # names resolve in the pod once Envoy has it, as through cluster DNS.
        keep = [build.with_listeners(pod, desired.services, ports) for pod in change.keep]
        state.pods = keep + change.stop
        new, state.unstartable = _start_more(config, stack_dir, state, desired, change.start,
                                             environ, envoy, ports)
        state.pods = keep + new
        envoy.wait_applied(config.start_timeout, envoy.update(_mesh_resources(config, state, desired)))
        for pod in keep:
            build.write_service_names(pod, desired.services)
        if state.prometheus_pid:
            Prometheus(stack_dir.prometheus).write_targets(state.pods)
        pod_runtime.stop_pods(change.stop, config.stop_timeout)
        stack_dir.save(state)
        return state


def _start_more(config: RunnerConfig, stack_dir: StackDir, state: StackState, desired: Desired,
                starts: list[tuple[dict, int]], environ: Mapping[str, str], envoy: EnvoyProcess,
                ports: Iterator[int]) -> tuple[list[Pod], list[UnstartableDeployment]]:
    """Start new pods of a running stack and wait for them; on failure, stop just those.

    Also returns the Deployments whose pods could not be built (the others start anyway).
    """
    if not starts:
        return [], []
    pods, unstartable = build.build_pods(starts, desired.services, desired.secrets, ports, stack_dir.data,
                                         environ, services_tracing(MeshConfig.parse(state.mesh_config)))
    if not pods:
        return [], unstartable
    launcher = pod_runtime.Launcher(stack_dir.logs / "launcher.log")
    started: dict[str, Pod] = {}
    try:
        for pod in pods:
            build.write_service_names(pod, desired.services)
            started[pod.name] = pod_runtime.start_pod(pod, stack_dir.logs, launcher)
            stack_dir.save(dataclasses.replace(state, pods=state.pods + list(started.values())))
        launcher.close()

        def route_to_ready(newly_ready: Pod | None = None) -> None:
            """Every started pod has its listeners; only the ready ones are endpoints."""
            if newly_ready is not None:
                started[newly_ready.name] = _ready(newly_ready)
            serving = dataclasses.replace(state, pods=state.pods + list(started.values()))
            resources = _mesh_resources(config, serving, desired)
            envoy.wait_applied(config.start_timeout, envoy.update(resources))

        route_to_ready()
        pod_runtime.wait_healthy(list(started.values()), time.monotonic() + config.start_timeout, route_to_ready)
    except BaseException:
        launcher.close()
        pod_runtime.stop_pods(list(started.values()), config.stop_timeout)
        envoy.update(_mesh_resources(config, state, desired))
        stack_dir.save(state)
        raise
    return list(started.values()), unstartable


def publish_endpoints(config: RunnerConfig, state: StackState) -> None:
    """Envoy's endpoints follow the pods' readiness (the kubelet calls this on a change)."""
    stack_dir = StackDir(config.stack_dir)
    desired = load_desired([Path(m) for m in state.manifests], config.home)
    envoy = EnvoyProcess.attach(stack_dir.envoy, state.envoy_pid, state.admin_port)
    envoy.wait_applied(config.start_timeout, envoy.update(_mesh_resources(config, state, desired)))


def _mesh_resources(config: RunnerConfig, state: StackState, desired: Desired):
    """The Envoy resources for the stack's pods and the desired mesh objects, with the
    certificates of the home's mesh CA (each identity's issued on first use): every pod
    has its sidecar's listeners, only the running, ready ones are endpoints; the
    listeners log into the stack's logs directory."""
    return build_resources(mesh_inputs(state.pods, desired, state.gateway_port, state.admin_port,
                                       MeshCA(config.ca_dir), StackDir(config.stack_dir).logs,
                                       MeshConfig.parse(state.mesh_config)))


def delete_pods(config: RunnerConfig, names: Sequence[str]) -> list[str]:
    """Stop the named pods and forget them (``delete pod``); the names of those found. The
    rollout that follows (:func:`reconcile`) starts their replacements, as a ReplicaSet does."""
    stack_dir = StackDir(config.stack_dir)
    with stack_dir.locked():
        state = stack_dir.load()
        if state is None:
            return []
        doomed = [pod for pod in state.pods if pod.name in names]
        pod_runtime.stop_pods(doomed, config.stop_timeout)
        state.pods = [pod for pod in state.pods if pod not in doomed]
        stack_dir.save(state)
        return [pod.name for pod in doomed]


def down(config: RunnerConfig) -> StackState | None:
    """Stop the recorded stack; None when nothing was recorded."""
    stack_dir = StackDir(config.stack_dir)
    with stack_dir.locked():
        state = stack_dir.load()
        if state is None:
            return None
        _stop(state, config.stop_timeout)
        stack_dir.clear()
        return state


def _stop(state: StackState, timeout: float) -> None:
    """The kubelet first (it restarts nothing more) and Prometheus, then Envoy (no new
    requests reach the pods), then every pod together."""
    if state.kubelet_pid:
        stop_groups([(state.kubelet_pid, state.kubelet_started or None)], timeout)
    if state.prometheus_pid:
        stop_groups([(state.prometheus_pid, state.prometheus_started or None)], timeout)
    if state.envoy_pid:
        stop_groups([(state.envoy_pid, state.envoy_started or None)], timeout)
    pod_runtime.stop_pods(state.pods, timeout)


def status(config: RunnerConfig) -> StackStatus | None:
    """What runs and what answers; None when no stack is recorded."""
    state = StackDir(config.stack_dir).load()
    if state is None:
        return None
    pods = []
    for pod in state.pods:
        running = alive(pod.pid, pod.started or None)
        pods.append(PodStatus(pod, running, running and pod_runtime.is_healthy(pod)))
    envoy_running = bool(state.envoy_pid) and alive(state.envoy_pid, state.envoy_started or None)
    prometheus_running = state.prometheus_alive()
    return StackStatus(state, pods, envoy_running, envoy_running and admin.is_ready(state.admin_port),
                       state.kubelet_alive(), prometheus_running,
                       prometheus_running and prometheus_ready(state.prometheus_port))
