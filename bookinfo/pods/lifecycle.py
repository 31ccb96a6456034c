"""Running pods: start them (forked by the launcher, or executed), check their health the
way the manifests' probes do (``GET /health`` answering 200; for a database, its port
accepting connections), and stop them.
"""
from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from bookinfo.errors import WorkloadError
from bookinfo.pods.pod import Pod
from bookinfo.system import processes


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
        request = {"gunicorn_args": pod.gunicorn_args, "env": pod.env, "log": str(log)}
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
    """Start the pod detached; the returned Pod carries its pid and log path.

    gunicorn pods are forked by the launcher, others (databases) are executed. A pod
    that fails once started is reported by :func:`wait_healthy`.
    """
    log = log_dir / f"{pod.name}.log"
    if pod.gunicorn_args:
        pid, ticks = launcher.launch(pod, log)
    else:
        try:
            pid = processes.spawn(pod.argv, pod.env, log).pid
        except OSError as exc:
            raise WorkloadError(f"cannot start {pod.name}: {exc.strerror or exc}") from None
        ticks = processes.start_ticks(pid) or 0
    return replace(pod, pid=pid, started=ticks, log=str(log))


def is_healthy(pod: Pod, timeout: float = 2.0) -> bool:
    """GET /health answers 200 (databases: the port accepts a connection)."""
    try:
        if pod.is_database:
            with socket.create_connection(("127.0.0.1", pod.port), timeout=timeout):
                return True
        conn = http.client.HTTPConnection("127.0.0.1", pod.port, timeout=timeout)
        try:
            conn.request("GET", "/health")
            return conn.getresponse().status == 200
        finally:
            conn.close()
    except OSError:
        return False


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
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no output"
    own = [line for line in lines if not line.startswith("[") and "Traceback" not in line]
    line = (own or lines or ["no output"])[-1]
    return _LOG_TIMESTAMP.sub("", line)[:300]


_LOG_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[ T][\d:.,]+ ")


def stop_pods(pods: Sequence[Pod], timeout: float) -> None:
    """Stop the pods' process groups together (gracefully, then by force)."""
    processes.stop_groups([(pod.pid, pod.started or None) for pod in pods], timeout)
