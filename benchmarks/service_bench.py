"""``make bench``, fifth part: what each service costs over a bare Flask app, as ratios
measured in the same run.

Each service runs as its image runs it: the ``CMD`` of its Dockerfile (only ``--bind``
added) and the image's environment (details v1, reviews v1, ratings v1, productpage v1,
so no OTLP endpoint). Beside it, the same command and gunicorn settings serve a bare
Flask app (``bare_flask.py``) returning the very bytes the service answered, so the
server, its worker class and its access log cost the same on both sides, and the ratio
is what the service adds: tracing hooks, metrics, logging, routing rules, validation.
productpage is compared with a bare page that makes the same two back-end calls with
``requests`` and renders productpage's template; both call one Envoy answering details
and reviews from memory (``productpage_bench.stub_config``), whose CPU is not counted.

Figure: CPU per request of the server's process group (gunicorn master and workers),
wrk with 4 connections for a fixed time on 127.0.0.1, after a warm-up. The two sides
alternate for several rounds (the machine's speed drifts between minutes); the ratio is
that of the medians. Aim: at most 1.25 for every service.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench import group_cpu_seconds, require_envoy, require_wrk, run, run_wrk
from bookinfo.pods.images import IMAGES
from bookinfo.system.ports import free_port
from productpage_bench import image_command, start, stop, stub_config, wait_ready

MAX_RATIO = 1.25
BENCHMARKS = Path(__file__).resolve().parent
# What every image's ENV sets besides paths and the variant's own variables.
IMAGE_ENV = {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
WARM_UP_REQUESTS = 200


@dataclass(frozen=True)
class Subject:
    """One service: its image (for the environment), the path loaded, and whether it
    calls the stub back-ends."""

    service: str
    image: str
    path: str
    calls_backends: bool = False


SUBJECTS = (
    Subject("details", "examples-bookinfo-details-v1", "/details/0"),
    Subject("reviews", "examples-bookinfo-reviews-v1", "/reviews/0"),
    Subject("ratings", "examples-bookinfo-ratings-v1", "/ratings/0"),
    Subject("productpage", "examples-bookinfo-productpage-v1", "/productpage", calls_backends=True),
)


def server_env(subject: Subject, stub_url: str, extra: dict[str, str]) -> dict[str, str]:
    """The image's environment: none of the runner's, tracing or gunicorn variables that
    this shell may carry."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BOOKINFO_", "OTEL_", "GUNICORN_")) and k != "WEB_CONCURRENCY"}
    env.update(IMAGE_ENV)
    env.update(IMAGES[subject.image].environment)
    if subject.calls_backends:
        host, port = stub_url.removeprefix("http://").split(":")
        for service in ("DETAILS", "REVIEWS"):
            env[f"{service}_HOSTNAME"], env[f"{service}_SERVICE_PORT"] = host, port
    env.update(extra)
    return env


def fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers.get("Content-Type", "")


def cpu_per_request_us(argv: list[str], env: dict[str, str], url: str, scratch: Path,
                       seconds: int, connections: int) -> float:
    """Start the server, warm it, load it with wrk; its CPU per request in µs."""
    log = scratch / f"server-{time.monotonic_ns()}.log"
    process = start(argv, env, log)
    try:
        wait_ready(url, process, log)
        for _ in range(WARM_UP_REQUESTS):
            fetch(url)
        before = group_cpu_seconds(process.pid)
        figures = run_wrk(url, connections, seconds, threads=1)
        cpu = group_cpu_seconds(process.pid) - before
        if figures["non-2xx"] or figures["socket errors"]:
            raise SystemExit(f"service bench: {url} answered errors under load: {figures}")
    finally:
        stop(process)
    return 1e6 * cpu / (figures["pages/s"] * seconds)


def measure(subject: Subject, stub_url: str, scratch: Path, rounds: int, seconds: int,
            connections: int) -> tuple[list[float], list[float]]:
    """CPU per request of the service and of its bare app, ``rounds`` times each, alternating."""
    port = free_port()
    url = f"http://127.0.0.1:{port}{subject.path}"
    ours_argv = image_command(subject.service, port)
    ours_env = server_env(subject, stub_url, {})
    process = start(ours_argv, ours_env, scratch / f"{subject.service}-body.log")
    try:
        wait_ready(url, process, scratch / f"{subject.service}-body.log")
        body, content_type = fetch(url)
    finally:
        stop(process)
    if subject.calls_backends:
        bare_app = "bare_flask:productpage_app"
        bare_extra = {"BARE_DETAILS_URL": stub_url, "BARE_REVIEWS_URL": stub_url}
    else:
        bare_app = "bare_flask:app"
        bare_extra = {"BARE_PATH": subject.path, "BARE_BODY": body.decode(),
                      "BARE_CONTENT_TYPE": content_type}
    path = os.pathsep.join(filter(None, [str(BENCHMARKS), os.environ.get("PYTHONPATH")]))
    bare_env = server_env(subject, stub_url, {**bare_extra, "PYTHONPATH": path})
    bare_argv = [*ours_argv[:-1], bare_app]
    ours, bare = [], []
    for _ in range(rounds):
        ours.append(cpu_per_request_us(ours_argv, ours_env, url, scratch, seconds, connections))
        bare.append(cpu_per_request_us(bare_argv, bare_env, url, scratch, seconds, connections))
    return ours, bare


def report(results: dict[str, tuple[list[float], list[float]]], args) -> None:
    print(f"\nEach service under its image's command against a bare Flask app under the same "
          f"command and settings:\nwrk {args.connections} connections, {args.seconds}s per run, "
          f"{args.rounds} alternating rounds; CPU per request of the server's processes\n")
    print(f"{'service':<14}{'ours µs':>10}{'bare µs':>10}{'ratio':>8}{'aim':>8}  runs (ours | bare)")
    for service, (ours, bare) in results.items():
        ratio = statistics.median(ours) / statistics.median(bare)
        verdict = "ok" if ratio <= MAX_RATIO else "MISSED"
        runs = " ".join(f"{v:.0f}" for v in ours) + " | " + " ".join(f"{v:.0f}" for v in bare)
        print(f"{service:<14}{statistics.median(ours):>10.0f}{statistics.median(bare):>10.0f}"
              f"{ratio:>8.2f}{'<= ' + format(MAX_RATIO, 'g'):>8}  {verdict}  {runs}")
    print("\nproductpage's figures are per page: its two back-end calls (a new connection each)"
          "\nand the template, on both sides; the stub back-end's CPU is not counted.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 5)))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("services", nargs="*", metavar="SERVICE",
                        help=f"the services to measure (default: all of {', '.join(s.service for s in SUBJECTS)})")
    args = parser.parse_args()
    require_wrk("service bench")
    envoy = require_envoy("service bench")
    scratch = Path(tempfile.mkdtemp(prefix="bookinfo-service-bench-"))
    stub_port = free_port()
    config = scratch / "stub.json"
    config.write_text(json.dumps(stub_config(stub_port)))
    stub = start([envoy, "-c", str(config), "--disable-hot-restart", "--concurrency", "1",
                  "--log-level", "warn"], dict(os.environ), scratch / "stub.log")
    stub_url = f"http://127.0.0.1:{stub_port}"
    try:
        wait_ready(f"{stub_url}/details/0", stub, scratch / "stub.log")
        results = {s.service: measure(s, stub_url, scratch, args.rounds, args.seconds, args.connections)
                   for s in SUBJECTS if not args.services or s.service in args.services}
    finally:
        stop(stub)
        shutil.rmtree(scratch, ignore_errors=True)
    report(results, args)
    return 0


if __name__ == "__main__":
    run(main)
