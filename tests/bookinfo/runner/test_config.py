"""The runner's settings and the gateway port check, before anything starts."""
from __future__ import annotations

import socket

import pytest

from bookinfo.runner.config import RunnerConfig
from bookinfo.system.ports import check_free, free_ports
from bookinfo.errors import PortInUse, SettingsError


def test_home_and_port_come_from_the_command_line_then_the_environment_then_defaults(tmp_path):
    environ = {"HOME": str(tmp_path), "BOOKINFO_PORT": "9999"}
    assert RunnerConfig.from_environ(environ).home == tmp_path / ".bookinfo"
    assert RunnerConfig.from_environ(environ).gateway_port == 9999
    environ["BOOKINFO_HOME"] = str(tmp_path / "env-home")
    config = RunnerConfig.from_environ(environ, home=str(tmp_path / "cli-home"), gateway_port=8081)
    assert (config.home, config.gateway_port) == (tmp_path / "cli-home", 8081)
    assert config.stack_dir == tmp_path / "cli-home" / "stack"
    assert RunnerConfig.from_environ({"HOME": str(tmp_path)}).gateway_port == 8080


@pytest.mark.parametrize("environ, port, message", [
    ({"BOOKINFO_PORT": "http"}, None, "BOOKINFO_PORT must be an integer"),
    ({}, 0, "--port must be between 1 and 65535"),
    ({"BOOKINFO_START_TIMEOUT": "-1"}, None, "BOOKINFO_START_TIMEOUT must be a non-negative"),
])
def test_bad_settings_name_their_source(environ, port, message):
    with pytest.raises(SettingsError, match=message):
        RunnerConfig.from_environ({"HOME": "/tmp", **environ}, gateway_port=port)


def test_a_listening_port_is_reported_in_use_and_a_free_one_is_not():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(PortInUse, match=f"port {taken.getsockname()[1]} is already in use"):
            check_free(taken.getsockname()[1])
    [port] = free_ports(1)
    check_free(port)


def test_free_ports_are_distinct():
    ports = free_ports(40)
    assert len(set(ports)) == 40
