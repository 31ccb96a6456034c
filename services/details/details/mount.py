"""WEBrick's ``mount_proc`` on Flask: a path prefix answered for GET, HEAD, POST and PUT.

WEBrick runs the same handler for all four methods, answers OPTIONS itself with the
servlet's methods in ``Allow``, and refuses anything else with 405.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response

HANDLED_METHODS = ["GET", "POST", "PUT"]  # HEAD is added by Flask for GET
ALLOW = "GET,HEAD,OPTIONS,POST,PUT"


def options(rest: str = "") -> Response:
    """WEBrick's ``do_OPTIONS``: 200, empty body, the servlet's methods."""
    return Response(b"", 200, headers={"Allow": ALLOW}, content_type="text/plain")


def mount_prefix(blueprint: Blueprint, prefix: str, view: Callable) -> None:
    """Route ``prefix`` and ``prefix/...`` (any depth) to ``view``, not ``prefixX``."""
    for rule in (prefix, prefix + "/<tail:rest>"):
        blueprint.add_url_rule(rule, view.__name__, view, methods=HANDLED_METHODS,
                               provide_automatic_options=False)
        blueprint.add_url_rule(rule, view.__name__ + "_options", options, methods=["OPTIONS"],
                               provide_automatic_options=False)
