"""Each service image, run as the restricted manifests run it, behaves as its upstream name says.

Every container runs with a read-only root filesystem, a tmpfs at /tmp, as UID 1000, with
all capabilities dropped and no privilege escalation, and with no environment of its own:
what an image does must come from the image. Where an image calls another service, the
name is pointed at another container of the fleet with ``--add-host`` (what cluster DNS
does), never with an environment variable.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bookinfo.pods.images import IMAGES
from tools.images.podman import Podman
from tests.support.net import free_port

HARDENED = ("--read-only", "--tmpfs", "/tmp:rw,mode=1777,size=64m", "--user", "1000:1000",
            "--cap-drop", "all", "--security-opt", "no-new-privileges")

# Start order: every image starts after the ones it calls.
START_ORDER = ("ratings", "details", "reviews", "productpage")

# Which running image answers for each service name an image calls. productpage-v1 sees
# reviews v2 (stars on the page); the flooding productpage gets reviews v1 to itself, so
# its reviews requests can be counted in that container's access log.
WIRING = {
    "examples-bookinfo-reviews-v2": {"ratings": "examples-bookinfo-ratings-v1"},
    "examples-bookinfo-reviews-v3": {"ratings": "examples-bookinfo-ratings-v1"},
    "examples-bookinfo-productpage-v1": {"details": "examples-bookinfo-details-v1",
                                         "reviews": "examples-bookinfo-reviews-v2"},
    "examples-bookinfo-productpage-v-flooding": {"details": "examples-bookinfo-details-v1",
                                                 "reviews": "examples-bookinfo-reviews-v1"},
}

HEALTH_TIMEOUT_S = 30  # generous: two shared cores; the target (reported) is under 2 s
SERVICE_IMAGES = [name for name, image in IMAGES.items() if not image.is_database]


@dataclass(frozen=True)
class Running:
    image: str
    container: str  # also its hostname, as a pod name would be
    url: str  # the container's port 9080, published on 127.0.0.1
    ip: str
    start_to_healthy_s: float


def _variant(image: str) -> str:
    return image.removeprefix("examples-bookinfo-")


def _start(podman: Podman, tag: str, image: str, hosts: dict[str, str]) -> Running:
    container = f"bookinfo-test-{_variant(image)}"
    port = free_port()
    add_hosts = [f"--add-host={name}:{ip}" for name, ip in hosts.items()]
    started = time.monotonic()
    podman("run", "--detach", "--name", container, "--hostname", _variant(image),
           "--publish", f"127.0.0.1:{port}:9080", *add_hosts, *HARDENED, tag)
    url = f"http://127.0.0.1:{port}"
    deadline = started + HEALTH_TIMEOUT_S
    while True:
        try:
            if requests.get(url + "/health", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            logs = podman("logs", container, check=False)
            raise AssertionError(f"{image} not healthy after {HEALTH_TIMEOUT_S} s:\n"
                                 f"{logs.stdout[-3000:]}{logs.stderr[-3000:]}")
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    ip = podman.inspect("container", container)["NetworkSettings"]["IPAddress"]
    return Running(image, container, url, ip, elapsed)


def _idle_rss_mib(podman: Podman, container: str) -> float:
    """Resident memory of every process in the container, summed, from /proc on the host."""
    pids = podman("top", container, "hpid").stdout.split()[1:]
    total_kib = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


@pytest.fixture(scope="module")
def fleet(podman: Podman, built, report) -> dict[str, Running]:
    """All thirteen service images running at once, started one by one and timed."""
    running: dict[str, Running] = {}
    order = sorted(built, key=lambda name: START_ORDER.index(IMAGES[name].service))
    try:
        for name in order:
            hosts = {service: running[target].ip for service, target in WIRING.get(name, {}).items()}
            running[name] = _start(podman, built[name].tag, name, hosts)
            report.rows[name].start_to_healthy_s = running[name].start_to_healthy_s
        for name, container in running.items():
            report.rows[name].idle_rss_mib = _idle_rss_mib(podman, container.container)
        yield running
    finally:
        for container in running.values():
            podman("rm", "--force", "--time", "0", container.container, check=False)


def _exec(podman: Podman, running: Running, script: str) -> str:
    return podman("exec", running.container, "bash", "-c", script).stdout


# --- what every image must be --------------------------------------------------------


@pytest.mark.parametrize("image", SERVICE_IMAGES)
def test_image_config_is_upstream_shaped(podman: Podman, built, image: str):
    inspected = podman.inspect("image", built[image].tag)
    config = inspected["Config"]
    assert config["User"] == "1000:1000"
    assert "9080/tcp" in config["ExposedPorts"]
    assert inspected["Healthcheck"]["Test"][:2] == ["CMD", "curl"]
    # gunicorn, after the WEB_CONCURRENCY check it cannot make itself.
    assert config["Cmd"][:3] == ["python", "-m", "bookinfo_common.serve"]
    env = dict(item.split("=", 1) for item in config["Env"])
    for name, value in IMAGES[image].environment.items():
        assert env.get(name) == value, f"{image} bakes {name}={env.get(name)!r}, the table says {value!r}"


def test_a_bad_web_concurrency_stops_the_container_with_one_line(podman: Podman, built):
    result = podman("run", "--rm", "--no-healthcheck", *HARDENED, "-e", "WEB_CONCURRENCY=two",
                    built["examples-bookinfo-productpage-v1"].tag, check=False, timeout=60)
    assert result.returncode == 3
    # podman may add lines of its own before the container's.
    assert result.stderr.strip().splitlines()[-1] == (
        "gunicorn: configuration error: WEB_CONCURRENCY must be an integer, got 'two'")
    assert "gunicorn: configuration error" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("image", SERVICE_IMAGES)
def test_runs_read_only_as_uid_1000_without_capabilities(podman: Podman, fleet, image: str):
    out = _exec(podman, fleet[image], """
        echo "uid=$(id -u)"
        awk '/^CapEff/ {print "capeff=" $2}' /proc/1/status
        awk '/^Uid/ {print "pid1uid=" $2}' /proc/1/status
        touch /opt/microservices/probe 2>/dev/null && echo root=writable || echo root=read-only
        touch /tmp/probe && echo tmp=writable
    """)
    facts = dict(line.split("=", 1) for line in out.split())
    assert facts == {"uid": "1000", "capeff": "0000000000000000", "pid1uid": "1000",
                     "root": "read-only", "tmp": "writable"}


@pytest.mark.parametrize("image", SERVICE_IMAGES)
def test_curl_and_bash_reach_the_service_on_9080(podman: Podman, fleet, image: str):
    out = _exec(podman, fleet[image], "curl --silent --fail http://localhost:9080/health")
    assert "is healthy" in out  # productpage answers in plain text, the others in JSON


@pytest.mark.parametrize("image", SERVICE_IMAGES)
def test_healthcheck_passes(podman: Podman, fleet, image: str):
    assert podman("healthcheck", "run", fleet[image].container, check=False).returncode == 0


# What the layers over the shared base may add: ratings, the largest (its database drivers
# and cryptography), measured 36.6 MB before every image took gevent, its worker (about 9 MB as
# installed byte code with greenlet and zope.interface: docs/containers.md).
ADDED_MB_BUDGET = 50


@pytest.mark.parametrize("image", SERVICE_IMAGES)
def test_layers_added_to_the_base_stay_within_the_budget(report, fleet, image: str):
    assert report.rows[image].added_mb < ADDED_MB_BUDGET


@pytest.mark.parametrize("image", SERVICE_IMAGES)
def test_becomes_healthy_promptly(fleet, image: str):
    # The target is 2 s (see the printed table); the bound leaves room for a busy machine.
    assert fleet[image].start_to_healthy_s < 10


# --- what each image name implies ----------------------------------------------------


def _get(fleet, image: str, path: str, timeout: float = 10) -> requests.Response:
    return requests.get(fleet[image].url + path, timeout=timeout)


def test_ratings_v1_serves_the_fixed_ratings(fleet):
    response = _get(fleet, "examples-bookinfo-ratings-v1", "/ratings/0")
    assert (response.status_code, response.text) == (200, '{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}')


def test_ratings_v2_reads_a_database_and_has_none(fleet):
    # No MONGO_DB_URL in the image, as upstream: the MongoDB connection fails.
    response = _get(fleet, "examples-bookinfo-ratings-v2", "/ratings/0")
    assert (response.status_code, response.json()) == (500, {"error": "could not connect to ratings database"})


def test_ratings_v_faulty_fails_about_half_the_time(fleet):
    statuses = [_get(fleet, "examples-bookinfo-ratings-v-faulty", "/ratings/0").status_code for _ in range(60)]
    assert set(statuses) == {200, 503}
    assert 10 <= statuses.count(503) <= 50


def test_ratings_v_delayed_delays_about_half_the_requests(fleet):
    def elapsed(_):
        started = time.monotonic()
        try:
            _get(fleet, "examples-bookinfo-ratings-v-delayed", "/ratings/0", timeout=3)
        except requests.Timeout:
            return None
        return time.monotonic() - started

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(elapsed, range(16)))
    # 7 s delays time out at 3 s; the others answer at once.
    assert 1 <= results.count(None) <= 15
    assert all(seconds < 2 for seconds in results if seconds is not None)


@pytest.mark.parametrize("image", ["examples-bookinfo-ratings-v-unavailable",
                                   "examples-bookinfo-ratings-v-unhealthy"])
def test_ratings_failure_modes_start_in_their_good_phase(podman: Podman, fleet, image: str):
    assert _get(fleet, image, "/ratings/0").status_code == 200
    assert _exec(podman, fleet[image], "echo $SERVICE_VERSION").strip() == IMAGES[image].environment["SERVICE_VERSION"]


def test_details_v1_serves_the_fixed_book(fleet):
    response = _get(fleet, "examples-bookinfo-details-v1", "/details/0")
    assert response.status_code == 200
    assert response.json()["ISBN-10"] == "1234567890"


def test_details_v2_asks_the_external_book_service(fleet):
    # No egress here: v2's call to the book service fails and says so; v1 never calls out.
    response = _get(fleet, "examples-bookinfo-details-v2", "/details/0", timeout=30)
    assert response.status_code == 400
    assert "error" in response.json()


def test_reviews_v1_has_no_ratings(fleet):
    body = _get(fleet, "examples-bookinfo-reviews-v1", "/reviews/0").json()
    assert body["podname"] == "reviews-v1"
    assert all("rating" not in review for review in body["reviews"])


@pytest.mark.parametrize("image, color", [("examples-bookinfo-reviews-v2", "black"),
                                          ("examples-bookinfo-reviews-v3", "red")])
def test_reviews_v2_v3_show_stars_in_their_color(fleet, image: str, color: str):
    body = _get(fleet, image, "/reviews/0").json()
    assert [review["rating"] for review in body["reviews"]] == [
        {"stars": 5, "color": color}, {"stars": 4, "color": color}]


def test_productpage_v1_shows_details_and_black_stars(fleet):
    page = _get(fleet, "examples-bookinfo-productpage-v1", "/productpage", timeout=20).text
    assert "1234567890" in page  # the details table
    assert "Reviews served by:" in page and "reviews-v2" in page
    assert "text-black-500" in page and 'id="glyphicon glyphicon-star"' in page


def _reviews_requests_from(podman: Podman, reviews: Running, client: Running) -> int:
    log = podman("logs", reviews.container).stdout
    request = f'{client.ip} "GET /reviews/0 '  # the access log's remote address, then the request
    return sum(1 for line in log.splitlines() if request in line)


def test_productpage_v_flooding_floods_reviews(podman: Podman, fleet):
    flooding = fleet["examples-bookinfo-productpage-v-flooding"]
    reviews = fleet["examples-bookinfo-reviews-v1"]
    before = _reviews_requests_from(podman, reviews, flooding)
    assert _get(fleet, flooding.image, "/productpage", timeout=60).status_code == 200
    # FLOOD_FACTOR=100 extra reviews calls, then the page's own.
    assert _reviews_requests_from(podman, reviews, flooding) - before >= 101
