"""Driving the ``bookinfo`` command in tests, and checking that it left nothing behind."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def bookinfo(home: Path, *args: str, timeout: float = 120, env: dict[str, str] | None = None,
             python: Path | str = sys.executable) -> subprocess.CompletedProcess:
    """Run ``bookinfo --home HOME ARGS...`` to completion, capturing its output."""
    command = [str(python), "-m", "bookinfo", "--home", str(home), *map(str, args)]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("BOOKINFO_", "OTEL_"))}
    full_env.update(env or {})
    return subprocess.run(command, cwd=REPO, env=full_env, capture_output=True, text=True,
                          timeout=timeout)


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
