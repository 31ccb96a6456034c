"""``python -m bookinfo_common.serve [gunicorn options] APP``: every image's server command.

It is gunicorn, started after one check that gunicorn cannot make itself: gunicorn reads
``WEB_CONCURRENCY`` with ``int()`` while it is being imported, so a value such as ``two``
or an empty one used to stop a container with a traceback before any of our settings
could speak. Here a bad value stops it with one line naming the variable and status 3,
as every other setting does, and an empty one means unset, as our readers treat it.
The worker-count rules live here, free of any gunicorn import, for the same reason; the
settings modules (``bookinfo_common.gunicorn_conf``) use them too.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from .settings import ConfigError, env_int, stop_for_config_error

# gunicorn's own default for ``workers`` reads this variable (set by Heroku-style
# platforms and by operators sizing a pod); a value in a settings file would hide it.
WORKERS_VARIABLE = "WEB_CONCURRENCY"
# One worker when the variable is unset: its greenlets carry the concurrency, and a second
# interpreter costs memory for a gain only when the pod has a second core to spare
# (docs/performance.md). productpage's image sets its own default.
DEFAULT_WORKERS = 1


def workers_from_environ(environ: Mapping[str, str], default: int = DEFAULT_WORKERS) -> int:
    """``WEB_CONCURRENCY`` as a worker count (a positive integer), else ``default``."""
    count = env_int(environ, WORKERS_VARIABLE, default)
    if count < 1:
        raise ConfigError(f"{WORKERS_VARIABLE} must be a positive integer, got {count}")
    return count


def workers_or_exit(default: int = DEFAULT_WORKERS) -> int:
    """The worker count for this gunicorn; a bad value stops it with one line, status 3."""
    try:
        return workers_from_environ(os.environ, default)
    except ConfigError as exc:
        stop_for_config_error("gunicorn", exc)


def main() -> None:
    """Check ``WEB_CONCURRENCY``, then run gunicorn with this command's arguments."""
    workers_or_exit()
    if not os.environ.get(WORKERS_VARIABLE, "x").strip():
        del os.environ[WORKERS_VARIABLE]  # empty means unset, for gunicorn's int() too
    from gunicorn.app.wsgiapp import run

    sys.argv[0] = "gunicorn"
    run()


if __name__ == "__main__":
    main()
