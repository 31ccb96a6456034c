"""``make bench``, second part: what the local mesh itself costs.

* The added latency of one mesh hop. ``GET /details/0`` is timed with wrk on one
  connection straight to the details-v1 pod, then through productpage's outbound
  listener (the pod's "sidecar") for ``details:9080``, which passes details' sidecar
  (mutual TLS, the default; security_bench.py compares it with plain text): first on the default route (no
  VirtualService), then with ``virtual-service-all-v1.yaml`` in place (a subset route).
  The difference of the percentiles is the hop; details is the back-end with nothing
  behind it, so nothing else varies.
* The time for an ``apply`` to take effect: from the start of
  ``bookinfo apply -f networking/fault-injection-details-v1.yaml`` to the first request
  through that listener answered with the fault's 555, and for the ``delete`` back to the
  first 200; and when each command returned (it waits for Envoy to acknowledge).

Starts its own stack in a scratch home on a free port and stops it afterwards; load
goes to 127.0.0.1 only, for a bounded time.
"""
from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import REPO, bench_stack, bookinfo, require_wrk, run, run_wrk, sidecar_port

BASE = ("platform/kube/bookinfo.yaml", "networking/bookinfo-gateway.yaml",
        "networking/destination-rule-all.yaml")
SUBSET_ROUTES = REPO / "networking" / "virtual-service-all-v1.yaml"
DETAILS_FAULT = REPO / "networking" / "fault-injection-details-v1.yaml"
FAULT_STATUS = 555
# How long one apply may take to show before the benchmark gives up on it.
EFFECT_DEADLINE_SECONDS = 30.0


def status_of(port: int) -> int:
    """The status of one ``GET /details/0`` on ``port`` (a fresh connection, no reuse)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/details/0")
        return connection.getresponse().status
    finally:
        connection.close()


def change(home: Path, verb: str, manifest: Path) -> None:
    """``bookinfo apply|delete -f manifest``; a failure ends the benchmark with its message."""
    result = bookinfo(home, verb, "-f", str(manifest))
    if result.returncode != 0:
        raise SystemExit(f"mesh bench: bookinfo {verb} failed: {result.stderr.strip()}")


def time_to_effect(home: Path, verb: str, port: int, wanted: int) -> tuple[float, float]:
    """(seconds until ``port`` answers ``wanted``, seconds until the command returned),
    both from the start of ``bookinfo VERB -f DETAILS_FAULT``."""
    command = [sys.executable, "-m", "bookinfo", "--home", str(home), verb, "-f", str(DETAILS_FAULT)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKINFO_")}
    began = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    effect = None
    returned = None
    while effect is None:
        if status_of(port) == wanted:
            effect = time.monotonic() - began
        if returned is None and process.poll() is not None:
            returned = time.monotonic() - began
            if process.returncode != 0:
                raise SystemExit(f"mesh bench: bookinfo {verb} failed: {process.stderr.read().strip()}")
        if time.monotonic() - began > EFFECT_DEADLINE_SECONDS:
            process.kill()
            raise SystemExit(f"mesh bench: {verb} showed no effect in {EFFECT_DEADLINE_SECONDS:.0f}s")
        time.sleep(0.002)  # a bounded poll: resolution 2 ms, leaving the CPU to the apply
    process.wait(timeout=EFFECT_DEADLINE_SECONDS)
    return effect, returned if returned is not None else time.monotonic() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("MESH_BENCH_SECONDS", 5)),
                        help="wrk run per configuration")
    parser.add_argument("--rounds", type=int, default=5, help="apply/delete rounds")
    args = parser.parse_args()
    require_wrk("mesh bench")
    with bench_stack(BASE) as (home, _, state):
        direct = next(p["port"] for p in state["pods"] if p["deployment"] == "details-v1")
        sidecar = sidecar_port(state, "productpage-v1", "details", 9080)

        def latency(port: int) -> dict[str, float]:
            url = f"http://127.0.0.1:{port}/details/0"
            run_wrk(url, 1, 1, threads=1)  # warm the worker and Envoy's connection pool
            return run_wrk(url, 1, args.seconds, threads=1)

        hops = {"direct to the pod": latency(direct),
                "mesh hop, no VirtualService": latency(sidecar)}
        change(home, "apply", SUBSET_ROUTES)
        hops["mesh hop, VirtualService v1"] = latency(sidecar)
        change(home, "delete", SUBSET_ROUTES)

        rounds = []
        for _ in range(args.rounds):
            rounds.append((time_to_effect(home, "apply", sidecar, FAULT_STATUS),
                           time_to_effect(home, "delete", sidecar, 200)))
    report(hops, rounds, args)
    return 0


def report(hops: dict[str, dict[str, float]], rounds, args) -> None:
    print(f"\nmesh hop: wrk, 1 connection, {args.seconds}s each, GET /details/0 (details-v1)\n")
    print(f"{'route':<32}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'+p50 ms':>9}{'+p99 ms':>9}")
    base = hops["direct to the pod"]
    for name, figures in hops.items():
        added = "" if figures is base else (f"{figures['p50 ms'] - base['p50 ms']:>9.3f}"
                                            f"{figures['p99 ms'] - base['p99 ms']:>9.3f}")
        print(f"{name:<32}{figures['pages/s']:>9.0f}{figures['p50 ms']:>9.3f}{figures['p99 ms']:>9.3f}{added}")
    print(f"\napply to effect: {len(rounds)} rounds of `bookinfo apply` / `delete -f "
          f"fault-injection-details-v1.yaml`,\nseconds from the command's start (median / max)\n")
    print(f"{'command':<10}{'in effect':>16}{'returned':>16}")
    for index, verb in enumerate(("apply", "delete")):
        effect = [r[index][0] for r in rounds]
        returned = [r[index][1] for r in rounds]
        print(f"{verb:<10}{statistics.median(effect):>8.2f} /{max(effect):>6.2f}"
              f"{statistics.median(returned):>8.2f} /{max(returned):>6.2f}")
    print("\n`returned` includes the command's start-up and validation; it returns only once")
    print("Envoy reports the new routes (its config_dump versions), so the effect comes first.")


if __name__ == "__main__":
    run(main)
