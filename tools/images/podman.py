"""podman with the project's own configuration and storage, and nothing left behind.

Debian's podman runs here only with ``runc`` and explicit ulimits
(docs/containers.md#the-image-tests-make-images-test), so every call gets a
containers.conf named by ``CONTAINERS_CONF`` and its own storage
(``CONTAINERS_STORAGE_CONF``) under one state folder. Owning the storage is what lets
the harness remove *every* container and pod it finds there, at start (a previous run
that was killed) and at the end (this run, even when a step failed), without touching
anybody else's. Image layers stay in the folder between runs: that is the build cache.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

DEFAULT_STATE_DIR = Path.home() / ".cache" / "bookinfo" / "podman"

# Docker-format images keep HEALTHCHECK (the OCI image format has no field for it).
BUILD_FORMAT = "docker"


class PodmanError(RuntimeError):
    """A podman command failed; the message carries its output."""


# What the harness runs besides podman, and the Debian package that provides it.
REQUIRED_TOOLS = {
    "/usr/sbin/runc": "runc",
    "/usr/sbin/debootstrap": "debootstrap",
    "/usr/bin/docker-compose": "docker-compose",
    "/usr/lib/podman/netavark": "netavark",
    "/usr/lib/podman/aardvark-dns": "aardvark-dns",  # container names in compose networks
}


def available() -> bool:
    return shutil.which("podman") is not None


def missing_packages() -> list[str]:
    """Debian packages the image tests need that are not installed."""
    return [package for path, package in REQUIRED_TOOLS.items() if not Path(path).exists()]


class Podman:
    """Runs podman (and podman-driven tools) against the private configuration."""

    def __init__(self, state_dir: Path | None = None):
        self.state_dir = Path(state_dir or os.environ.get("BOOKINFO_PODMAN_DIR") or DEFAULT_STATE_DIR)
        for sub in ("storage", "run", "tmp", "networks"):
            (self.state_dir / sub).mkdir(parents=True, exist_ok=True)
        self._write_config()
        self.env = {**os.environ,
                    "CONTAINERS_CONF": str(self.state_dir / "containers.conf"),
                    "CONTAINERS_STORAGE_CONF": str(self.state_dir / "storage.conf")}

    def _write_config(self) -> None:
        state = self.state_dir
        (state / "containers.conf").write_text(f"""\
[containers]
default_ulimits = ["nofile=1024:20000", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "{state / 'tmp'}"

[network]
# netavark with aardvark-dns: compose's service names and aliases resolve in its networks.
network_backend = "netavark"
network_config_dir = "{state / 'networks'}"
""")
        (state / "storage.conf").write_text(f"""\
[storage]
driver = "overlay"
graphroot = "{state / 'storage'}"
runroot = "{state / 'run'}"
""")

    def __call__(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        """``podman ARGS``; output captured as text, PodmanError when ``check`` and rc != 0."""
        result = subprocess.run(["podman", *args], env=self.env, capture_output=True, timeout=timeout)
        out = subprocess.CompletedProcess(result.args, result.returncode,
                                          result.stdout.decode(errors="replace"),
                                          result.stderr.decode(errors="replace"))
        if check and out.returncode != 0:
            raise PodmanError(f"podman {' '.join(args)} failed ({out.returncode}):\n"
                              f"{out.stdout[-3000:]}{out.stderr[-3000:]}")
        return out

    def remove_everything_running(self) -> None:
        """Remove every pod, container, volume and network this storage holds."""
        self("pod", "rm", "--all", "--force", check=False, timeout=120)
        self("rm", "--all", "--force", "--time", "0", check=False, timeout=120)
        self("volume", "prune", "--force", check=False, timeout=60)
        self("network", "prune", "--force", check=False, timeout=60)

    def image_exists(self, reference: str) -> bool:
        return self("image", "exists", reference, check=False).returncode == 0

    @contextlib.contextmanager
    def session(self, wait_s: float = 900) -> Iterator["Podman"]:
        """Start clean and end clean: no container or pod outlives the block.

        One session at a time per state folder (a second one waits), since each removes
        every container it finds there.
        """
        with (self.state_dir / "session.lock").open("w") as lock:
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise PodmanError(f"another image test session holds {lock.name}") from None
                    time.sleep(1)
            self.remove_everything_running()
            try:
                yield self
            finally:
                self.remove_everything_running()
                # Images replaced by newer builds; recent ones stay as the build cache.
                self("image", "prune", "--force", "--filter", "until=72h", check=False, timeout=120)

    @contextlib.contextmanager
    def docker_api(self) -> Iterator[str]:
        """``podman system service`` on a private socket; yields its ``DOCKER_HOST``.

        The service and its socket are gone when the block ends, whatever happened in it.
        """
        socket_dir = Path(tempfile.mkdtemp(prefix="bookinfo-podman-api-"))
        socket = socket_dir / "podman.sock"
        log = socket_dir / "service.log"  # a file, not a pipe: nobody reads it while it runs
        with log.open("wb") as log_file:
            service = subprocess.Popen(["podman", "system", "service", "--time=0", f"unix://{socket}"],
                                       env=self.env, stdout=subprocess.DEVNULL, stderr=log_file,
                                       start_new_session=True)
        try:
            deadline = time.monotonic() + 30
            while not socket.exists():
                if service.poll() is not None:
                    raise PodmanError("podman system service exited: " + log.read_text(errors="replace"))
                if time.monotonic() > deadline:
                    raise PodmanError("podman system service did not create its socket in 30 s")
                time.sleep(0.05)
            yield f"unix://{socket}"
        finally:
            service.terminate()
            try:
                service.wait(timeout=15)
            except subprocess.TimeoutExpired:
                service.kill()
                service.wait()
            shutil.rmtree(socket_dir, ignore_errors=True)

    def build(self, context: Path, dockerfile: str, tag: str, build_args: dict[str, str],
              timeout: float = 600) -> subprocess.CompletedProcess:
        """``podman build`` of one Dockerfile with layer caching, in Docker image format."""
        args: list[str] = ["build", "--format", BUILD_FORMAT, "--layers", "--file", dockerfile,
                           "--tag", tag]
        for name, value in build_args.items():
            args += ["--build-arg", f"{name}={value}"]
        return self(*args, str(context), timeout=timeout)

    def inspect(self, kind: str, reference: str) -> dict:
        """``podman <kind> inspect`` of one object, decoded."""
        return json.loads(self(kind, "inspect", reference).stdout)[0]

