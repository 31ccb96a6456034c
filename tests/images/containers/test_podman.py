"""The harness's own promise: podman's Docker API service leaves no process or socket behind."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tools.images.podman import Podman


class Boom(Exception):
    pass


def _ping(socket_path: str) -> bytes:
    with socket.socket(socket.AF_UNIX) as client:
        client.settimeout(10)
        client.connect(socket_path)
        client.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
        return client.recv(4096)


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text in cmdline.read_bytes().decode(errors="replace"):
                found.append(cmdline.parent.name)
        except OSError:  # the process ended meanwhile
            pass
    return found


def test_docker_api_is_gone_after_a_failure_inside_it(podman: Podman):
    with pytest.raises(Boom):
        with podman.docker_api() as docker_host:
            socket_path = docker_host.removeprefix("unix://")
            assert b"200 OK" in _ping(socket_path)
            raise Boom
    assert not Path(socket_path).exists()
    assert not Path(socket_path).parent.exists()
    assert _processes_mentioning(socket_path) == []
