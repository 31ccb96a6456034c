"""The headers productpage sends with every back-end call
(docs/upstream-behaviour.md#productpage-headers-sent-to-the-back-ends).

B3 is parsed and re-emitted as three headers, a fixed list is copied verbatim, and
``end-user`` comes from the session — an incoming ``end-user`` header is never
forwarded, so a client cannot pick its own Istio route.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from bookinfo_common.propagation import PRODUCTPAGE_VERBATIM, copy_headers
from bookinfo_common.telemetry import b3_headers, own_context

# C0 controls and DEL: CR/LF would start a new header line, NUL ends C strings.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def end_user_value(user: str) -> bytes:
    """The ``end-user`` header bytes for a session user name.

    UTF-8: ASCII names (``jason``) are the same bytes upstream sends, and non-ASCII
    names reach Envoy as the UTF-8 bytes that an ``exact:`` match written in YAML
    compares against (upstream's Latin-1 bytes for ``jösé`` match no rule, and names
    outside Latin-1 made its calls fail). Control characters are dropped so a name can
    never add a header line, and surrounding spaces are dropped as HTTP does anyway.
    """
    cleaned = _CONTROL_CHARACTERS.sub("", user).strip(" ")
    return cleaned.encode("utf-8", "replace")


def outbound_headers(incoming: Mapping[str, str], user: str | None,
                     export_spans: bool) -> dict[str, str | bytes]:
    """Headers for a call to details, reviews or ratings made while serving a request."""
    headers: dict[str, str | bytes] = dict(b3_headers(incoming))
    headers.update(copy_headers(incoming, PRODUCTPAGE_VERBATIM))
    if user is not None:
        headers["end-user"] = end_user_value(user)
    return own_context(headers, export_spans)
