"""gunicorn settings shared by every service image and by ``bookinfo up``.

Used as ``gunicorn -c python:bookinfo_common.gunicorn_conf <service>.wsgi:app``.
Command-line flags (``--bind``, ``--workers``) and ``GUNICORN_CMD_ARGS`` override these,
which is how the local runner binds each workload to its own loopback port.
``WEB_CONCURRENCY`` sets the number of workers, as it does with gunicorn's defaults.
A service whose image runs differently layers its own module over this one
(``productpage.gunicorn_conf``).
"""
import os
import sys
from collections.abc import Mapping

from bookinfo_common.access_log import ACCESS_LOG_FORMAT
from bookinfo_common.settings import CONFIG_ERROR_EXIT_STATUS, ConfigError, env_int

# gunicorn's own default for ``workers`` reads this variable (set by Heroku-style
# platforms and by operators sizing a pod); a value in this file would hide it.
WORKERS_VARIABLE = "WEB_CONCURRENCY"
# One worker when the variable is unset: the threads below carry the concurrency, and a
# second interpreter costs ~30 MiB for a gain only when the pod has a second core to
# spare (docs/performance.md, "productpage alone").
DEFAULT_WORKERS = 1


def workers_from_environ(environ: Mapping[str, str], default: int = DEFAULT_WORKERS) -> int:
    """``WEB_CONCURRENCY`` as a worker count (a positive integer), else ``default``."""
    count = env_int(environ, WORKERS_VARIABLE, default)
    if count < 1:
        raise ConfigError(f"{WORKERS_VARIABLE} must be a positive integer, got {count}")
    return count


def workers_or_exit(default: int = DEFAULT_WORKERS) -> int:
    """The worker count for this gunicorn; a bad value stops it with one line, status 3.

    gunicorn would print a traceback for an exception raised while it reads a
    configuration module; one line naming the variable is the project's convention.
    """
    try:
        return workers_from_environ(os.environ, default)
    except ConfigError as exc:
        print(f"gunicorn: configuration error: {exc}", file=sys.stderr)
        sys.exit(CONFIG_ERROR_EXIT_STATUS)


bind = ["[::]:9080"]
worker_class = "gthread"
workers = workers_or_exit()
threads = 32
# Longer than the mesh proxy's idle timeout, so the proxy closes pooled connections
# first and never races a server-side close.
keepalive = 75
# SIGTERM: stop accepting, finish in-flight requests (the longest is a 10 s ratings
# call from reviews v2), then exit.
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
