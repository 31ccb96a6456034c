"""The two ways a service starts: ``<service>.wsgi:app`` for gunicorn and ``python -m
<service> PORT`` for the development server.

Both read the service's configuration from the environment once, here, and hand it to
``create_app``, which reads nothing else. A bad setting stops the process with one line
on stderr naming it and status 3 (``settings.stop_for_config_error``); under gunicorn
that status is "worker failed to boot", which stops the master too.
"""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from typing import TypeVar

from flask import Flask

from .logs import configure_logging
from .settings import ConfigError, stop_for_config_error

ConfigT = TypeVar("ConfigT")

# What ``python -m <service>`` exits with when its argument is not a port: -1, as
# upstream's details.rb exits.
USAGE_EXIT_STATUS = 255


def app_from_environ(service: str, read_config: Callable[[Mapping[str, str]], ConfigT],
                     create_app: Callable[[ConfigT], Flask]) -> Flask:
    """``create_app(read_config(os.environ))``, or stop with one line on a ConfigError."""
    try:
        return create_app(read_config(os.environ))
    except ConfigError as exc:
        stop_for_config_error(service, exc)


def run_development_server(service: str, read_config: Callable[[Mapping[str, str]], ConfigT],
                           create_app: Callable[[ConfigT], Flask],
                           argv: list[str] | None = None) -> int:
    """Parse the single port argument, build the app and serve it (threaded)."""
    configure_logging()
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit() or not 1 <= int(args[0]) <= 65535:
        logging.error("usage: %s port", service)
        return USAGE_EXIT_STATUS
    app = app_from_environ(service, read_config, create_app)
    app.run(host="::", port=int(args[0]), threaded=True, debug=False, use_reloader=False)
    return 0
