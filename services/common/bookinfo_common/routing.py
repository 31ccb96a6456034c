"""URL rules that match like upstream's servers, not like Flask's defaults.

Upstream details (WEBrick) mounts handlers on path prefixes and upstream ratings
(httpdispatcher) matches ``/ratings/`` followed by anything; neither redirects on a
missing or doubled slash. Flask's defaults would either 404 or 308-redirect those
requests, so these services install :func:`upstream_routing` on their app.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter


class TailConverter(BaseConverter):
    """The rest of the path, possibly empty and possibly containing slashes.

    ``/ratings/<tail:rest>`` matches ``/ratings/``, ``/ratings/1`` and ``/ratings/a/b``
    but not ``/ratings``.
    """

    regex = ".*"
    part_isolating = False


def upstream_routing(app: Flask) -> None:
    """Register ``<tail:...>`` and stop werkzeug from redirecting ``//`` to ``/``."""
    app.url_map.converters["tail"] = TailConverter
    app.url_map.merge_slashes = False
