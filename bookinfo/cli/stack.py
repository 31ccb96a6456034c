"""``up``, ``down``, ``status`` and ``reset``: the local stack itself."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bookinfo.cli.output import (EXIT_ERROR, EXIT_NOT_RUNNING, EXIT_OK, interrupt_on_sigterm, signals_held,
                                 verb)
from bookinfo.mesh.mesh_config import read_mesh_config, with_endpoints
from bookinfo.runner import lifecycle as runner
from bookinfo.runner.config import DEFAULT_MANIFESTS, RunnerConfig
from bookinfo.runner.stack import StackDir, StackState


def register(commands: argparse._SubParsersAction) -> None:
    up = verb(commands, "up", "start every workload, the Envoy gateway and the stack's kubelet", """
bookinfo up                              # foreground on :8080; Ctrl-C stops everything
bookinfo up --detach --port 9090
bookinfo up -f my-base.yaml -f networking/bookinfo-gateway.yaml
bookinfo up --otlp-endpoint http://127.0.0.1:4318 --prometheus   # traces to a collector, metrics in Prometheus
bookinfo up --mesh-config mesh.yaml      # Istio's meshConfig: extensionProviders, defaultProviders, ...""")
    up.add_argument("--port", type=int, help="gateway port on localhost (default 8080)")
    up.add_argument("--detach", "-d", action="store_true",
                    help="return once ready and leave the stack running (its kubelet keeps the pods up)")
    up.add_argument("-f", "--manifest", dest="manifests", action="append", type=Path,
                    metavar="FILE", help="base manifest (repeatable; default: "
                    "platform/kube/bookinfo.yaml and networking/bookinfo-gateway.yaml)")
    up.add_argument("--otlp-endpoint", metavar="URL",
                    help="send every proxy's and service's spans over OTLP/HTTP to URL/v1/traces "
                         "(the extension provider otel-tracing, the default tracer)")
    up.add_argument("--zipkin-endpoint", metavar="URL",
                    help="send the proxies' spans to a Zipkin (or Jaeger) at URL (/api/v2/spans when URL "
                         "has no path; the provider zipkin)")
    up.add_argument("--mesh-config", type=Path, metavar="FILE",
                    help="Istio's meshConfig (YAML): extensionProviders, defaultProviders, accessLogFile, "
                         "accessLogFormat, accessLogEncoding, enableTracing, defaultConfig.tracing.sampling")
    up.add_argument("--prometheus", action="store_true",
                    help="also run Prometheus (Debian's prometheus), scraping Envoy and every workload")
    up.set_defaults(handler=_up)
    verb(commands, "down", "stop the running stack: its kubelet, Envoy and every pod", """
bookinfo down""").set_defaults(handler=_down)
    verb(commands, "status", "show the running stack (exit 0 healthy, 1 degraded, 3 not running)", """
bookinfo status""").set_defaults(handler=_status)
    verb(commands, "reset", "forget every applied object and update the running stack", """
bookinfo reset""").set_defaults(handler=_reset)


def _up(config: RunnerConfig, args: argparse.Namespace) -> int:
    interrupt_on_sigterm()
    began = time.monotonic()
    manifests = [path.resolve() for path in args.manifests] if args.manifests else list(DEFAULT_MANIFESTS)
    mesh_config = with_endpoints(read_mesh_config(args.mesh_config) if args.mesh_config else None,
                                 otlp=args.otlp_endpoint, zipkin=args.zipkin_endpoint)
    state = runner.up(config, manifests, os.environ, reapply=bool(args.manifests), mesh_config=mesh_config,
                      prometheus=args.prometheus)
    if args.detach:
        _print_ready(config, state, began)
        print("Stop it with `bookinfo down`.")
        return EXIT_OK
    try:
        _print_ready(config, state, began)
        print("Press Ctrl-C to stop.", flush=True)
        _watch(config)
    except KeyboardInterrupt:
        pass
    finally:
        with signals_held():
            stopped = runner.down(config)
    if stopped is not None:
        print("Stopped.")
    return EXIT_OK


def _print_ready(config: RunnerConfig, state: StackState, began: float) -> None:
    print(_table(runner.status(config)))
    warn_unstartable(state)
    _note_demo_session_key(state)
    print(f"Bookinfo is ready in {time.monotonic() - began:.1f}s: {state.gateway_url}", flush=True)


# productpage signs its session cookies with this variable's value, or with upstream's
# public demo key when it is unset (docs/compatibility.md#productpage).
SESSION_KEY_VARIABLE = "FLASK_SECRET_KEY"


def _note_demo_session_key(state: StackState) -> None:
    """Say how to give productpage a real session key when it runs without one."""
    if any(pod.service == "productpage" and SESSION_KEY_VARIABLE not in pod.env for pod in state.pods):
        print(f"productpage signs sessions with upstream's public demo key ({SESSION_KEY_VARIABLE} "
              f"is unset). For a real key, apply a Secret and set {SESSION_KEY_VARIABLE} from it in "
              f"the productpage Deployment (the comment in platform/kube/bookinfo.yaml shows how).")


def _watch(config: RunnerConfig) -> None:
    """Until interrupted or stopped by `bookinfo down` elsewhere, report each end of a pod
    the stack's kubelet sees (it restarts the pod)."""
    stack_dir = StackDir(config.stack_dir)
    reported: dict[str, float] = {}
    while True:
        state = stack_dir.load()
        if state is None:
            return
        for pod in state.pods:
            last = pod.status.last
            if last is not None and reported.get(pod.name) != last.finished_at:
                reported[pod.name] = last.finished_at
                print(f"bookinfo: pod {pod.name} exited with code {last.exit_code} ({last.reason}); "
                      f"the kubelet restarts it (log: {pod.log})", file=sys.stderr, flush=True)
        time.sleep(0.5)


def _down(config: RunnerConfig, args: argparse.Namespace) -> int:
    state = runner.down(config)
    if state is None:
        print(f"No Bookinfo stack is running (home {config.home}).")
    else:
        print(f"Stopped Envoy and {len(state.pods)} workloads.")
    return EXIT_OK


def _status(config: RunnerConfig, args: argparse.Namespace) -> int:
    current = runner.status(config)
    if current is None:
        print(f"No Bookinfo stack is running (home {config.home}).")
        return EXIT_NOT_RUNNING
    print(_table(current))
    print(f"Gateway: {current.state.gateway_url}")
    return EXIT_OK if current.healthy else EXIT_ERROR


def _reset(config: RunnerConfig, args: argparse.Namespace) -> int:
    from bookinfo.objects.store import Store

    Store(config.home).reset()
    print("All applied objects were removed.")
    return reconcile(config)


def reconcile(config: RunnerConfig) -> int:
    """Let a running stack catch up with the store (nothing to do when none runs)."""
    interrupt_on_sigterm()
    state = runner.reconcile(config, os.environ)
    if state is not None:
        warn_unstartable(state)
    return EXIT_OK


def warn_unstartable(state: StackState) -> None:
    """Stored Deployments that run no pod: the rest of the stack runs without them."""
    for deployment in state.unstartable:
        print(f"bookinfo: warning: deployment.apps/{deployment.name} has no pods: {deployment.reason}",
              file=sys.stderr)


def _table(current: runner.StackStatus) -> str:
    rows = [("WORKLOAD", "POD", "VERSION", "PID", "PORT", "HEALTH")]
    for entry in current.pods:
        pod = entry.pod
        health = "healthy" if entry.healthy else ("unhealthy" if entry.running else "exited")
        rows.append((pod.deployment, pod.name, pod.version or "-", str(pod.pid), str(pod.port), health))
    state = current.state
    envoy = "ready" if current.envoy_ready else ("not ready" if current.envoy_running else "exited")
    rows.append(("envoy", f"gateway :{state.gateway_port}", "-", str(state.envoy_pid),
                 str(state.admin_port), envoy))
    rows.append(("kubelet", "-", "-", str(state.kubelet_pid), "-",
                 "running" if current.kubelet_running else "exited"))
    if state.prometheus_pid:
        rows.append(("prometheus", "-", "-", str(state.prometheus_pid), str(state.prometheus_port),
                     "ready" if current.prometheus_ready else ("not ready" if current.prometheus_running
                                                               else "exited")))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)
