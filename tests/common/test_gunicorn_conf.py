"""The shared gunicorn settings: with several workers ``/metrics`` counts for all of them."""
import os
import re
import signal
import tempfile
from pathlib import Path

import pytest
import requests

from bookinfo_common.settings import CONFIG_ERROR_EXIT_STATUS
from tests.services.productpage.stub_backend import StubBackend
from tests.support.net import wait_for_http, wait_until
from tests.support.processes import ServiceProcess, children_of, run_server_to_exit

pytestmark = pytest.mark.slow  # gunicorn workers killed and replaced

PAGE_VIEWS = 12


def details_ok_count(url: str) -> float:
    """productpage's ``request_result_total`` for details answering 200, as one scrape sees it."""
    text = requests.get(url + "/metrics", timeout=5).text
    match = re.search(r'^request_result_total\{destination_app="details",response_code="200"\} (\S+)$',
                      text, re.M)
    return float(match.group(1)) if match else 0.0


def metrics_dirs() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("bookinfo-metrics-*"))


@pytest.fixture
def backends():
    stub = StubBackend()
    yield stub
    stub.close()


def test_counters_of_every_worker_are_summed_even_after_the_workers_exit(backends):
    """Both workers are replaced after the page views: only counters kept outside the
    workers (the multiprocess directory) can still show them."""
    dirs_before = metrics_dirs()
    with ServiceProcess("productpage", {**backends.env, "WEB_CONCURRENCY": "2"}) as server:
        workers = sorted(children_of(server.proc.pid))
        assert len(workers) == 2
        for _ in range(PAGE_VIEWS):
            assert requests.get(server.url + "/productpage", timeout=10).status_code == 200
        for worker in workers:
            os.kill(worker, signal.SIGTERM)  # gunicorn starts a new worker in its place
        wait_until(lambda: len(set(children_of(server.proc.pid)) - set(workers)) == 2,
                   timeout=20, what="two new workers")
        wait_for_http(server.url + "/health")
        assert [details_ok_count(server.url) for _ in range(6)] == [PAGE_VIEWS] * 6
        made = metrics_dirs() - dirs_before
        assert len(made) == 1
    assert metrics_dirs() - dirs_before == set()  # removed when gunicorn exits


def test_one_worker_keeps_counters_in_memory(backends):
    dirs_before = metrics_dirs()
    with ServiceProcess("productpage", backends.env) as server:
        assert requests.get(server.url + "/productpage", timeout=10).status_code == 200
        assert details_ok_count(server.url) == 1
        assert metrics_dirs() == dirs_before


def test_a_metrics_directory_that_is_not_one_stops_gunicorn_with_one_line(tmp_path):
    result = run_server_to_exit({"WEB_CONCURRENCY": "2",
                                 "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "missing")})
    assert result.returncode == CONFIG_ERROR_EXIT_STATUS
    assert result.stderr.strip().splitlines()[-1] == (
        f"gunicorn: configuration error: PROMETHEUS_MULTIPROC_DIR must name a directory, "
        f"got '{tmp_path / 'missing'}'")
    assert "Traceback" not in result.stdout + result.stderr
