"""Driving the ``bookinfo`` command in tests, and checking that it left nothing behind."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from tests.support.net import free_port

REPO = Path(__file__).resolve().parents[2]


def bookinfo(home: Path, *args: str, timeout: float = 120, env: dict[str, str] | None = None,
             python: Path | str = sys.executable, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run ``bookinfo --home HOME ARGS...`` to completion, capturing its output
    (``stdin``: text for ``-f -``, as ``kubectl apply -f - <<EOF`` gives it)."""
    command = [str(python), "-m", "bookinfo", "--home", str(home), *map(str, args)]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("BOOKINFO_", "OTEL_"))}
    full_env.update(env or {})
    return subprocess.run(command, cwd=REPO, env=full_env, capture_output=True, text=True,
                          timeout=timeout, input=stdin)


def processes_writing_under(home: Path) -> list[int]:
    """Pids of processes with a file open under ``home`` (every workload and Envoy logs there)."""
    root = str(home.resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            targets = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        if any(target.startswith(root) for target in targets):
            found.append(int(entry.name))
    return found


class RunningStack:
    """A stack started by :func:`running_stack`: its home, gateway, what ``up`` printed,
    and its recorded state."""

    def __init__(self, home: Path, port: int, up_output: str):
        self.home, self.port, self.up_output = home, port, up_output
        self.url = f"http://127.0.0.1:{port}"

    def run(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        """``bookinfo --home HOME ARGS...`` against this stack."""
        return bookinfo(self.home, *args, **kwargs)

    def apply(self, *paths: Path | str, stdin: str | None = None) -> list[str]:
        """The lines of a successful ``bookinfo apply -f PATH...`` (``-f -`` reads ``stdin``)."""
        args = ["apply"]
        for path in paths:
            args += ["-f", str(path)]
        result = self.run(*args, stdin=stdin)
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    def state(self) -> dict:
        """What ``up``/``apply`` recorded: pods (ports, outbound listeners), Envoy's pid."""
        return json.loads((self.home / "stack" / "stack.json").read_text())

    def kill(self, deployment: str) -> None:
        """SIGKILL every pod of a Deployment, as a crash would (the stack's kubelet
        restarts them)."""
        for pod in self.state()["pods"]:
            if pod["deployment"] == deployment:
                os.killpg(pod["pid"], signal.SIGKILL)

    def delete_deployments(self, *names: str) -> None:
        """``bookinfo delete deployment NAME...``: the pods stop for good."""
        result = self.run("delete", "deployment", *names)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [f'deployment.apps "{name}" deleted' for name in names]


@contextlib.contextmanager
def running_stack(home: Path, manifests: Sequence[str], options: Sequence[str] = ()) -> Iterator[RunningStack]:
    """``bookinfo up --detach`` on a free port with ``manifests`` (paths under the repo) as
    its base and ``options`` (``--prometheus``, ...); on exit ``bookinfo down``, checking
    nothing is left writing under ``home``. The end-to-end modules get it through their
    one ``stack`` fixture (tests/e2e/conftest.py)."""
    port = free_port()
    args = ["up", "--detach", "--port", str(port), *options]
    for manifest in manifests:
        args += ["-f", str(REPO / manifest)]
    started = bookinfo(home, *args)
    assert started.returncode == 0, started.stderr
    try:
        yield RunningStack(home, port, started.stdout)
    finally:
        stopped = bookinfo(home, "down")
        assert stopped.returncode == 0, stopped.stderr
        assert processes_writing_under(home) == []
