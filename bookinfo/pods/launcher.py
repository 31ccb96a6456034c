"""A fork server for the Python workloads: import once, fork every pod. The runner starts
it as ``python -m bookinfo.pods.launcher``.

``python -m gunicorn ... <service>.wsgi:app`` per pod would have six interpreters each
import Flask, OpenTelemetry, requests and gunicorn, on a two-core machine (the cost is in
docs/performance.md). Instead ``bookinfo up`` starts this launcher first (it imports while
the runner validates the manifests), then sends it the pods as JSON lines; for each, it
forks a child that becomes a session leader, takes the pod's environment and log file,
puts the pod's Service-name resolver in place (``bookinfo.pods.dns``), and runs gunicorn
with exactly the command-line arguments the pod's ``argv`` names.
The children share the imported code's memory pages and are ready in a fraction of the
time. The launcher exits when its input ends; the pods live on (they are detached).

Protocol: each request line ``{"gunicorn_args": [...], "env": {...}, "log": "/path"}``
on stdin is answered on stdout by ``<pid> <start ticks>``.

The pods run gevent workers (``bookinfo_common.gevent_worker``), and gevent must patch
the standard library before anything else imports it: so the launcher patches first, in
its own process, and the pods inherit the patched modules with the rest of the shared
pages. (gevent imported in each worker after the fork cost every pod its own copy.)
"""
from gevent import monkey

monkey.patch_all()

# Imported once patched, on purpose.
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402

from gunicorn.errors import HaltServer  # noqa: E402

from bookinfo.pods import dns as pod_dns  # noqa: E402
from bookinfo.system.processes import start_ticks  # noqa: E402

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
    for line in sys.stdin:
        if line.strip():
            pid = _fork_pod(json.loads(line))
            print(pid, start_ticks(pid) or 0, flush=True)
    return 0


def _fork_pod(request: dict) -> int:
    sys.stdout.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.setsid()
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        sys.stdout.reconfigure(line_buffering=True)
        sys.stderr.reconfigure(line_buffering=True)
        os.environ.clear()
        os.environ.update(request["env"])
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
