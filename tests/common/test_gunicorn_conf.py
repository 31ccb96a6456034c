"""The shared gunicorn settings: the worker count follows gunicorn's WEB_CONCURRENCY."""
import os
import subprocess
import sys

import pytest

from bookinfo.processes import process_stats
from bookinfo_common.gunicorn_conf import DEFAULT_WORKERS, workers_from_environ
from bookinfo_common.settings import CONFIG_ERROR_EXIT_STATUS, ConfigError
from tests.support.net import wait_until
from tests.support.processes import REPO, ServiceProcess


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers, for its master)."""
    return [child for child, fields in process_stats() if int(fields[1]) == pid]


def test_workers_default_when_unset_or_empty():
    assert workers_from_environ({}) == DEFAULT_WORKERS == 1
    assert workers_from_environ({"WEB_CONCURRENCY": ""}) == DEFAULT_WORKERS


def test_workers_from_web_concurrency():
    assert workers_from_environ({"WEB_CONCURRENCY": "3"}) == 3


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_bad_web_concurrency_names_the_variable(value):
    with pytest.raises(ConfigError, match="WEB_CONCURRENCY must be"):
        workers_from_environ({"WEB_CONCURRENCY": value})


def test_gunicorn_starts_web_concurrency_workers():
    with ServiceProcess("details", env={"WEB_CONCURRENCY": "2"}) as details:
        wait_until(lambda: len(children_of(details.proc.pid)) == 2, timeout=20,
                   what="two gunicorn workers")


def test_zero_web_concurrency_stops_gunicorn_with_one_line():
    """(A non-integer never reaches the file: gunicorn's own default parses it first.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "GUNICORN_"))}
    env["WEB_CONCURRENCY"] = "0"
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "python:bookinfo_common.gunicorn_conf",
         "--bind", "127.0.0.1:0", "details.wsgi:app"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == CONFIG_ERROR_EXIT_STATUS
    assert result.stderr.strip() == ("gunicorn: configuration error: "
                                     "WEB_CONCURRENCY must be a positive integer, got 0")
    assert "Traceback" not in result.stdout + result.stderr
