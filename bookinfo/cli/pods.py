"""kubectl's pod verbs: ``logs`` and ``exec``, for the pods the stack runs.

A pod is named as kubectl names it: ``NAME``, ``pod/NAME``, ``deploy/NAME`` (one of the
Deployment's pods), or ``-l SELECTOR``. Its containers are the application's (the
Deployment's container name, the default) and ``istio-proxy``, whose log is the Envoy
access log of that pod's listeners (bookinfo.mesh.access_log); the gateway's is
``deploy/istio-ingressgateway``.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bookinfo.cli.output import EXIT_OK, print_lines, verb
from bookinfo.errors import RunnerError, SettingsError
from bookinfo.mesh.access_log import access_log_path
from bookinfo.mesh.model import GATEWAY_LABELS, GATEWAY_WORKLOAD
from bookinfo.mesh.durations import DurationError, seconds
from bookinfo.objects import selectors
from bookinfo.objects.kubectl_output import error
from bookinfo.pods import logs
from bookinfo.pods.pod import Pod
from bookinfo.runner.config import RunnerConfig
from bookinfo.runner.stack import StackDir, StackState

PROXY = "istio-proxy"
FOLLOW_INTERVAL_S = 0.2
# kubectl shows the last 10 lines of each pod when pods are chosen by a selector.
SELECTOR_TAIL = 10


def register(commands: argparse._SubParsersAction) -> None:
    logs_verb = verb(commands, "logs", "print a pod's output, or its sidecar's access log (-c istio-proxy)", """
bookinfo logs deploy/reviews-v1
bookinfo logs -l app=productpage -c istio-proxy --tail 5
bookinfo logs details-v1-7dqvkvbfzb-qc64s -f --since 1m
bookinfo logs deploy/istio-ingressgateway -n istio-system
bookinfo logs deploy/ratings-v1 -p""")
    logs_verb.add_argument("target", nargs="?", metavar="POD | TYPE/NAME")
    logs_verb.add_argument("-c", "--container", help="the application's container (default) or istio-proxy")
    logs_verb.add_argument("-l", "--selector", help="every pod with these labels")
    logs_verb.add_argument("-f", "--follow", action="store_true", help="keep printing new lines (Ctrl-C ends)")
    logs_verb.add_argument("--tail", type=int, default=None, help="only the last N lines (-1: all)")
    logs_verb.add_argument("--since", help="only lines newer than this (5s, 2m, 3h)")
    logs_verb.add_argument("-p", "--previous", action="store_true", help="the container's previous run")
    logs_verb.add_argument("--timestamps", action="store_true", help="prefix each line with its time")
    logs_verb.add_argument("--prefix", action="store_true", help="prefix each line with its pod and container")
    logs_verb.add_argument("-n", "--namespace", default="default", help="namespace (default: default)")
    logs_verb.set_defaults(handler=_logs)

    run = verb(commands, "exec", "run a command with a pod's in-mesh view of the Services", """
bookinfo exec "$(bookinfo get pod -l app=ratings -o jsonpath='{.items[0].metadata.name}')" -c ratings \\
    -- curl -sS productpage:9080/productpage | grep -o "<title>.*</title>"
bookinfo exec deploy/reviews-v1 -- curl -s http://productpage:9080/productpage""",
                description="Run COMMAND on this machine with the pod's environment and an HTTP proxy "
                            "(http_proxy) that is the pod's sidecar: Service names (reviews:9080, "
                            "reviews.default.svc.cluster.local:9080) resolve and route as in the pod. "
                            "curl, wget and Python's HTTP clients honour it.")
    run.add_argument("target", metavar="POD | TYPE/NAME")
    run.add_argument("-c", "--container", help="the container (the application's by default)")
    run.add_argument("-i", "--stdin", action="store_true", help="pass standard input to the command")
    run.add_argument("-t", "--tty", action="store_true", help="accepted for kubectl's sake (no TTY is allocated)")
    run.add_argument("-n", "--namespace", default="default", help="namespace (default: default)")
    run.add_argument("command_line", nargs="*", metavar="-- COMMAND [ARG...]")
    run.set_defaults(handler=_exec)


# --- which pods ---------------------------------------------------------------------------

def running_state(config: RunnerConfig) -> StackState:
    state = StackDir(config.stack_dir).load()
    if state is None or not state.any_alive():
        raise RunnerError(f"no Bookinfo stack is running (home {config.home}); start one with `bookinfo up`")
    return state


def pods_named(state: StackState, target: str | None, selector: str | None) -> list[Pod]:
    """The pods a target names; RunnerError (kubectl's NotFound) when there are none."""
    if selector:
        chosen = selectors.parse(selector)
        return [pod for pod in state.pods if chosen.matches({**pod.labels, "pod-template-hash": pod.template_hash})]
    if not target:
        raise SettingsError("expected POD, TYPE/NAME or -l SELECTOR")
    kind, _, name = target.rpartition("/")
    if kind in ("", "pod", "pods", "po"):
        found = [pod for pod in state.pods if pod.name == name]
        if not found:
            raise RunnerError(f'Error from server (NotFound): pods "{name}" not found')
        return found
    if kind in ("deploy", "deployment", "deployments", "deployment.apps"):
        found = [pod for pod in state.pods if pod.deployment == name]
        if not found:
            raise RunnerError(f'Error from server (NotFound): deployments.apps "{name}" not found')
        if len(found) > 1:
            print(f"Found {len(found)} pods, using pod/{found[0].name}", file=sys.stderr)
        return found[:1]
    raise SettingsError(f"cannot choose pods from {target!r} (use POD, pod/NAME or deploy/NAME)")


def _container(pod: Pod, wanted: str | None) -> str:
    container = wanted or pod.container
    if container not in (pod.container, PROXY):
        raise RunnerError(f"container {container} is not valid for pod {pod.name}")
    return container


# --- logs ---------------------------------------------------------------------------------

def _logs(config: RunnerConfig, args: argparse.Namespace) -> int:
    state = running_state(config)
    try:
        since = datetime.now(timezone.utc) - timedelta(seconds=seconds(args.since)) if args.since else None
    except DurationError:
        raise SettingsError(f"--since: invalid duration {args.since!r} (for example 10s, 5m, 1h)") from None
    tail = args.tail if args.tail is not None else (SELECTOR_TAIL if args.selector else -1)
    if _is_gateway(state, args):
        return _print_access_log(config, GATEWAY_WORKLOAD, since, tail, args)
    pods = pods_named(state, args.target, args.selector)
    if not pods:
        print(f"No resources found in {args.namespace} namespace.", file=sys.stderr)
        return EXIT_OK
    sources = []
    for pod in pods:
        container = _container(pod, args.container)
        if container == PROXY:
            sources.append((pod, container, access_log_path(StackDir(config.stack_dir).logs, pod.name)))
        elif args.previous:
            previous = logs.previous(Path(pod.log))
            if not previous.exists():
                return print_lines([error(f'Error from server (BadRequest): previous terminated container '
                                          f'"{container}" in pod "{pod.name}" not found')])
            sources.append((pod, container, previous))
        else:
            sources.append((pod, container, Path(pod.log)))
    for pod, container, path in sources:
        prefix = f"[pod/{pod.name}/{container}] " if args.prefix else ""
        for line in _selected(logs.read(path), container == PROXY, since, tail, args.timestamps):
            print(prefix + line)
    sys.stdout.flush()
    if args.follow:
        try:
            _follow(config, sources, args)
        except KeyboardInterrupt:
            pass
    return EXIT_OK


def _is_gateway(state: StackState, args: argparse.Namespace) -> bool:
    """The ingress gateway, as the pages name it: its Deployment, or its labels."""
    if args.target:
        return args.target.rpartition("/")[::2] in (("deploy", GATEWAY_WORKLOAD), ("deployment", GATEWAY_WORKLOAD))
    return bool(args.selector) and not pods_named(state, None, args.selector) and \
        selectors.parse(args.selector).matches(GATEWAY_LABELS)


def _print_access_log(config: RunnerConfig, workload: str, since: datetime | None, tail: int,
                      args: argparse.Namespace) -> int:
    path = access_log_path(StackDir(config.stack_dir).logs, workload)
    for line in _selected(logs.read(path), True, since, tail, args.timestamps):
        print(line)
    sys.stdout.flush()
    if args.follow:
        try:
            _follow(config, [(None, PROXY, path)], args)
        except KeyboardInterrupt:
            pass
    return EXIT_OK


def _selected(lines: list[str], access: bool, since: datetime | None, tail: int, timestamps: bool) -> list[str]:
    """The lines to print: newer than ``since``, the last ``tail`` of them, as written or
    with their time first."""
    chosen = []
    for line in lines:
        when, text = (logs.access_line_time(line), line) if access else logs.split(line)
        if since is not None and (when is None or when < since):
            continue
        if timestamps:
            text = f"{logs.stamp(int(when.timestamp() * 1e9)) if when else ''} {text}"
        chosen.append(text)
    return chosen if tail is None or tail < 0 else chosen[len(chosen) - tail:] if tail else []


def _follow(config: RunnerConfig, sources: list, args: argparse.Namespace) -> None:
    """New lines as they are written, until Ctrl-C or (an application log) the run ends."""
    offsets = {path: path.stat().st_size if path.exists() else 0 for _, _, path in sources}
    pending = {path: "" for _, _, path in sources}
    while True:
        time.sleep(FOLLOW_INTERVAL_S)
        for pod, container, path in sources:
            for line in _appended(path, offsets, pending):
                prefix = f"[pod/{pod.name}/{container}] " if args.prefix and pod else ""
                [shown] = _selected([line], container == PROXY, None, -1, args.timestamps) or [None]
                if shown is not None:
                    print(prefix + shown, flush=True)
        runs = [pod for pod, container, _ in sources if pod is not None and container != PROXY]
        if runs and not any(_still_running(config, pod) for pod in runs):
            return


def _appended(path: Path, offsets: dict, pending: dict) -> Iterator[str]:
    try:
        with open(path, "rb") as log:
            log.seek(offsets[path])
            data = log.read()
    except FileNotFoundError:
        return
    offsets[path] += len(data)
    *lines, pending[path] = (pending[path] + data.decode(errors="replace")).split("\n")
    yield from lines


def _still_running(config: RunnerConfig, pod: Pod) -> bool:
    state = StackDir(config.stack_dir).load()
    return state is not None and any(p.name == pod.name and p.pid == pod.pid for p in state.pods)


# --- exec ---------------------------------------------------------------------------------

def _exec(config: RunnerConfig, args: argparse.Namespace) -> int:
    command = args.command_line
    if not command:
        raise SettingsError("you must specify at least one command for the container (after --)")
    [pod] = pods_named(running_state(config), args.target, None)
    container = args.container or pod.container
    if container not in (pod.container, PROXY):
        return print_lines([error(f'error: unable to upgrade connection: container not found ("{container}")')])
    proxy = f"http://127.0.0.1:{pod.http_proxy}"
    env = {**pod.env, "http_proxy": proxy, "HTTP_PROXY": proxy,
           "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
    try:
        result = subprocess.run(command, env=env, stdin=None if args.stdin else subprocess.DEVNULL)
    except FileNotFoundError:
        raise RunnerError(f'error executing command in container: exec: "{command[0]}": '
                          "executable file not found in $PATH") from None
    if result.returncode:
        print(f"command terminated with exit code {result.returncode}", file=sys.stderr)
    return result.returncode if result.returncode >= 0 else 128 - result.returncode
