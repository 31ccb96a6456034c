"""``make bench``, third part: our productpage alone, like for like with upstream's figure.

Issue 2 compares against upstream's productpage image (gunicorn, 8 gevent workers)
called directly with a stub reviews: about 190 pages/s at 16 connections, p99 about
220 ms, about 420 MiB. ``bench.py`` measures the whole stack through the gateway, where
five other workloads and Envoy share the two cores; this measures productpage on its own
under the same conditions as that reference.

productpage runs exactly as its image runs it: the ``CMD`` of its Dockerfile (gunicorn
through ``bookinfo_common.serve``, with ``productpage.gunicorn_conf``: two gevent workers), only ``--bind`` added, no
``BOOKINFO_*`` variable, so a new back-end connection per call as upstream. Its
back-ends are one Envoy answering ``/details/0`` and ``/reviews/0`` with upstream's exact
bodies from ``direct_response`` (reviews v3, with ratings, so stars render): the stub
costs a fraction of a millisecond of CPU per page, which the output shows.

Each setting is run in turn: the image's defaults first, then each ``--gunicorn-args``
value given to gunicorn through its standard ``GUNICORN_CMD_ARGS`` variable. Figures per
setting: pages/s, p50 and p99 (wrk, 16 connections, 15 s, 127.0.0.1 only), productpage's
RSS and PSS summed over its process tree (gunicorn master and workers), CPU per page of
productpage and of the stub, time to healthy, and, because the machine is shared and
pages/s follows its load, the 1-minute load average before the run and the share of the
CPU that other processes took during it.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench import REPO, group_cpu_seconds, group_memory_kib, require_envoy, require_wrk, run, run_wrk
from bookinfo.system.ports import free_port

# Issue 2's figures for upstream's productpage image on these machines, and its aims.
UPSTREAM = {"pages/s": 190.0, "p99 ms": 220.0, "RSS MiB": 420.0}
AIMS = {"pages/s": 2 * UPSTREAM["pages/s"], "p99 ms": UPSTREAM["p99 ms"] / 2}
# The setting the image used before gevent (two workers of 8 threads), for comparison.
COMPARED_GUNICORN_ARGS = "--worker-class gthread --threads 8"

# Upstream's exact bodies of details v1 and reviews v3
# (docs/upstream-behaviour.md#details-endpoints-and-ids, docs/upstream-behaviour.md#reviews-endpoints-and-body).
DETAILS_BODY = ('{"id":0,"author":"William Shakespeare","year":1595,"type":"paperback",'
                '"pages":200,"publisher":"PublisherA","language":"English",'
                '"ISBN-10":"1234567890","ISBN-13":"123-1234567890"}')
REVIEWS_BODY = ('{"id": "0","podname": "reviews-v3-stub","clustername": "null","reviews": '
                '[{  "reviewer": "Reviewer1",  "text": "An extremely entertaining play by '
                'Shakespeare. The slapstick humour is refreshing!", "rating": {"stars": 5, '
                '"color": "red"}},{  "reviewer": "Reviewer2",  "text": "Absolutely fun and '
                'entertaining. The play lacks thematic depth when compared to other plays by '
                'Shakespeare.", "rating": {"stars": 4, "color": "red"}}]}')
# 5 + 4 stars from REVIEWS_BODY: the page check that the stubs were really used.
FILLED_STARS = 9
FILLED_STAR_MARK = b'id="glyphicon glyphicon-star"'
# What the productpage image's ENV sets besides paths (services/productpage/Dockerfile).
IMAGE_ENV = {"PYTHONUNBUFFERED": "1", "FLOOD_FACTOR": "0"}
WARM_UP_PAGES = 50
START_DEADLINE_SECONDS = 30.0


@dataclass(frozen=True)
class Setting:
    """One way of starting productpage: a label and the variables added to its env."""

    label: str
    env: dict[str, str]


@dataclass(frozen=True)
class Result:
    setting: Setting
    load_before: float
    start_seconds: float
    figures: dict[str, float]
    rss_kib: int
    pss_kib: int
    productpage_cpu_ms: float
    stub_cpu_ms: float
    # Share of the machine's CPU used during the run by anything but productpage, the
    # stub and wrk: other people's work on a shared machine, which the figures suffer.
    others_cpu_percent: float


def machine_busy_seconds() -> float:
    """CPU time of all cores so far that was neither idle nor iowait (/proc/stat),
    including what the hypervisor took (steal)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU time of this process's waited-for children (wrk, once it has ended)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def stub_config(port: int) -> dict:
    """Envoy bootstrap: one listener answering the two back-end calls from memory."""
    def answer(path: str, body: str) -> dict:
        return {"match": {"path": path},
                "direct_response": {"status": 200, "body": {"inline_string": body}},
                "response_headers_to_add": [
                    {"header": {"key": "content-type", "value": "application/json"}}]}

    manager = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network."
                 "http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "stub",
        "route_config": {"virtual_hosts": [{
            "name": "stub", "domains": ["*"],
            "routes": [answer("/details/0", DETAILS_BODY), answer("/reviews/0", REVIEWS_BODY)]}]},
        "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}],
    }
    return {"static_resources": {"listeners": [{
        "name": "stub",
        "address": {"socket_address": {"address": "127.0.0.1", "port_value": port}},
        "filter_chains": [{"filters": [{
            "name": "envoy.filters.network.http_connection_manager", "typed_config": manager}]}],
    }]}}


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A process leading its own group (so its tree can be measured and stopped)."""
    with open(log, "ab") as out:
        return subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the group, SIGKILL it if it is still there after 15 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll ``url`` until it answers 200; stop the benchmark if the process dies or the
    deadline passes, with the process's output."""
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while True:
        try:
            if fetch(url)[0] == 200:
                return
        except OSError:
            pass  # not listening yet
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise SystemExit(f"productpage bench: {url} never answered 200:\n"
                             f"{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.02)


def image_command(service: str, port: int) -> list[str]:
    """The ``CMD`` of ``service``'s image (exec form, its Dockerfile's last ``CMD`` line)
    run with this interpreter and bound to ``port``: ``python -m bookinfo_common.serve
    -c <config> --bind ... <app>``."""
    dockerfile = REPO / "services" / service / "Dockerfile"
    lines = [line for line in dockerfile.read_text().splitlines() if line.startswith("CMD [")]
    program, *options, app = json.loads(lines[-1][len("CMD "):])
    if program != "python":
        raise SystemExit(f"bench: {dockerfile} no longer runs Python: {lines[-1]}")
    return [sys.executable, *options, "--bind", f"127.0.0.1:{port}", app]


def productpage_env(stub_port: int, extra: dict[str, str]) -> dict[str, str]:
    """The image's environment, pointed at the stub: none of the runner's, tracing or
    gunicorn variables that this shell may carry."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BOOKINFO_", "OTEL_", "GUNICORN_")) and k != "WEB_CONCURRENCY"}
    env.update(IMAGE_ENV)
    for service in ("DETAILS", "REVIEWS"):
        env[f"{service}_HOSTNAME"] = "127.0.0.1"
        env[f"{service}_SERVICE_PORT"] = str(stub_port)
    env.update(extra)
    return env


def measure(setting: Setting, stub: subprocess.Popen, stub_port: int, scratch: Path,
            connections: int, seconds: int) -> Result:
    """Start productpage with ``setting``, check a page, load it, stop it."""
    port = free_port()
    log = scratch / f"productpage-{port}.log"
    argv = image_command("productpage", port)
    began = time.monotonic()
    process = start(argv, productpage_env(stub_port, setting.env), log)
    try:
        wait_ready(f"http://127.0.0.1:{port}/health", process, log)
        start_seconds = time.monotonic() - began
        url = f"http://127.0.0.1:{port}/productpage"
        status, page = fetch(url)
        if status != 200 or page.count(FILLED_STAR_MARK) != FILLED_STARS or b"Error fetching" in page:
            raise SystemExit(f"productpage bench: the page is not the stubs' page "
                             f"(status {status}, {page.count(FILLED_STAR_MARK)} filled stars)")
        for _ in range(WARM_UP_PAGES):  # every worker's imports and first-call paths
            fetch(url)
        load_before = os.getloadavg()[0]
        cpu_before = group_cpu_seconds(process.pid), group_cpu_seconds(stub.pid)
        machine_before, wrk_before, began_run = (machine_busy_seconds(), children_cpu_seconds(),
                                                 time.monotonic())
        figures = run_wrk(url, connections, seconds)
        elapsed = time.monotonic() - began_run
        machine = machine_busy_seconds() - machine_before
        wrk_cpu = children_cpu_seconds() - wrk_before
        pages = max(figures["pages/s"] * seconds, 1.0)
        productpage_cpu = group_cpu_seconds(process.pid) - cpu_before[0]
        stub_cpu = group_cpu_seconds(stub.pid) - cpu_before[1]
        others = machine - productpage_cpu - stub_cpu - wrk_cpu
        others_percent = max(0.0, 100 * others / (elapsed * os.cpu_count()))
        rss, pss = group_memory_kib(process.pid)
    finally:
        stop(process)
    return Result(setting, load_before, start_seconds, figures, rss, pss,
                  1000 * productpage_cpu / pages, 1000 * stub_cpu / pages, others_percent)


def report(results: list[Result], connections: int, seconds: int) -> None:
    print(f"\nproductpage alone: wrk {connections} connections, {seconds}s, GET /productpage "
          f"straight to gunicorn; back-ends: one Envoy direct_response stub\n")
    print(f"{'setting':<44}{'load':>6}{'others':>7}{'pages/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'non-2xx':>8}"
          f"{'RSS MiB':>9}{'PSS MiB':>9}{'CPU ms/pg':>10}{'stub ms/pg':>11}{'start s':>8}")
    for r in results:
        f = r.figures
        print(f"{r.setting.label:<44}{r.load_before:>6.2f}{r.others_cpu_percent:>6.0f}%{f['pages/s']:>9.1f}{f['p50 ms']:>8.1f}"
              f"{f['p99 ms']:>8.1f}{f['non-2xx'] + f['socket errors']:>8.0f}{r.rss_kib / 1024:>9.1f}"
              f"{r.pss_kib / 1024:>9.1f}{r.productpage_cpu_ms:>10.2f}{r.stub_cpu_ms:>11.2f}"
              f"{r.start_seconds:>8.2f}")
    print(f"{'upstream image (issue 2)':<44}{'':>13}{UPSTREAM['pages/s']:>9.1f}{'':>8}"
          f"{UPSTREAM['p99 ms']:>8.1f}{'':>8}{UPSTREAM['RSS MiB']:>9.1f}")
    print(f"\naims: pages/s >= {AIMS['pages/s']:g}, p99 <= {AIMS['p99 ms']:g} ms")
    for r in results:
        f = r.figures
        verdicts = [f"pages/s x{f['pages/s'] / UPSTREAM['pages/s']:.2f} "
                    f"({'ok' if f['pages/s'] >= AIMS['pages/s'] else 'MISSED'})",
                    f"p99 x{f['p99 ms'] / UPSTREAM['p99 ms']:.2f} "
                    f"({'ok' if f['p99 ms'] <= AIMS['p99 ms'] else 'MISSED'})",
                    f"RSS x{r.rss_kib / 1024 / UPSTREAM['RSS MiB']:.2f}"]
        print(f"  {r.setting.label:<44}" + ", ".join(verdicts))
    print("\n'load' is the 1-minute load average just before the run (earlier settings' runs")
    print("count in it); 'others' is the share of both cores used during the run by anything")
    print("but productpage, the stub and wrk. wrk itself shares the two cores. RSS and PSS")
    print("are summed over gunicorn's master and workers.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 15)))
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--gunicorn-args", action="append", metavar="ARGS",
                        help="a setting to run after the image's defaults, as GUNICORN_CMD_ARGS "
                             f"(repeatable; default: {COMPARED_GUNICORN_ARGS!r})")
    args = parser.parse_args()
    require_wrk("productpage bench")
    envoy = require_envoy("productpage bench")
    settings = [Setting("image default", {})]
    settings += [Setting(f"GUNICORN_CMD_ARGS {value}", {"GUNICORN_CMD_ARGS": value})
                 for value in args.gunicorn_args or [COMPARED_GUNICORN_ARGS]]
    scratch = Path(tempfile.mkdtemp(prefix="bookinfo-productpage-bench-"))
    stub_port = free_port()
    config = scratch / "stub.json"
    config.write_text(json.dumps(stub_config(stub_port)))
    stub_log = scratch / "stub.log"
    stub = start([envoy, "-c", str(config), "--disable-hot-restart", "--concurrency", "1",
                  "--log-level", "warn"], dict(os.environ), stub_log)
    try:
        wait_ready(f"http://127.0.0.1:{stub_port}/details/0", stub, stub_log)
        results = [measure(setting, stub, stub_port, scratch, args.connections, args.seconds)
                   for setting in settings]
    finally:
        stop(stub)
        shutil.rmtree(scratch, ignore_errors=True)
    report(results, args.connections, args.seconds)
    return 0


if __name__ == "__main__":
    run(main)
