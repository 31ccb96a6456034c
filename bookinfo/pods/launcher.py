"""A fork server for the pods: import once, fork every pod. The runner starts it as
``python -m bookinfo.pods.launcher``.

``python -m gunicorn ... <service>.wsgi:app`` per pod would have six interpreters each
import Flask, OpenTelemetry, requests and gunicorn, on a two-core machine (the cost is in
docs/performance.md). Instead ``bookinfo up`` starts this launcher first (it imports while
the runner validates the manifests), then sends it the pods as JSON lines. For each, it
forks the pod's runtime shim (bookinfo.pods.shim), which forks the pod: a session
leader that takes the pod's environment, puts the pod's Service-name resolver in place
(``bookinfo.pods.dns``) and runs gunicorn with exactly the command-line arguments the
pod's ``argv`` names, or executes the pod's command (the databases). The gunicorn pods
share the imported code's memory pages and are ready in a fraction of the time. The
launcher exits when its input ends; the pods and their shims live on (detached).

Protocol: each request line ``{"gunicorn_args": [...] | "argv": [...], "env": {...},
"log": "/path", "exit_record": "/path"}`` on stdin is answered on stdout by
``<pid> <start ticks>`` of the pod.

The pods run gevent workers (``bookinfo_common.gevent_worker``), which patch the standard
library in each worker, after its fork, as gunicorn's gevent worker does. The launcher
imports gevent with the rest (so its code is among the shared pages) but patches
nothing: the shims and gunicorn's arbiters wait on their children with the plain calls.
"""

import gc
import json
import os
import signal
import sys
import traceback

from gunicorn.errors import HaltServer

from bookinfo.pods import dns as pod_dns
from bookinfo.pods import shim
from bookinfo.system.processes import start_ticks

# What every Bookinfo service imports; importing the app modules does not read the
# environment (each service's wsgi module does, when gunicorn loads it in the pod), so it is
# safe before the pod's env is in place.
PRELOAD = ("gunicorn.app.wsgiapp", "bookinfo_common.gevent_worker", "bookinfo_common.app_base",
           "productpage.app", "details.app", "reviews.app", "ratings.app")


def main() -> int:
    for module in PRELOAD:
        __import__(module)
    # Objects created so far are never collected: the GC must not touch (and so copy)
    # the shared pages in every child.
    gc.freeze()
    # The shims are reaped by the system as they end (each records its pod's end itself).
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:
        if line.strip():
            pid = _fork_pod(json.loads(line))
            print(pid, start_ticks(pid) or 0, flush=True)
    return 0


def _fork_pod(request: dict) -> int:
    """Fork the pod's shim; the pod's pid, as the shim reports it."""
    sys.stdout.flush()
    report_read, report_write = os.pipe()
    if os.fork() == 0:
        code = 1
        try:
            os.close(report_read)
            shim.run(request, report_write, _start_pod)
            code = 0
        except BaseException:
            traceback.print_exc()  # into the pod's log (the shim's stderr)
        finally:
            os._exit(code)
    os.close(report_write)
    with os.fdopen(report_read, "rb") as report:
        return int(report.read().split()[0])


def _start_pod(request: dict, output: int) -> None:
    """In the pod's own process: its session, output, environment; then gunicorn or exec."""
    code = 1
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        os.close(null)
        sys.stdout.reconfigure(line_buffering=True)
        sys.stderr.reconfigure(line_buffering=True)
        os.environ.clear()
        os.environ.update(request["env"])
        if "argv" in request:
            os.execvpe(request["argv"][0], request["argv"], request["env"])
        pod_dns.install_from_environment(os.environ)
        sys.argv = ["gunicorn", *request["gunicorn_args"]]
        from gunicorn.app.wsgiapp import run

        run()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except HaltServer as exc:
        # With several workers failing to boot, gunicorn's arbiter raises this again while
        # halting; the workers' own errors are already in the log, the traceback would
        # only bury them.
        code = exc.exit_status
    except BaseException:
        traceback.print_exc()  # into the pod's log
    finally:
        # Never return into the launcher's loop, nor run its exit handlers.
        os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
