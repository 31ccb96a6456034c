"""Building the WSGI app for gunicorn, stopping cleanly on bad configuration.

A ConfigError is an operator's mistake, not a bug: one log line naming the variable and
exit status 3 (gunicorn's "worker failed to boot", which stops the master too) say
more than a traceback would.
"""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from flask import Flask

from .logs import configure_logging
from .settings import CONFIG_ERROR_EXIT_STATUS, ConfigError


def app_or_exit(service: str, make_app: Callable[[], Flask]) -> Flask:
    """``make_app()``, or log the ConfigError in one line and exit with status 3."""
    try:
        return make_app()
    except ConfigError as exc:
        configure_logging()
        logging.getLogger(service).error("%s: configuration error: %s", service, exc)
        sys.exit(CONFIG_ERROR_EXIT_STATUS)
