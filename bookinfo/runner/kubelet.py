"""The stack's kubelet: one detached process per stack that keeps its pods running as a
node's kubelet does, also after a ``bookinfo up --detach`` has returned.

``bookinfo up`` starts it (``python -m bookinfo.runner.kubelet --home HOME``) once the
stack is ready and records it in the stack's state like Envoy; ``bookinfo down`` stops it
first. It then, every fraction of a second:

* runs each pod's probes with the manifest's own settings (bookinfo.pods.probes): a pod
  becomes ready after ``successThreshold`` passing readiness probes and stops being ready
  after ``failureThreshold`` failing ones; ``failureThreshold`` failing liveness (or
  startup) probes kill the container, which then restarts;
* restarts a container that ended, as ``restartPolicy: Always`` does, with kubelet's
  crash-loop back-off (bookinfo.pods.status), its end recorded as ``lastState``;
* moves Envoy's endpoints to the pods that are ready (only those get traffic);
* starts the stack's Prometheus again (``up --prometheus``) when it has ended, at most
  every PROMETHEUS_RETRY_S, on its data so far;
* writes what it saw to ``<stack>/logs/kubelet.log`` in the words of kubelet's events.

Probes run outside the stack's lock; every change (a readiness flip, a kill, a restart)
is made under the lock on a freshly read state, and only to the pod run it was decided
for (same name and pid): a pod that ``down`` or a rollout stopped meanwhile is gone from
the state and is never restarted. ``down`` takes the lock and then stops this process,
so the two never interleave either.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from bookinfo.errors import BookinfoError
from bookinfo.pods import lifecycle as pods
from bookinfo.pods import status as container
from bookinfo.pods.logs import stamp
from bookinfo.pods.pod import Pod
from bookinfo.pods.probes import Probe
from bookinfo.runner.config import RunnerConfig
from bookinfo.runner.lifecycle import publish_endpoints
from bookinfo.runner.prometheus import Prometheus
from bookinfo.runner.stack import StackDir, StackState
from bookinfo.system.processes import alive, start_ticks

TICK_S = 0.2
# How long a run that is gone may lack its shim's record before it counts as lost.
RECORD_GRACE_S = 3.0
PROBE_THREADS = 8
PROMETHEUS_RETRY_S = 10.0

RunKey = tuple[str, int]


@dataclass
class Prober:
    """One probe of one container run: when it runs next, and its current streak."""

    probe: Probe
    next_at: float
    successes: int = 0
    failures: int = 0


@dataclass
class Run:
    """What the kubelet keeps in memory about one container run."""

    probers: dict[str, Prober]
    started: bool                  # the startup probe has passed (or there is none)
    gone_since: float = 0.0        # when the process was first seen gone


@dataclass
class Decision:
    """What should change for one run, decided outside the lock."""

    ready: bool | None = None      # the readiness verdict, when it flips
    kill: str = ""                 # why the container must be killed (a failed liveness probe)
    ended: container.Terminated | None = None


@dataclass
class Kubelet:
    config: RunnerConfig
    events: Path
    runs: dict[RunKey, Run] = field(default_factory=dict)
    prometheus_retry_at: float = 0.0

    def __post_init__(self) -> None:
        self.stack_dir = StackDir(self.config.stack_dir)
        self.pool = ThreadPoolExecutor(PROBE_THREADS)

    def serve(self) -> None:
        """Until the stack is gone or another kubelet was recorded in its place."""
        while True:
            state = self.stack_dir.load()
            if state is None or state.kubelet_pid != os.getpid():
                return
            try:
                self.tick(state)
            except Exception:  # keep serving; the traceback is for a post-mortem
                self.event("Warning", "KubeletError", "kubelet", traceback.format_exc().strip())
            time.sleep(TICK_S)

    def tick(self, state: StackState) -> None:
        now = time.time()
        live = {(pod.name, pod.pid) for pod in state.pods}
        self.runs = {key: run for key, run in self.runs.items() if key in live}
        decisions = {key: decision for key, decision in self.decide(state, now) if decision}
        due = [pod for pod in state.pods if not pod.status.running and container.due(pod.status, now)]
        if decisions or due:
            with self.stack_dir.locked():
                self.change(decisions)
        if state.prometheus_pid and not state.prometheus_alive() and now >= self.prometheus_retry_at:
            self.prometheus_retry_at = now + PROMETHEUS_RETRY_S
            with self.stack_dir.locked():
                self.restart_prometheus()

    def restart_prometheus(self) -> None:
        """Under the lock: start the recorded Prometheus again if it is still gone."""
        state = self.stack_dir.load()
        if state is None or not state.prometheus_pid or state.prometheus_alive():
            return
        self.event("Warning", "Exited", "prometheus", "prometheus exited; starting it again")
        try:
            pid = Prometheus(self.stack_dir.prometheus).start(state.prometheus_port, state.admin_port, state.pods,
                                                              os.environ)
        except BookinfoError as exc:
            self.event("Warning", "Failed", "prometheus", str(exc))
            return
        state.prometheus_pid, state.prometheus_started = pid, start_ticks(pid) or 0
        self.stack_dir.save(state)
        self.event("Normal", "Started", "prometheus", f"Started prometheus (pid {pid})")

    def decide(self, state: StackState, now: float) -> Iterator[tuple[RunKey, Decision | None]]:
        """Probe what is due and notice what ended; nothing is changed here."""
        checks = {}
        for pod in state.pods:
            if not pod.status.running:
                continue
            key = (pod.name, pod.pid)
            run = self.runs.setdefault(key, self._new_run(pod, now))
            if not alive(pod.pid, pod.started or None):
                yield key, self._ended(pod, run, now)
                continue
            for kind, prober in run.probers.items():
                if prober.next_at <= now and (run.started or kind == "startup"):
                    checks[key, kind] = self.pool.submit(prober.probe.check, pod.port)
        outcomes: dict[RunKey, Decision] = {}
        for (key, kind), future in checks.items():
            pod = next(p for p in state.pods if (p.name, p.pid) == key)
            self._judge(pod, self.runs[key], kind, future.result(), now, outcomes.setdefault(key, Decision()))
        for key, decision in outcomes.items():
            yield key, decision if (decision.ready is not None or decision.kill) else None

    def _new_run(self, pod: Pod, now: float) -> Run:
        """A run seen for the first time: a ready pod (``up`` or a rollout waited for it)
        is probed again a period from now, a new run from its initial delay on."""
        started = pod.status.ready or "startup" not in pod.probes
        probers = {}
        for kind, probe in pod.probes.items():
            first = now + probe.period if pod.status.ready else pod.status.running_since + probe.initial_delay
            probers[kind] = Prober(probe, first)
        return Run(probers, started)

    def _ended(self, pod: Pod, run: Run, now: float) -> Decision | None:
        run.gone_since = run.gone_since or now
        end = pods.termination(pod)
        if end is None and now - run.gone_since > RECORD_GRACE_S:
            end = pods.lost(pod, now)
        return Decision(ended=end) if end else None

    def _judge(self, pod: Pod, run: Run, kind: str, failure: str | None, now: float,
               decision: Decision) -> None:
        prober = run.probers[kind]
        prober.next_at = now + prober.probe.period
        if failure is None:
            prober.successes, prober.failures = prober.successes + 1, 0
        else:
            prober.successes, prober.failures = 0, prober.failures + 1
            self.event("Warning", "Unhealthy", f"pod/{pod.name}", f"{kind.capitalize()} probe failed: {failure}")
        if kind == "startup" and failure is None:
            run.started = True
        elif kind == "readiness":
            if not pod.status.ready and prober.successes >= prober.probe.success_threshold:
                decision.ready = True
            elif pod.status.ready and prober.failures >= prober.probe.failure_threshold:
                decision.ready = False
        if kind in ("liveness", "startup") and prober.failures >= prober.probe.failure_threshold:
            decision.kill = f"Container {pod.container} failed {kind} probe, will be restarted"

    def change(self, decisions: dict[RunKey, Decision]) -> None:
        """Under the lock: apply the decisions to the pods still running as decided, and
        restart the ended pods whose back-off is over."""
        state = self.stack_dir.load()
        if state is None:
            return
        before = _endpoints(state)
        now = time.time()
        launcher = None
        try:
            for index, pod in enumerate(state.pods):
                decision = decisions.get((pod.name, pod.pid))
                if decision is not None and pod.status.running:
                    pod = self._apply(pod, decision, now)
                if not pod.status.running and container.due(pod.status, time.time()):
                    launcher = launcher or pods.Launcher(self.stack_dir.logs / "launcher.log")
                    pod = self._restart(pod, launcher)
                state.pods[index] = pod
        finally:
            if launcher is not None:
                launcher.close()
            self.stack_dir.save(state)
        if _endpoints(state) != before:
            self._publish(state)

    def _apply(self, pod: Pod, decision: Decision, now: float) -> Pod:
        if decision.kill:
            self.event("Normal", "Killing", f"pod/{pod.name}", decision.kill)
            pods.stop_pods([pod], self.config.stop_timeout)
            decision.ended = pods.termination(pod) or pods.lost(pod, time.time())
        if decision.ended is not None:
            end = decision.ended
            status = container.exited(pod.status, end, now)
            self.event("Warning" if end.exit_code else "Normal", "Exited", f"pod/{pod.name}",
                       f"container {pod.container} exited with code {end.exit_code} ({end.reason})")
            if status.waiting:
                self.event("Warning", "BackOff", f"pod/{pod.name}",
                           f"Back-off restarting failed container {pod.container} in pod {pod.name}")
            return replace(pod, status=status)
        if decision.ready is not None:
            return replace(pod, status=replace(pod.status, ready=decision.ready))
        return pod

    def _restart(self, pod: Pod, launcher: pods.Launcher) -> Pod:
        try:
            pid, ticks = pods.restart_pod(pod, launcher)
        except BookinfoError as exc:
            self.event("Warning", "Failed", f"pod/{pod.name}", str(exc))
            retry = time.time() + container.BACKOFF_INITIAL_S
            return replace(pod, status=replace(pod.status, restart_at=retry, waiting=container.CRASH_LOOP))
        self.event("Normal", "Started", f"pod/{pod.name}", f"Started container {pod.container}")
        return replace(pod, pid=pid, started=ticks, status=container.restarted(pod.status, time.time()))

    def _publish(self, state: StackState) -> None:
        try:
            publish_endpoints(self.config, state)
        except BookinfoError as exc:
            self.event("Warning", "EndpointsNotUpdated", "envoy", str(exc).splitlines()[0])
            return
        ready = ", ".join(sorted(_endpoints(state))) or "none"
        self.event("Normal", "EndpointsUpdated", "envoy", f"ready pods: {ready}")

    def event(self, kind: str, reason: str, about: str, message: str) -> None:
        with open(self.events, "a") as out:
            out.write(f"{stamp()} {kind} {reason} {about}: {message}\n")


def _endpoints(state: StackState) -> set[str]:
    return {pod.name for pod in state.pods if pod.status.running and pod.status.ready}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bookinfo.runner.kubelet",
                                     description="Keep one local stack's pods running (started by `bookinfo up`).")
    parser.add_argument("--home", required=True)
    args = parser.parse_args(argv)
    config = RunnerConfig.from_environ(os.environ, home=args.home)
    Kubelet(config, StackDir(config.stack_dir).logs / "kubelet.log").serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
