"""``make bench``: load the gateway's /productpage with wrk and print the figures that matter.

Starts its own stack (``bookinfo up --detach`` on a free port, in a scratch home), so it
never disturbs a running one, and stops it afterwards. Load goes to 127.0.0.1 only, for
a bounded time. Figures: time from ``bookinfo up`` to ready, pages/s, p50 and p99
latency, non-2xx answers, and the memory of every workload (RSS of its process group and
of the runtime shim above it, and PSS, which counts a page shared between processes
once), and the CPU time each spends per page.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NoReturn

from bookinfo.system.ports import free_port
from bookinfo.system.processes import process_stats

REPO = Path(__file__).resolve().parents[1]
# Upstream's whole stack measured like for like by issue 15 (productpage, details,
# reviews v1/v2/v3 and ratings with their images' commands behind one Envoy, wrk 16
# connections, quiet 2-core machine), and its aims: twice the pages/s at half the p99.
UPSTREAM_STACK = {"pages/s": 266.6, "p99 ms": 165.3}
AIMS = {"pages/s": (">=", 2 * UPSTREAM_STACK["pages/s"]), "p99 ms": ("<=", UPSTREAM_STACK["p99 ms"] / 2),
        "workloads MiB": ("<=", 200.0), "ready s": ("<=", 2.0)}


def bookinfo(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """``bookinfo --home HOME ARGS...`` (``stdin``: what ``-f -`` reads)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKINFO_")}
    return subprocess.run([sys.executable, "-m", "bookinfo", "--home", str(home), *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120, input=stdin)


class BenchStopped(Exception):
    """A benchmark cannot run (no wrk, a stack that did not start); the str says why."""


def run(main: Callable[[], int]) -> NoReturn:
    """Exit with ``main()``'s status; a BenchStopped is one line on stderr and status 1."""
    try:
        sys.exit(main())
    except BenchStopped as stopped:
        print(stopped, file=sys.stderr)
        sys.exit(1)


def require_envoy(name: str) -> str:
    """The Envoy binary the benchmark starts."""
    from bookinfo.envoy.binary import find_envoy
    from bookinfo.errors import EnvoyNotFound

    try:
        return find_envoy()
    except EnvoyNotFound as exc:
        raise BenchStopped(f"{name}: {exc}") from None


def require_wrk(name: str) -> None:
    if shutil.which("wrk") is None:
        raise BenchStopped(f"{name}: wrk is not installed; install it with: apt-get install -y wrk")


@contextlib.contextmanager
def bench_stack(manifests: Sequence[str] = (), port: int | None = None) -> Iterator[tuple[Path, int, dict]]:
    """``bookinfo up --detach`` on a fresh home, with ``manifests`` (paths under the
    repository) as its base when given: yields (home, gateway port, the recorded stack
    state); always brought down and the home removed."""
    home = Path(tempfile.mkdtemp(prefix="bookinfo-bench-"))
    port = port or free_port()
    up = ["up", "--detach", "--port", str(port)]
    for manifest in manifests:
        up += ["-f", str(REPO / manifest)]
    try:
        started = bookinfo(home, *up)
        if started.returncode != 0:
            raise BenchStopped(started.stderr.strip())
        yield home, port, json.loads((home / "stack" / "stack.json").read_text())
    finally:
        bookinfo(home, "down")
        shutil.rmtree(home, ignore_errors=True)


def sidecar_port(state: dict, caller: str, service: str, service_port: int) -> int:
    """The loopback port of ``caller``'s (a Deployment's) outbound listener for service:port."""
    pod = next(p for p in state["pods"] if p["deployment"] == caller)
    return next(listener for name, number, listener in pod["outbound"] if (name, number) == (service, service_port))


def run_wrk(url: str, connections: int, seconds: int, threads: int = 2) -> dict[str, float]:
    """wrk's requests/s, p50, p99 (ms) and error counts for a fixed-length run."""
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "--timeout", "5s", url], capture_output=True, text=True,
                         timeout=seconds + 30, check=True).stdout
    figures = {"pages/s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for label, key in (("50%", "p50 ms"), ("99%", "p99 ms")):
        value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        figures[key] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    figures["non-2xx"] = float(non_2xx.group(1)) if non_2xx else 0.0
    figures["socket errors"] = float(sum(map(int, errors.groups()))) if errors else 0.0
    return figures


def group_members(leader: int) -> list[tuple[Path, list[str]]]:
    """(/proc entry, stat fields from the state on) of each process in ``leader``'s group."""
    return [(Path(f"/proc/{pid}"), fields) for pid, fields in process_stats()
            if int(fields[2]) == leader]  # the process group


def pod_members(leader: int) -> list[tuple[Path, list[str]]]:
    """A pod's processes: its process group and the runtime shim above it (its parent,
    bookinfo.pods.shim), which shares its pages and must be counted with it."""
    members = group_members(leader)
    shim = next((int(fields[1]) for entry, fields in members if entry.name == str(leader)), None)
    return members + [(Path(f"/proc/{pid}"), fields) for pid, fields in process_stats() if pid == shim]


def memory_kib(members: list[tuple[Path, list[str]]]) -> tuple[int, int]:
    """(RSS, PSS) in KiB summed over ``members``."""
    rss = pss = 0
    for entry, _ in members:
        try:
            rollup = (entry / "smaps_rollup").read_text()
        except OSError:
            continue
        rss += int(re.search(r"^Rss:\s+(\d+)", rollup, re.M).group(1))
        pss += int(re.search(r"^Pss:\s+(\d+)", rollup, re.M).group(1))
    return rss, pss


def group_memory_kib(leader: int) -> tuple[int, int]:
    """(RSS, PSS) in KiB summed over the process group ``leader`` leads."""
    return memory_kib(group_members(leader))


def cpu_seconds(members: list[tuple[Path, list[str]]]) -> float:
    """User + system CPU time used so far by ``members``."""
    ticks = sum(int(fields[11]) + int(fields[12]) for _, fields in members)
    return ticks / os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(leader: int) -> float:
    """User + system CPU time used so far by the processes of ``leader``'s group."""
    return cpu_seconds(group_members(leader))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 15)))
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    require_wrk("bench")
    began = time.monotonic()
    with bench_stack() as (home, port, state):
        ready = time.monotonic() - began
        url = f"http://127.0.0.1:{port}/productpage"
        for _ in range(50):  # warm every worker's imports and Envoy's connection pools
            urllib.request.urlopen(url, timeout=10).read()
        members = {pod["name"]: lambda pid=pod["pid"]: pod_members(pid) for pod in state["pods"]}
        members["envoy"] = lambda: group_members(state["envoy_pid"])
        cpu_before = {name: cpu_seconds(processes()) for name, processes in members.items()}
        figures = run_wrk(url, args.connections, args.seconds)
        pages = figures["pages/s"] * args.seconds
        cpu = {name: 1000 * (cpu_seconds(processes()) - cpu_before[name]) / pages
               for name, processes in members.items()}
        memory = [(pod["name"], *memory_kib(pod_members(pod["pid"]))) for pod in state["pods"]]
        envoy = group_memory_kib(state["envoy_pid"])
    figures["ready s"] = ready
    figures["workloads MiB"] = sum(pss for _, _, pss in memory) / 1024
    report(figures, memory, envoy, cpu, args)
    return 0


def report(figures: dict[str, float], memory, envoy, cpu, args) -> None:
    print(f"\nwrk: {args.connections} connections, {args.seconds}s, GET /productpage through the gateway\n")
    print(f"{'figure':<16}{'measured':>12}{'aim':>12}")
    for key, value in figures.items():
        line = f"{key:<16}{value:>12.1f}"
        if key in AIMS:
            sign, aim = AIMS[key]
            met = value >= aim if sign == ">=" else value <= aim
            line += f"{sign + ' ' + format(aim, '.1f'):>12}  {'ok' if met else 'MISSED'}"
            if key in UPSTREAM_STACK:
                line += f"  (x{value / UPSTREAM_STACK[key]:.2f} upstream's {UPSTREAM_STACK[key]:g})"
        print(line)
    print(f"\n{'pod (group and shim)':<36}{'RSS MiB':>10}{'PSS MiB':>10}{'CPU ms/page':>13}")
    for name, rss, pss in memory:
        print(f"{name:<36}{rss / 1024:>10.1f}{pss / 1024:>10.1f}{cpu[name]:>13.2f}")
    print(f"{'envoy (not a workload)':<36}{envoy[0] / 1024:>10.1f}{envoy[1] / 1024:>10.1f}"
          f"{cpu['envoy']:>13.2f}")
    print(f"{'all workloads':<36}{sum(m[1] for m in memory) / 1024:>10.1f}"
          f"{sum(m[2] for m in memory) / 1024:>10.1f}{sum(cpu.values()) - cpu['envoy']:>13.2f}")
    print("\n'workloads MiB' is the PSS sum: the memory the six take together, each page shared")
    print("between processes (the launcher's imports, gunicorn master and worker) counted once.")
    print("RSS counts a shared page in every process that maps it.")
    cores = os.cpu_count() or 1
    per_page = sum(cpu.values())
    budget = 1000 * cores / AIMS["pages/s"][1]
    print(f"\nA page costs {per_page:.2f} ms of CPU in the workloads and Envoy together (wrk not "
          f"counted): {cores} cores can serve at most ~{1000 * cores / per_page:.0f} pages/s through "
          f"the whole stack.\nThe pages/s aim leaves {budget:.2f} ms of CPU per page for everything, "
          f"wrk included.")


if __name__ == "__main__":
    run(main)
