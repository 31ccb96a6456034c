"""Logging to standard output at INFO, one line per record, for every service."""
from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: int = logging.INFO) -> None:
    """Send the root logger to stdout (idempotent)."""
    root = logging.getLogger()
    if any(getattr(h, "_bookinfo", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler._bookinfo = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
