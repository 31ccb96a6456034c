"""gunicorn settings of the productpage image: the shared ones, with two workers and
upstream's 2 s keep-alive.

Used as ``python -m bookinfo_common.serve -c python:productpage.gunicorn_conf
productpage.wsgi:app`` (the image's CMD). productpage renders every page and makes every
back-end call, so it is the one service given both cores of a pod: two workers (upstream:
eight). Like every service it runs the shared gevent worker, as upstream's image runs
gevent: a page view spends most of its time waiting on details and reviews, and a
greenlet per connection lets any number of them wait at once (page views held by a delay
fault wait up to 6 s each), where a pool of threads would queue them.

``WEB_CONCURRENCY`` and ``GUNICORN_CMD_ARGS`` still override these, as in every image.
"""
# gunicorn reads the settings it knows from this module's names and ignores the rest.
from bookinfo_common.gunicorn_conf import *  # noqa: F401,F403
from bookinfo_common.serve import workers_or_exit

# Two interpreters fill the two cores of the machines the benchmark runs on.
DEFAULT_WORKERS = 2

workers = workers_or_exit(DEFAULT_WORKERS)
# Upstream's 2 s: browsers reach productpage directly when no mesh is in front of it,
# and a client gets at most this long to send its request head.
keepalive = 2
