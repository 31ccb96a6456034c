"""Running pods: start them (each forked by the launcher under its runtime shim), check
their readiness with their own probe (bookinfo.pods.probes), and stop them.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from bookinfo.errors import WorkloadError
from bookinfo.pods import logs, shim
from bookinfo.pods.pod import Pod
from bookinfo.pods.status import Terminated, started
from bookinfo.system import processes

# How long stopping waits for each stopped pod's shim to record the end and exit.
SHIM_GRACE_S = 5.0


class Launcher:
    """The fork server of ``bookinfo.pods.launcher``, started before the pods are known so
    that its imports overlap the runner's own work."""

    def __init__(self, log_path: Path):
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "bookinfo.pods.launcher"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=log, text=True, start_new_session=True)

    def launch(self, pod: Pod, log: Path) -> tuple[int, int]:
        """Fork ``pod``; its (pid, start ticks)."""
        command = {"gunicorn_args": pod.gunicorn_args} if pod.gunicorn_args else {"argv": pod.argv}
        request = {**command, "env": pod.env, "log": str(log), "exit_record": str(exit_record(log))}
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            pid, ticks = self.proc.stdout.readline().split()
            return int(pid), int(ticks)
        except (OSError, ValueError):
            raise WorkloadError(f"the workload launcher failed: {last_error_line(self.log_path)} "
                                f"(log: {self.log_path})") from None

    def close(self) -> None:
        """End the launcher (the pods it forked live on)."""
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_pod(pod: Pod, log_dir: Path, launcher: Launcher) -> Pod:
    """Start a new pod detached; the returned Pod carries its pid, log path and status.

    A pod that fails once started is reported by :func:`wait_healthy`.
    """
    log = log_dir / f"{pod.name}.log"
    pid, ticks = launcher.launch(pod, log)
    return replace(pod, pid=pid, started=ticks, log=str(log), status=started(time.time()))


def restart_pod(pod: Pod, launcher: Launcher) -> tuple[int, int]:
    """Run a pod's container again (its earlier output becomes the previous log);
    the new run's (pid, start ticks)."""
    log = Path(pod.log)
    if log.exists():
        os.replace(log, logs.previous(log))
    return launcher.launch(pod, log)


def exit_record(log: Path) -> Path:
    """Where the pod's shim records how its current run ended (bookinfo.pods.shim)."""
    return log.with_suffix(".exit")


def termination(pod: Pod) -> Terminated | None:
    """How the pod's current run ended; None while it runs (or its shim has not yet
    recorded the end). A run gone without a record is ContainerStatusUnknown."""
    if processes.alive(pod.pid, pod.started or None):
        return None
    record = shim.read_record(exit_record(Path(pod.log)), pod.pid)
    if record is not None:
        status, finished = record
        return Terminated.from_wait_status(status, pod.status.running_since, finished)
    return None


def lost(pod: Pod, now: float) -> Terminated:
    """The end of a run that left no record (its shim was killed with it)."""
    return Terminated.unknown(pod.status.running_since, now)


def is_healthy(pod: Pod) -> bool:
    """Whether the pod's readiness probe passes now."""
    return pod.readiness.check(pod.port) is None


def wait_healthy(pods: Sequence[Pod], deadline: float,
                 on_healthy: Callable[[Pod], None] | None = None) -> None:
    """Poll every pod until all are healthy; fail fast when one exits, or at ``deadline``.

    ``on_healthy(pod)`` runs as each pod turns healthy (to make it an endpoint at once:
    a pod may need another new pod to pass its own check, as ratings v2 needs mongodb).
    """
    pending = list(pods)
    while pending:
        for pod in list(pending):
            if is_healthy(pod):
                pending.remove(pod)
                if on_healthy is not None:
                    on_healthy(pod)
            elif not processes.alive(pod.pid, pod.started or None):
                raise WorkloadError(f"workload {pod.name} exited during start: "
                                    f"{last_error_line(Path(pod.log))} (log: {pod.log})")
        if pending and time.monotonic() > deadline:
            names = ", ".join(pod.name for pod in pending)
            raise WorkloadError(f"timed out waiting for /health of {names} "
                                f"(logs in {Path(pending[0].log).parent})")
        if pending:
            time.sleep(0.02)


def last_error_line(log: Path) -> str:
    """The most telling line of a failed start: the last one that is not gunicorn chatter,
    without its logging timestamp."""
    lines = [line.strip() for line in logs.texts(logs.read(log)) if line.strip()]
    own = [line for line in lines if not line.startswith("[") and "Traceback" not in line]
    line = (own or lines or ["no output"])[-1]
    return _LOG_TIMESTAMP.sub("", line)[:300]


_LOG_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[ T][\d:.,]+ ")


def stop_pods(pods: Sequence[Pod], timeout: float) -> None:
    """Stop the pods' process groups together (gracefully, then by force), then wait until
    each one's shim has recorded the end and left: nothing of a stopped pod lingers."""
    processes.stop_groups([(pod.pid, pod.started or None) for pod in pods], timeout)
    deadline = time.monotonic() + SHIM_GRACE_S
    pending = [pod for pod in pods if pod.pid and pod.log]
    while pending and time.monotonic() < deadline:
        pending = [pod for pod in pending
                   if shim.read_record(exit_record(Path(pod.log)), pod.pid) is None]
        if pending:
            time.sleep(0.02)
