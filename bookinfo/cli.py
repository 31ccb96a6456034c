"""The ``bookinfo`` command: ``up``, ``down``, ``status``, and kubectl's ``apply``,
``delete``, ``get`` plus ``reset`` for the objects the local stack runs.

Every failure the user can cause or fix (a port in use, Envoy missing, a workload that
dies at start, a bad manifest) is a ``bookinfo.errors.BookinfoError``: one line on stderr
and exit status 1. Anything else is a bug: one line naming the log file that holds the
traceback, never the traceback itself.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from bookinfo.errors import BookinfoError, InvalidObjects
from bookinfo.runner import lifecycle as runner
from bookinfo.runner.config import DEFAULT_MANIFESTS, RunnerConfig
from bookinfo.runner.admission import admit
from bookinfo.system.processes import alive
from bookinfo.runner.stack import StackDir, StackState

EXIT_OK, EXIT_ERROR, EXIT_NOT_RUNNING, EXIT_INTERRUPTED = 0, 1, 3, 130
# productpage signs its session cookies with this variable's value, or with upstream's
# public demo key when it is unset (docs/compatibility.md#productpage).
SESSION_KEY_VARIABLE = "FLASK_SECRET_KEY"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bookinfo", description="Run Istio's Bookinfo locally, behind a real Envoy.")
    parser.add_argument("--home", help="state directory (default $BOOKINFO_HOME or ~/.bookinfo)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="start every workload and the Envoy gateway")
    up.add_argument("--port", type=int, help="gateway port on localhost (default 8080)")
    up.add_argument("--detach", "-d", action="store_true",
                    help="return once ready and leave the stack running")
    up.add_argument("-f", "--manifest", dest="manifests", action="append", type=Path,
                    metavar="FILE", help="base manifest (repeatable; default: "
                    "platform/kube/bookinfo.yaml and networking/bookinfo-gateway.yaml)")
    commands.add_parser("down", help="stop the running stack")
    commands.add_parser("status", help="show the running stack "
                        "(exit 0 healthy, 1 degraded, 3 not running)")
    for name, verb in (("apply", "store"), ("delete", "remove")):
        change = commands.add_parser(name, help=f"{verb} objects and update the running stack")
        change.add_argument("-f", "--filename", dest="paths", action="append", required=True,
                            metavar="FILE|DIR", help="manifest file or directory, '-' for stdin")
    get = commands.add_parser("get", help="list stored objects as kubectl does")
    get.add_argument("kind")
    get.add_argument("name", nargs="?")
    get.add_argument("-o", "--output", help="yaml, json, name or wide")
    commands.add_parser("reset", help="forget every applied object and update the running stack")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = RunnerConfig.from_environ(os.environ, home=args.home,
                                           gateway_port=getattr(args, "port", None))
    except BookinfoError as exc:
        return _fail(str(exc))
    try:
        command = {"up": _up, "down": _down, "status": _status, "apply": _apply,
                   "delete": _delete, "get": _get, "reset": _reset}[args.command]
        return command(config, args)
    except KeyboardInterrupt:
        cleaned = "; everything it started was stopped" if args.command == "up" else ""
        print(f"bookinfo: interrupted{cleaned}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BookinfoError as exc:
        return _fail(str(exc), every_line=isinstance(exc, InvalidObjects))
    except Exception as exc:  # a bug: keep the traceback out of the terminal
        log = config.home / "bookinfo.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a") as out:
            out.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} bookinfo {args.command}\n")
            traceback.print_exc(file=out)
        return _fail(f"unexpected {type(exc).__name__}: {exc} (traceback in {log})")


def _fail(message: str, every_line: bool = False) -> int:
    """The first line of the message (Envoy's errors append a log tail: the log has it);
    ``every_line`` when each line names a problem of its own (invalid objects)."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()] or ["failed"]
    for line in lines if every_line else lines[:1]:
        print(f"bookinfo: error: {line}", file=sys.stderr)
    return EXIT_ERROR


def _interrupt_on_sigterm() -> None:
    """SIGTERM takes the path Ctrl-C takes: whatever a half-done command started is stopped."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def _up(config: RunnerConfig, args: argparse.Namespace) -> int:
    _interrupt_on_sigterm()
    began = time.monotonic()
    manifests = [path.resolve() for path in args.manifests] if args.manifests else list(DEFAULT_MANIFESTS)
    state = runner.up(config, manifests, os.environ, reapply=bool(args.manifests))
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
        with _signals_held():
            stopped = runner.down(config)
    if stopped is not None:
        print("Stopped.")
    return EXIT_OK


def _print_ready(config: RunnerConfig, state: StackState, began: float) -> None:
    print(_table(runner.status(config)))
    _warn_unstartable(state)
    _note_demo_session_key(state)
    print(f"Bookinfo is ready in {time.monotonic() - began:.1f}s: {state.gateway_url}", flush=True)


def _note_demo_session_key(state: StackState) -> None:
    """Say how to give productpage a real session key when it runs without one."""
    if any(pod.service == "productpage" and SESSION_KEY_VARIABLE not in pod.env for pod in state.pods):
        print(f"productpage signs sessions with upstream's public demo key ({SESSION_KEY_VARIABLE} "
              f"is unset). For a real key, apply a Secret and set {SESSION_KEY_VARIABLE} from it in "
              f"the productpage Deployment (the comment in platform/kube/bookinfo.yaml shows how).")


@contextlib.contextmanager
def _signals_held():
    """A second Ctrl-C must not cut the shutdown short: it waits until the stack is down."""
    held = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def _watch(config: RunnerConfig) -> None:
    """Until interrupted or stopped by `bookinfo down` elsewhere, report pods that exit."""
    stack_dir = StackDir(config.stack_dir)
    reported: set[str] = set()
    while True:
        state = stack_dir.load()
        if state is None:
            return
        for pod in state.pods:
            if pod.name not in reported and not alive(pod.pid, pod.started or None):
                reported.add(pod.name)
                print(f"bookinfo: workload {pod.name} exited (log: {pod.log})",
                      file=sys.stderr, flush=True)
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


def _apply(config: RunnerConfig, args: argparse.Namespace) -> int:
    from bookinfo.objects import load_paths
    from bookinfo.objects.store import Store

    lines = Store(config.home).apply(load_paths(args.paths), admit=admit)
    return _print_lines(lines) or _reconcile(config)


def _delete(config: RunnerConfig, args: argparse.Namespace) -> int:
    from bookinfo.objects import load_paths
    from bookinfo.objects.store import Store

    failed = _print_lines(Store(config.home).delete(load_paths(args.paths)))
    return _reconcile(config) or failed


def _get(config: RunnerConfig, args: argparse.Namespace) -> int:
    from bookinfo.objects.store import Store

    return _print_lines(Store(config.home).get_lines(args.kind, args.name, args.output))


def _reset(config: RunnerConfig, args: argparse.Namespace) -> int:
    from bookinfo.objects.store import Store

    Store(config.home).reset()
    print("All applied objects were removed.")
    return _reconcile(config)


def _print_lines(lines: Sequence[str]) -> int:
    """kubectl's lines, each to its stream; EXIT_ERROR if any is an error."""
    try:
        for line in lines:
            print(line, file=sys.stderr if getattr(line, "to_stderr", False) else sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader left (`bookinfo get ... | head`): print no more, as kubectl, but finish
        # the command (an apply still updates the running stack).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_ERROR if any(getattr(line, "is_error", False) for line in lines) else EXIT_OK


def _reconcile(config: RunnerConfig) -> int:
    """Let a running stack catch up with the store (nothing to do when none runs)."""
    _interrupt_on_sigterm()
    state = runner.reconcile(config, os.environ)
    if state is not None:
        _warn_unstartable(state)
    return EXIT_OK


def _warn_unstartable(state: StackState) -> None:
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
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


if __name__ == "__main__":
    sys.exit(main())
