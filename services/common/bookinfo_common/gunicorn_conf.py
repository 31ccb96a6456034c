"""gunicorn settings shared by every service image and by ``bookinfo up``.

Used as ``gunicorn -c python:bookinfo_common.gunicorn_conf <service>.wsgi:app``.
Command-line flags (``--bind``, ``--workers``) and ``GUNICORN_CMD_ARGS`` override these,
which is how the local runner binds each workload to its own loopback port.
"""
from bookinfo_common.access_log import ACCESS_LOG_FORMAT

bind = ["[::]:9080"]
worker_class = "gthread"
workers = 1
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
