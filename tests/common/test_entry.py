"""How every service starts (bookinfo_common.entry): a bad setting stops both entry points,
``<service>.wsgi`` and ``python -m <service> PORT``, with one line on stderr and status 3."""
from __future__ import annotations

import subprocess
import sys

import pytest

from bookinfo_common.settings import CONFIG_ERROR_EXIT_STATUS
from tests.support.net import free_port
from tests.support.processes import REPO, server_environ

# One setting per service that its configuration refuses.
BAD_SETTING = {
    "details": ("GOOGLE_BOOKS_BASE_URL", "ftp://nowhere"),
    "reviews": ("BOOKINFO_REUSE_CONNECTIONS", "yes"),
    "ratings": ("RATINGS_FAULT_PROBABILITY", "2"),
    "productpage": ("FLOOD_FACTOR", "lots"),
}


def run_to_exit(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], cwd=REPO, env=server_environ(env),
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("service", sorted(BAD_SETTING))
@pytest.mark.parametrize("entry", ["wsgi", "development server"])
def test_a_bad_setting_stops_the_service_with_one_line_and_status_3(service: str, entry: str):
    name, value = BAD_SETTING[service]
    argv = (["-c", f"import {service}.wsgi"] if entry == "wsgi"
            else ["-m", service, str(free_port())])
    result = run_to_exit(argv, {name: value})
    assert result.returncode == CONFIG_ERROR_EXIT_STATUS
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{service}: configuration error: {name} ")
    assert name not in result.stdout and "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("argument", ["nine", "0", "65536"])
def test_the_development_server_refuses_an_argument_that_is_not_a_port(argument: str):
    result = run_to_exit(["-m", "details", argument], {})
    assert result.returncode == 255
    assert "usage: details port" in result.stdout
