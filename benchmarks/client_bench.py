"""``make bench``, fourth part: the CPU one back-end call costs the caller.

productpage makes two calls per page and reviews v2/v3 one, so the outbound client is a
large share of the CPU per page (docs/performance.md). This times, in this process's
CPU, ``requests.get`` (upstream's client, which reads the environment for proxies and
``.netrc`` on every call) and our client, ``bookinfo_common.mesh_http.MeshHttp`` (requests
without the environment), with a new connection per call (the images' default) and
with kept connections (``bookinfo up``), each calling one Envoy that answers
``/details/0`` from memory with upstream's body and the headers productpage forwards.
The server's CPU is not counted.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

from bookinfo.system.ports import free_port
from bookinfo_common.mesh_http import MeshHttp
from bench import require_envoy, run
from productpage_bench import DETAILS_BODY, start, stop, stub_config, wait_ready

# What productpage forwards on a traced request (B3 and the request id).
HEADERS = {"x-request-id": "5f0e3d6c-1b2a-4c3d-9e8f-7a6b5c4d3e2f",
           "x-b3-traceid": "463ac35c9f6413ad48485a3953bb6124", "x-b3-spanid": "a2fb4a1d1a96d312",
           "x-b3-sampled": "1"}
WARM_UP_CALLS = 200


def cpu_per_call_us(call: Callable[[], bytes], calls: int) -> float:
    """Mean CPU time of ``call`` in this process, after a warm-up; checks every body."""
    for _ in range(WARM_UP_CALLS):
        call()
    began = time.process_time()
    for _ in range(calls):
        if call() != DETAILS_BODY.encode():
            raise SystemExit("client bench: the stub answered something else")
    return 1e6 * (time.process_time() - began) / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    envoy = require_envoy("client bench")
    scratch = Path(tempfile.mkdtemp(prefix="bookinfo-client-bench-"))
    port = free_port()
    (scratch / "stub.json").write_text(json.dumps(stub_config(port)))
    stub = start([envoy, "-c", str(scratch / "stub.json"), "--disable-hot-restart",
                  "--concurrency", "1", "--log-level", "warn"], {}, scratch / "stub.log")
    url = f"http://127.0.0.1:{port}/details/0"
    new_connections, kept_connections = MeshHttp(), MeshHttp(reuse_connections=True)
    clients = {
        "requests.get (upstream), new connection": lambda: requests.get(url, headers=HEADERS, timeout=3).content,
        "MeshHttp, new connection (images)": lambda: new_connections.get(url, HEADERS, 3.0).body,
        "MeshHttp, kept connection (bookinfo up)": lambda: kept_connections.get(url, HEADERS, 3.0).body,
    }
    try:
        wait_ready(url, stub, scratch / "stub.log")
        figures = {name: cpu_per_call_us(call, args.calls) for name, call in clients.items()}
    finally:
        stop(stub)
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\noutbound client: {args.calls} GET /details/0 each, to one Envoy answering from memory\n")
    print(f"{'client':<44}{'CPU us/call':>12}")
    for name, micros in figures.items():
        print(f"{name:<44}{micros:>12.0f}")
    return 0


if __name__ == "__main__":
    run(main)
