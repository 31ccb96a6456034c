"""``python -m <service> PORT``: the development server, as upstream's ``<prog> <port>``."""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from flask import Flask

from .logs import configure_logging
from .settings import ConfigError


def run(prog: str, make_app: Callable[[], Flask], argv: list[str] | None = None) -> int:
    """Parse the single port argument, build the app and serve it (threaded)."""
    configure_logging()
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit() or not 1 <= int(args[0]) <= 65535:
        logging.error("usage: %s port", prog)
        return 255
    try:
        app = make_app()
    except ConfigError as exc:
        logging.error("%s: %s", prog, exc)
        return 2
    app.run(host="::", port=int(args[0]), threaded=True, debug=False, use_reloader=False)
    return 0
