"""The images' server command: gunicorn, after a check of WEB_CONCURRENCY.

gunicorn parses ``WEB_CONCURRENCY`` with ``int()`` while it is imported, so without
``bookinfo_common.serve`` a value like ``two`` or an empty one ended in a traceback.
"""

import pytest

from bookinfo_common.serve import DEFAULT_WORKERS, workers_from_environ
from bookinfo_common.settings import CONFIG_ERROR_EXIT_STATUS, ConfigError
from tests.support.net import wait_until
from tests.support.processes import ServiceProcess, children_of, run_server_to_exit


def test_workers_default_when_unset_or_empty():
    assert workers_from_environ({}) == DEFAULT_WORKERS == 1
    assert workers_from_environ({"WEB_CONCURRENCY": ""}) == DEFAULT_WORKERS
    assert workers_from_environ({}, default=2) == 2


def test_workers_from_web_concurrency():
    assert workers_from_environ({"WEB_CONCURRENCY": "3"}) == 3


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_bad_web_concurrency_names_the_variable(value):
    with pytest.raises(ConfigError, match="WEB_CONCURRENCY must be"):
        workers_from_environ({"WEB_CONCURRENCY": value})


@pytest.mark.slow
def test_gunicorn_starts_web_concurrency_workers():
    with ServiceProcess("details", env={"WEB_CONCURRENCY": "2"}) as details:
        wait_until(lambda: len(children_of(details.proc.pid)) == 2, timeout=20,
                   what="two gunicorn workers")


@pytest.mark.parametrize("value, message", [
    ("0", "WEB_CONCURRENCY must be a positive integer, got 0"),
    ("two", "WEB_CONCURRENCY must be an integer, got 'two'"),
])
def test_a_bad_web_concurrency_stops_the_server_with_one_line(value, message):
    result = run_server_to_exit({"WEB_CONCURRENCY": value})
    assert result.returncode == CONFIG_ERROR_EXIT_STATUS
    assert result.stderr.strip() == f"gunicorn: configuration error: {message}"
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.slow
def test_an_empty_web_concurrency_means_the_default():
    with ServiceProcess("details", env={"WEB_CONCURRENCY": ""}) as details:
        wait_until(lambda: len(children_of(details.proc.pid)) == DEFAULT_WORKERS, timeout=20,
                   what="one gunicorn worker")
