"""What productpage tells browsers about its answers, beyond upstream's headers.

None of these changes what a page shows, what a script or ``curl`` reads, or anything
the istio.io tasks look at (docs/compatibility.md#productpage):

- ``X-Content-Type-Options: nosniff``: a browser takes each answer for the type it is
  declared as (the JSON API is never run as a script, a page never read as anything else);
- ``X-Frame-Options: DENY`` and ``Content-Security-Policy: frame-ancestors 'none'``
  (the old header and its standard successor): no other site can frame the sign-in
  dialog to trick a click;
- ``Referrer-Policy: same-origin``: the full address of a page goes only to this site
  (where ``/login`` and ``/logout`` use it to return there), none to other sites.
"""
from __future__ import annotations

from flask import Response

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    """``after_request``: the headers above on every answer (a view's own value wins)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
