"""The runner's own settings: where its state lives, which port the gateway takes, and how
long it waits. Read once per command from the environment and the command line, so a bad
value is one clear error before anything starts.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bookinfo_common.settings import ConfigError, env_float, env_port

from bookinfo.errors import SettingsError

REPO = Path(__file__).resolve().parents[2]

# What `bookinfo up` runs when no -f is given: the main manifest and the ingress routes.
DEFAULT_MANIFESTS = (
    REPO / "platform" / "kube" / "bookinfo.yaml",
    REPO / "networking" / "bookinfo-gateway.yaml",
)


@dataclass(frozen=True)
class RunnerConfig:
    """Settings of one ``bookinfo`` command."""

    home: Path
    gateway_port: int = 8080
    # Cold start of six gunicorn workloads on two busy cores is ~2 s; the deadline only
    # bounds a hang (a workload that never answers /health).
    start_timeout: float = 30.0
    # gunicorn's graceful shutdown finishes in-flight requests; past this we SIGKILL.
    stop_timeout: float = 10.0

    @property
    def stack_dir(self) -> Path:
        """The running stack's pids, ports, logs and Envoy files."""
        return self.home / "stack"

    @property
    def ca_dir(self) -> Path:
        """The mesh certificate authority and the certificates it issued (bookinfo.runner.mesh_ca)."""
        return self.home / "ca"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], home: str | None = None,
                     gateway_port: int | None = None) -> "RunnerConfig":
        """Command-line values win over ``BOOKINFO_HOME`` / ``BOOKINFO_PORT`` and defaults."""
        home_dir = home or environ.get("BOOKINFO_HOME") or os.path.join(
            environ.get("HOME") or os.path.expanduser("~"), ".bookinfo")
        try:
            port = gateway_port if gateway_port is not None else env_port(environ, "BOOKINFO_PORT", 8080)
            start_timeout = env_float(environ, "BOOKINFO_START_TIMEOUT", cls.start_timeout)
            stop_timeout = env_float(environ, "BOOKINFO_STOP_TIMEOUT", cls.stop_timeout)
        except ConfigError as exc:
            raise SettingsError(str(exc)) from None
        if not 1 <= port <= 65535:
            raise SettingsError(f"--port must be between 1 and 65535, got {port}")
        return cls(home=Path(home_dir).expanduser().resolve(), gateway_port=port,
                   start_timeout=start_timeout, stop_timeout=stop_timeout)
