"""One Envoy process serving the local mesh from file-based xDS.

The process runs in its own session (so it outlives a detached ``bookinfo up`` and is
stopped as a group), with hot restart disabled (so several Envoys coexist on one
machine), logging to ``envoy.log`` in its work directory. Configuration changes are
file renames that Envoy picks up itself: no restart, no dropped connection.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from bookinfo.mesh.model import EnvoyResources
from bookinfo.system.processes import spawn, start_ticks, stat_fields, stop_groups

from . import admin
from .binary import find_envoy
from .bootstrap import dynamic_bootstrap
from bookinfo.errors import EnvoyConfigRejected, EnvoyFailed
from .validate import validate_resources
from .xds import AppliedVersions, XdsFiles

__all__ = ["EnvoyConfigRejected", "EnvoyFailed", "EnvoyProcess"]

POLL_INTERVAL_S = 0.05
DRAIN_TIME_S = 30  # how long a removed listener keeps serving requests already on it
# Access logs reach their files within this long (Envoy's default, 10 s, would leave
# `bookinfo logs -c istio-proxy` behind the requests it is asked about).
FILE_FLUSH_INTERVAL_MS = 1000
# A replaced listener asks each of its open connections to close after its next response
# (rather than a few at a time over DRAIN_TIME_S), so a changed policy reaches a client's
# kept-alive connection with its next request but one; no request in flight is cut.
DRAIN_STRATEGY = "immediate"
STOP_TIMEOUT_S = 10.0
REJECTION_STATS = ("listener_manager.lds.update_rejected", "cluster_manager.cds.update_rejected")


class EnvoyProcess:
    """``start`` / ``update`` / ``wait_ready`` / ``wait_applied`` / ``stop`` one Envoy."""

    def __init__(self, workdir: Path, concurrency: int = 2):
        self.workdir = Path(workdir)
        self.files = XdsFiles(self.workdir)
        self.concurrency = concurrency
        self.admin_port: int | None = None
        self._popen: subprocess.Popen | None = None
        self._pid: int | None = None
        self._rejections_before_update: int | None = None

    @property
    def pid(self) -> int | None:
        return self._pid

    @property
    def log_path(self) -> Path:
        return self.workdir / "envoy.log"

    @property
    def bootstrap_path(self) -> Path:
        return self.workdir / "bootstrap.json"

    @classmethod
    def attach(cls, workdir: Path, pid: int, admin_port: int) -> "EnvoyProcess":
        """Drive an Envoy started earlier (by another command) in ``workdir``."""
        envoy = cls(workdir)
        envoy._pid, envoy.admin_port = pid, admin_port
        return envoy

    def start(self, resources: EnvoyResources, admin_port: int) -> None:
        """Write the xDS files and bootstrap, then launch Envoy (not yet ready)."""
        if self._pid is not None and self.alive():
            raise EnvoyFailed(f"Envoy already running (pid {self._pid})")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.admin_port = admin_port
        self.files.write(resources)
        self.bootstrap_path.write_text(json.dumps(dynamic_bootstrap(self.files, admin_port), indent=1))
        command = [find_envoy(), "-c", str(self.bootstrap_path), "--disable-hot-restart",
                   "--concurrency", str(self.concurrency), "--drain-time-s", str(DRAIN_TIME_S),
                   "--file-flush-interval-msec", str(FILE_FLUSH_INTERVAL_MS),
                   "--drain-strategy", DRAIN_STRATEGY,
                   "--log-level", "info"]
        self._popen = spawn(command, os.environ, self.log_path, cwd=self.workdir)
        self._pid = self._popen.pid

    def update(self, resources: EnvoyResources, validate: bool = True) -> AppliedVersions:
        """Deliver a new configuration; returns the versions ``wait_applied`` waits for.

        The configuration is first checked by ``envoy --mode validate`` (EnvoyConfigInvalid
        if refused), so a bad one never reaches the files the running Envoy watches.
        """
        if validate:
            validate_resources(resources)
        self._rejections_before_update = self._rejections()
        return self.files.write(resources)

    def wait_ready(self, timeout: float = 15.0) -> None:
        """Until the admin /ready says LIVE (all initial listeners and clusters loaded)."""
        self._poll(lambda: admin.is_ready(self.admin_port), timeout, "become ready")

    def wait_applied(self, timeout: float = 15.0, versions: AppliedVersions | None = None) -> None:
        """Until Envoy reports the listener, cluster and route versions on disk as live
        (and no listener is still warming)."""
        expected = versions or self.files.written()
        baseline = self._rejections_before_update

        def applied() -> bool:
            dump = admin.config_dump(self.admin_port)
            if _applied(dump, expected):
                return True
            rejections = self._rejections()
            if baseline is not None and rejections is not None and rejections > baseline:
                raise EnvoyConfigRejected(f"Envoy rejected the configuration: {_listener_errors(dump)}; "
                                          f"see {self.log_path}")
            return False

        self._poll(applied, timeout, "apply the new configuration")

    def alive(self) -> bool:
        if self._pid is None:
            return False
        if self._popen is not None:
            return self._popen.poll() is None
        return _is_envoy(self._pid)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM the process group, SIGKILL it if it lingers past ``timeout``."""
        if self.alive():
            stop_groups([(self._pid, start_ticks(self._pid))], timeout)

    def _rejections(self) -> int | None:
        """How many listener and cluster updates Envoy has refused so far (None: no admin)."""
        try:
            return sum(admin.stat(self.admin_port, name) or 0 for name in REJECTION_STATS)
        except admin.AdminUnreachable:
            return None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def _poll(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                raise EnvoyFailed(f"Envoy exited before it could {what}; {self.log_path}:\n{self.log_tail()}")
            try:
                if condition():
                    return
            except admin.AdminUnreachable:
                pass
            if time.monotonic() > deadline:
                raise EnvoyFailed(f"Envoy did not {what} within {timeout:.0f}s; "
                                  f"{self.log_path}:\n{self.log_tail()}")
            time.sleep(POLL_INTERVAL_S)


def _applied(dump: dict, expected: AppliedVersions) -> bool:
    sections = {c["@type"].rsplit(".", 1)[-1]: c for c in dump.get("configs", [])}
    listeners = sections.get("ListenersConfigDump", {})
    clusters = sections.get("ClustersConfigDump", {})
    routes = {r["route_config"]["name"]: r.get("version_info")
              for r in sections.get("RoutesConfigDump", {}).get("dynamic_route_configs", [])}
    warming = any("warming_state" in entry for entry in listeners.get("dynamic_listeners", []))
    return (listeners.get("version_info") == expected.listeners and not warming
            and clusters.get("version_info") == expected.clusters
            and all(routes.get(name) == version for name, version in expected.routes.items()))


def _listener_errors(dump: dict) -> str:
    for config in dump.get("configs", []):
        errors = [f"{entry['error_state']['failed_configuration'].get('name')}: {entry['error_state'].get('details')}"
                  for entry in config.get("dynamic_listeners", []) if "error_state" in entry]
        if errors:
            return "; ".join(dict.fromkeys(errors))
    return "no listener error reported"


def _is_envoy(pid: int) -> bool:
    """Whether ``pid`` is still an Envoy (a recycled pid must never be signalled)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    fields = stat_fields(pid)
    return os.path.basename(command) == b"envoy" and fields is not None and fields[0] != "Z"
