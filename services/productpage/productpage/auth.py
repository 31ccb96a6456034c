"""Sign in and sign out: the session user that becomes the ``end-user`` header
(docs/upstream-behaviour.md#productpage-sign-in-and-session).

There is no user database: any name is accepted and the password is ignored, as
upstream. After either action the browser goes back where it came from — the
``Referer`` — but only when that is this site; otherwise (no Referer, or another
site's) to ``/productpage``. Upstream redirects to any Referer and sends
``Location: None`` without one.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, request

from .identity import sign_in, sign_out

auth_blueprint = Blueprint("auth", __name__)

FALLBACK_TARGET = "/productpage"


@auth_blueprint.post("/login")
def login() -> Response:
    """Store ``username`` (form body or query string) in the session."""
    sign_in(request.values.get("username"))
    return redirect(return_target(request.headers.get("Referer"), request.host))


@auth_blueprint.get("/logout")
def logout() -> Response:
    sign_out()
    return redirect(return_target(request.headers.get("Referer"), request.host))


def return_target(referer: str | None, host: str) -> str:
    """``referer`` when it is a page of this site (same host, or a local path), else
    the product page.

    Backslashes and control characters are refused outright: browsers read ``/\\x``
    as ``//x``, another site.
    """
    if not referer or any(ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in referer):
        return FALLBACK_TARGET
    try:
        parts = urlsplit(referer)
    except ValueError:
        return FALLBACK_TARGET
    if not parts.scheme and not parts.netloc and referer.startswith("/"):
        return referer
    if parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower():
        return referer
    return FALLBACK_TARGET
