"""The ``bookinfo`` command: ``up``, ``down``, ``status``, kubectl's ``apply``, ``delete``,
``get``, ``wait``, ``logs`` and ``exec``, istioctl's ``analyze`` and ``proxy-config``, and
``reset``, for the objects and pods the local stack runs.

One module per group of verbs (stack, objects, pods, mesh); each registers its verbs'
parsers with a handler. Every failure the user can cause or fix (a port in use, Envoy
missing, a workload that dies at start, a bad manifest) is a
``bookinfo.errors.BookinfoError``: one line on stderr and exit status 1. Anything else is
a bug: one line naming the log file that holds the traceback, never the traceback itself.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Sequence

from bookinfo.cli import mesh, objects, pods, stack
from bookinfo.cli.output import EXIT_INTERRUPTED, fail
from bookinfo.errors import BookinfoError, InvalidObjects
from bookinfo.runner.config import RunnerConfig


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bookinfo", description="Run Istio's Bookinfo locally, behind a real Envoy, with kubectl's "
                                     "and istioctl's verbs. `bookinfo COMMAND --help` shows each one.")
    parser.add_argument("--home", help="state directory (default $BOOKINFO_HOME or ~/.bookinfo)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (stack, objects, pods, mesh):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after `exec ... --` belongs to the command it runs, options included.
    after = argv.index("--") if "--" in argv and "exec" in argv[:argv.index("--")] else len(argv)
    args = build_parser().parse_args(argv[:after])
    if after < len(argv):
        args.command_line = argv[after + 1:]
    try:
        config = RunnerConfig.from_environ(os.environ, home=args.home,
                                           gateway_port=getattr(args, "port", None))
    except BookinfoError as exc:
        return fail(str(exc))
    try:
        return args.handler(config, args)
    except KeyboardInterrupt:
        cleaned = "; everything it started was stopped" if args.command == "up" else ""
        print(f"bookinfo: interrupted{cleaned}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BookinfoError as exc:
        return fail(str(exc), every_line=isinstance(exc, InvalidObjects))
    except Exception as exc:  # a bug: keep the traceback out of the terminal
        log = config.home / "bookinfo.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a") as out:
            out.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} bookinfo {args.command}\n")
            traceback.print_exc(file=out)
        return fail(f"unexpected {type(exc).__name__}: {exc} (traceback in {log})")


if __name__ == "__main__":
    sys.exit(main())
