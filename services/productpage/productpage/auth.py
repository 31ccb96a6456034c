"""Sign in and sign out: the session user that becomes the ``end-user`` header
(docs/upstream-behaviour.md#productpage-sign-in-and-session).

There is no user database: any name up to ``MAX_USER_NAME_LENGTH`` characters is
accepted and the password is ignored, as upstream. After either action the browser
goes back where it came from — the ``Referer`` — but only when that is this site;
otherwise (no Referer, or another site's) to ``/productpage``. Upstream redirects to any
Referer and sends ``Location: None`` without one.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, redirect, request

from .identity import MAX_USER_NAME_LENGTH, sign_in, sign_out

auth_blueprint = Blueprint("auth", __name__)

FALLBACK_TARGET = "/productpage"


@auth_blueprint.post("/login")
def login() -> Response:
    """Store ``username`` (form body or query string) in the session."""
    user = request.values.get("username")
    if user is not None and len(user) > MAX_USER_NAME_LENGTH:
        abort(400, description=f"User names are at most {MAX_USER_NAME_LENGTH} characters long.")
    sign_in(user)
    return back_to_referer()


@auth_blueprint.get("/logout")
def logout() -> Response:
    sign_out()
    return back_to_referer()


def back_to_referer() -> Response:
    """A redirect to :func:`return_target` of the request's ``Referer``.

    The check applies to the ``Location`` as it will be sent: Werkzeug rewrites the
    target on its way into the header (``////x`` becomes ``//x``, another site), so
    whatever comes out is checked again, and replaced by the product page unless it
    still is this site.
    """
    response = redirect(return_target(request.headers.get("Referer"), request.host))
    location = response.headers["Location"]
    if return_target(location, request.host) != location:
        response = redirect(FALLBACK_TARGET)
    return response


def return_target(referer: str | None, host: str) -> str:
    """``referer`` when it is a page of this site (same host and port, or a local path
    starting with exactly one ``/``), else the product page.

    Backslashes and control characters are refused outright: browsers read ``/\\x``
    as ``//x``, another site.
    """
    if not referer or any(ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in referer):
        return FALLBACK_TARGET
    try:
        parts = urlsplit(referer)
    except ValueError:
        return FALLBACK_TARGET
    if not parts.scheme and not parts.netloc and referer.startswith("/") and not referer.startswith("//"):
        return referer
    if parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower():
        return referer
    return FALLBACK_TARGET
