"""Run a real service process (gunicorn or ``python -m``) for a test, and stop it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from bookinfo.system.processes import process_stats

from .net import free_port, wait_for_http

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
        if expect_health is not None:
            try:
                wait_for_http(self.url + health_path, timeout=20, status=expect_health)
            except AssertionError:
                self.stop()
                raise AssertionError(f"{service} did not become healthy:\n{self.output()}")

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
        return self.proc.stdout.read().decode(errors="replace") if self.proc.stdout else ""

    def __enter__(self) -> "ServiceProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
