"""Run a real service process (gunicorn or ``python -m``) for a test, and stop it."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from bookinfo.pods.build import LOCAL_SERVICE_ENVIRONMENT, gunicorn_command
from bookinfo.system.processes import alive, process_stats, stop_groups

from .net import free_port, wait_for_http, wait_until

REPO = Path(__file__).resolve().parents[2]


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers, for its master)."""
    return [child for child, fields in process_stats() if int(fields[1]) == pid]


DEFAULT_CONFIG = "bookinfo_common.gunicorn_conf"


def server_environ(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without what changes tracing or gunicorn's settings
    (nothing of the developer's shell leaks in), then ``env``."""
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("OTEL_", "GUNICORN_")) and k != "WEB_CONCURRENCY"}
    full_env.update(env or {})
    return full_env


def server_command(service: str, bind: str, config: str = DEFAULT_CONFIG) -> list[str]:
    """The images' server command (gunicorn through ``bookinfo_common.serve``)."""
    return [sys.executable, "-m", "bookinfo_common.serve", "-c", f"python:{config}",
            "--bind", bind, f"{service}.wsgi:app"]


def run_server_to_exit(env: dict[str, str], service: str = "details") -> subprocess.CompletedProcess:
    """Start the server with ``env`` expecting it to stop at start-up (a configuration
    error); its exit status and output, as text."""
    return subprocess.run(server_command(service, "127.0.0.1:0"), cwd=REPO, env=server_environ(env),
                          capture_output=True, text=True, timeout=30)


class ServiceProcess:
    """A service listening on 127.0.0.1:<port>, started with a given environment.

    ``kind="gunicorn"`` runs the production server as the images run it (gunicorn through
    ``bookinfo_common.serve``) with the settings module ``config`` (the shared one unless
    an image uses its own); ``kind="dev"`` runs ``python -m <service> PORT``.
    """

    def __init__(self, service: str, env: dict[str, str] | None = None, kind: str = "gunicorn",
                 health_path: str = "/health", expect_health: int | None = 200,
                 config: str = DEFAULT_CONFIG):
        self.service = service
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if kind == "gunicorn":
            cmd = server_command(service, f"127.0.0.1:{self.port}", config)
        else:
            cmd = [sys.executable, "-m", service, str(self.port)]
        self.proc = subprocess.Popen(cmd, env=server_environ(env), cwd=REPO, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        # Read as it comes: a full pipe would stop the server at its next log line.
        self._output: list[bytes] = []
        self._reader = threading.Thread(target=lambda: self._output.extend(iter(self.proc.stdout.readline, b"")),
                                        daemon=True)
        self._reader.start()
        if expect_health is not None:
            try:
                wait_for_http(self.url + health_path, timeout=20, status=expect_health)
            except AssertionError:
                self.stop()
                raise AssertionError(f"{service} did not become healthy:\n{self.output()}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def exited_cleanly(self, timeout: float) -> bool:
        """Whether the process exits within ``timeout`` with status 0."""
        return self.proc.wait(timeout=timeout) == 0

    def stop(self) -> None:
        """SIGTERM the process group and wait (SIGKILL after 10 s)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def output(self) -> str:
        """Everything the process printed (only after it has stopped)."""
        self.stop()
        self._reader.join(timeout=10)
        return b"".join(self._output).decode(errors="replace")

    def __enter__(self) -> "ServiceProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class LaunchedServer:
    """A service started as ``bookinfo up`` starts a pod: forked by the runner's launcher
    (``bookinfo.pods.launcher``: gevent patched, the services' code imported, before the
    fork), with the pod's gunicorn command (``bookinfo.pods.build.gunicorn_command``) and
    the runner's additions to a pod's environment, listening on 127.0.0.1:<port>.

    The pod is a session leader of its own, and not this process's child: it is stopped
    through its process group, and it stopped cleanly when gunicorn's master said so in
    its log.
    """

    def __init__(self, service: str, env: dict[str, str] | None = None, health_path: str = "/health"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = Path(tempfile.mkdtemp(prefix="bookinfo-launched-")) / f"{service}.log"
        request = {"gunicorn_args": gunicorn_command(service, self.port)[3:],
                   "env": {**server_environ(env), **LOCAL_SERVICE_ENVIRONMENT}, "log": str(self._log)}
        launcher = subprocess.run([sys.executable, "-m", "bookinfo.pods.launcher"], cwd=REPO,
                                  input=json.dumps(request) + "\n", capture_output=True, text=True,
                                  timeout=60, check=True)
        self.pid = int(launcher.stdout.split()[0])
        try:
            wait_for_http(self.url + health_path, timeout=20)
        except AssertionError:
            self.stop()
            raise AssertionError(f"{service} did not become healthy:\n{self.output()}")

    def stop(self) -> None:
        """SIGTERM the pod's process group and wait for it to go (SIGKILL after 10 s)."""
        stop_groups([(self.pid, None)], timeout=10)

    def exited_cleanly(self, timeout: float) -> bool:
        """Whether the pod is gone within ``timeout`` and gunicorn's master said it shut down."""
        wait_until(lambda: not alive(self.pid), timeout=timeout, what=f"pod {self.pid} to exit")
        return "Shutting down: Master" in self.output() and "Traceback" not in self.output()

    def output(self) -> str:
        """The pod's log so far."""
        return self._log.read_text(errors="replace") if self._log.exists() else ""

    def __enter__(self) -> "LaunchedServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        shutil.rmtree(self._log.parent, ignore_errors=True)
