"""``up``, ``down``, ``status`` and ``reconcile`` of the local stack: pods behind one Envoy.

``up`` overlaps everything it can (the launcher imports the services' code while the
manifests are validated; Envoy starts while the pods boot), records each process as
soon as it exists, and waits for every ``/health`` and Envoy's ``/ready``. Any failure
on the way stops everything it started before the error reaches the user: a failed
``up`` leaves nothing running. ``reconcile`` moves a running stack to a changed store
(``apply``/``delete``/``reset``) the way a Deployment rollout does. Commands that change
the stack hold its lock, so two of them never interleave.
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bookinfo.pods import build
from bookinfo.pods import lifecycle as kubelet
from bookinfo.pods.pod import Pod, UnstartableDeployment
from bookinfo.runner.config import RunnerConfig
from bookinfo.runner.desired import load_desired
from bookinfo.runner.roles import Desired
from bookinfo.runner.mesh_ca import MeshCA
from bookinfo.runner.mesh_inputs import mesh_inputs
from bookinfo.envoy import admin
from bookinfo.envoy.binary import find_envoy
from bookinfo.envoy.process import EnvoyProcess
from bookinfo.mesh.translate import build as build_resources
from bookinfo.system.ports import check_free, free_ports
from bookinfo.system.processes import alive, start_ticks, stop_groups
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

    @property
    def healthy(self) -> bool:
        return self.envoy_ready and all(p.healthy for p in self.pods)


def up(config: RunnerConfig, manifests: Sequence[Path], environ: Mapping[str, str],
       reapply: bool = False) -> StackState:
    """Start the stack and return once every part is ready (or raise, leaving nothing).

    The base ``manifests`` seed an unseeded store; with ``reapply`` (files named on the
    command line) they are applied at every start.
    """
    stack_dir = StackDir(config.stack_dir)
    with stack_dir.locked():
        return _up(config, stack_dir, manifests, environ, reapply)


def _up(config: RunnerConfig, stack_dir: StackDir, manifests: Sequence[Path],
        environ: Mapping[str, str], reapply: bool) -> StackState:
    existing = stack_dir.load()
    if existing is not None and existing.any_alive():
        raise RunnerError(f"a stack is already running at {existing.gateway_url} "
                          f"(home {config.home}); stop it with `bookinfo down`")
    check_free(config.gateway_port)
    find_envoy()
    stack_dir.prepare()
    # The launcher imports the services' code while the manifests are validated.
    launcher = kubelet.Launcher(stack_dir.logs / "launcher.log")
    state = None
    try:
        desired = load_desired(manifests, config.home, reapply)
        to_start = plan(desired.deployments, []).start
        ports = iter(free_ports(1 + build.ports_needed(to_start, desired.services)))
        state = StackState(gateway_port=config.gateway_port, admin_port=next(ports),
                           manifests=[str(path) for path in manifests])
        pods, state.unstartable = build.build_pods(to_start, desired.services, desired.secrets, ports,
                                                       stack_dir.data, environ)
        for pod in pods:
            build.write_service_names(pod, desired.services)
            state.pods.append(kubelet.start_pod(pod, stack_dir.logs, launcher))
            stack_dir.save(state)
        launcher.close()
        envoy = EnvoyProcess(stack_dir.envoy)
        envoy.start(_mesh_resources(config, state, desired), state.admin_port)
        state.envoy_pid, state.envoy_started = envoy.pid, start_ticks(envoy.pid) or 0
        stack_dir.save(state)
        deadline = time.monotonic() + config.start_timeout
        kubelet.wait_healthy(state.pods, deadline)
        envoy.wait_ready(max(0.5, deadline - time.monotonic()))
    except BaseException:
        launcher.close()
        if state is not None:
            _stop(state, config.stop_timeout)
        stack_dir.clear()
        raise
    return state


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
        kubelet.stop_pods(change.stop, config.stop_timeout)
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
    pods, unstartable = build.build_pods(starts, desired.services, desired.secrets, ports,
                                             stack_dir.data, environ)
    if not pods:
        return [], unstartable
    launcher = kubelet.Launcher(stack_dir.logs / "launcher.log")
    started: list[Pod] = []
    try:
        for pod in pods:
            build.write_service_names(pod, desired.services)
            started.append(kubelet.start_pod(pod, stack_dir.logs, launcher))
            stack_dir.save(dataclasses.replace(state, pods=state.pods + started))
        launcher.close()
        ready: list[Pod] = []

        def route_to_ready(newly_ready: Pod | None = None) -> None:
            """Every started pod has its listeners; only the healthy ones are endpoints."""
            if newly_ready is not None:
                ready.append(newly_ready)
            serving = dataclasses.replace(state, pods=state.pods + ready)
            warming = [p for p in started if p not in ready]
            envoy.wait_applied(config.start_timeout,
                               envoy.update(_mesh_resources(config, serving, desired, warming)))

        route_to_ready()
        kubelet.wait_healthy(started, time.monotonic() + config.start_timeout, route_to_ready)
    except BaseException:
        launcher.close()
        kubelet.stop_pods(started, config.stop_timeout)
        envoy.update(_mesh_resources(config, state, desired))
        stack_dir.save(state)
        raise
    return started, unstartable


def _mesh_resources(config: RunnerConfig, state: StackState, desired: Desired, warming: Sequence[Pod] = ()):
    """The Envoy resources for the stack's pods and the desired mesh objects, with the
    certificates of the home's mesh CA (each identity's issued on first use).

    ``warming`` pods get their sidecar's listeners but are no endpoints yet (not ready).
    """
    return build_resources(mesh_inputs(state.pods, desired, state.gateway_port, state.admin_port,
                                       MeshCA(config.ca_dir), warming))


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
    """Envoy first (no new requests reach the pods), then every pod together."""
    if state.envoy_pid:
        stop_groups([(state.envoy_pid, state.envoy_started or None)], timeout)
    kubelet.stop_pods(state.pods, timeout)


def status(config: RunnerConfig) -> StackStatus | None:
    """What runs and what answers; None when no stack is recorded."""
    state = StackDir(config.stack_dir).load()
    if state is None:
        return None
    pods = []
    for pod in state.pods:
        running = alive(pod.pid, pod.started or None)
        pods.append(PodStatus(pod, running, running and kubelet.is_healthy(pod)))
    envoy_running = bool(state.envoy_pid) and alive(state.envoy_pid, state.envoy_started or None)
    return StackStatus(state, pods, envoy_running, envoy_running and admin.is_ready(state.admin_port))
