"""gunicorn settings shared by every service image and by ``bookinfo up``.

Used as ``python -m bookinfo_common.serve -c python:bookinfo_common.gunicorn_conf
<service>.wsgi:app`` (the images' command; ``bookinfo_common.serve`` is gunicorn after one
check) or ``gunicorn -c ...`` directly. Every service runs the same worker class,
``bookinfo_common.gevent_worker.Worker``.
Command-line flags (``--bind``, ``--workers``) and ``GUNICORN_CMD_ARGS`` override these,
which is how the local runner binds each workload to its own loopback port.
``WEB_CONCURRENCY`` sets the number of workers, as it does with gunicorn's defaults
(``bookinfo_common.serve`` holds the rules).
A service whose image runs differently layers its own module over this one
(``productpage.gunicorn_conf``).
"""
import os
import shutil
import sys
import tempfile

from bookinfo_common.access_log import ACCESS_LOG_FORMAT
from bookinfo_common.serve import workers_or_exit
from bookinfo_common.settings import METRICS_DIR_VARIABLE, stop_for_config_error

# The metrics directory this server made (removed when it exits), if it made one.
_made_metrics_dirs: list[str] = []


def on_starting(server) -> None:
    """Several workers: one directory for all their counters, so ``/metrics`` sums them.

    prometheus_client decides on multiprocess mode when it is first imported, which is in
    each worker, after this hook: so the variable is set here, in the arbiter. A directory
    the operator names is used as it is and kept; one of our own goes under ``/tmp`` (the
    only writable path in the images) and is removed at exit.
    """
    named = os.environ.get(METRICS_DIR_VARIABLE)
    if named is not None:
        if not os.path.isdir(named):
            stop_for_config_error("gunicorn",
                                  f"{METRICS_DIR_VARIABLE} must name a directory, got {named!r}")
        return
    if server.cfg.workers < 2:
        return
    if "prometheus_client.values" in sys.modules:
        # Imported before the fork (a preloading parent): too late to switch modes.
        server.log.warning("%s: prometheus_client already imported; /metrics counts per "
                           "worker", METRICS_DIR_VARIABLE)
        return
    directory = tempfile.mkdtemp(prefix="bookinfo-metrics-", dir=server.cfg.worker_tmp_dir)
    _made_metrics_dirs.append(directory)
    os.environ[METRICS_DIR_VARIABLE] = directory


def child_exit(server, worker) -> None:
    """A worker has gone: its counters stay in the sums, its live gauges do not."""
    if os.environ.get(METRICS_DIR_VARIABLE):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    """Remove the metrics directory this server made."""
    for directory in _made_metrics_dirs:
        shutil.rmtree(directory, ignore_errors=True)


bind = ["[::]:9080"]
# gevent, a greenlet per connection: idle and slow clients cost no thread, and fair turns
# and a stop that resets no connection (see there).
worker_class = "bookinfo_common.gevent_worker.Worker"
workers = workers_or_exit()
# How long an idle keep-alive connection stays open, and how long a client may take to
# send a request head. It does not outlast the mesh proxy: Envoy keeps idle upstream
# connections for an hour by default, so behind a sidecar it is gunicorn that closes
# them, after 75 s.
keepalive = 75
# SIGTERM: stop accepting, finish in-flight requests (the longest is a 10 s ratings
# call from reviews v2), close idle connections, then exit.
graceful_timeout = 30
timeout = 60
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = ACCESS_LOG_FORMAT
# The same lines as gunicorn's own logger, built for a fraction of its CPU (see there).
logger_class = "bookinfo_common.access_log.AccessLogger"
worker_tmp_dir = "/tmp"
# gunicorn >= 25.1 opens a control socket under $HOME by default: nothing here uses it,
# the images' root filesystem is read-only, and on one host every service would share
# the same path. (Older gunicorn ignores the unknown setting.)
control_socket_disable = True
