"""gunicorn settings of the productpage image: the shared ones, with two gevent workers.

Used as ``python -m bookinfo_common.serve -c python:productpage.gunicorn_conf
productpage.wsgi:app`` (the image's CMD). productpage renders every page and makes every
back-end call, so it is the one service given both cores of a pod: two workers. Its
worker class is gevent, as upstream's image runs it (8 gevent workers): a page view
spends most of its time waiting on details and reviews, and a greenlet per connection
(gunicorn's default of 1000 per worker) lets any number of them wait at once, where a
pool of threads queues them (page views held by a delay fault wait up to 6 s each) and
costs more CPU per page as it grows. Measured with ``benchmarks/productpage_bench.py``
(docs/performance.md): the same CPU per page as two workers of 8 threads, a lower p99.

``WEB_CONCURRENCY`` and ``GUNICORN_CMD_ARGS`` still override these, as in every image.
"""
# gunicorn reads the settings it knows from this module's names and ignores the rest.
from bookinfo_common.gunicorn_conf import *  # noqa: F401,F403
from bookinfo_common.serve import workers_or_exit

# Two interpreters fill the two cores of the machines the benchmark runs on.
DEFAULT_WORKERS = 2

worker_class = "gevent"
workers = workers_or_exit(DEFAULT_WORKERS)
# Upstream's 2 s. A gevent worker told to stop waits for its idle keep-alive connections
# to time out (a gthread worker closes them at once): with the shared 75 s, a client's
# pooled connection (a sidecar's) held every SIGTERM to the 30 s graceful timeout.
keepalive = 2
