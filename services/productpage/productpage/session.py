"""The session cookie, read so that no cookie can break a request.

Flask's cookie session refuses a cookie whose signature does not verify, but a cookie
that verifies (anyone can mint one: the default key is upstream's public demo key) may
still carry a payload that does not decode: broken base64 or zlib, JSON that is not an
object, an unknown tag of Flask's tagged JSON, or nesting too deep to parse. Flask
raises on those while it opens the session, before any view runs, so every route
(``/health`` included) answered 500 with tracebacks logged. A signed payload may also be
zlib-compressed, so a cookie of a few kilobytes could inflate to megabytes and carry a
user name that size into every back-end call.

Here any of those is a signed-out visitor: a cookie longer than browsers keep, or whose
payload inflates beyond ``MAX_SESSION_BYTES``, is not decoded at all, and one that fails
to decode is ignored. Everything else is Flask's cookie session unchanged, so cookies
stay interchangeable with upstream's pods.
"""
from __future__ import annotations

import zlib

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadData, BadPayload, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode

# Browsers keep at most 4096 bytes of a cookie; a longer one never came from a browser
# that we gave it to.
MAX_COOKIE_CHARS = 4096
# The session holds one user name (at most identity.MAX_USER_NAME_LENGTH characters,
# each at most 12 bytes as escaped JSON) and Flask's bookkeeping.
MAX_SESSION_BYTES = 4096


class BoundedSerializer(URLSafeTimedSerializer):
    """itsdangerous' URL-safe timed serializer that refuses to inflate a compressed
    payload past ``MAX_SESSION_BYTES``."""

    def load_payload(self, payload: bytes, *args, **kwargs):
        # itsdangerous marks a zlib-compressed payload with a leading ".".
        if payload.startswith(b".") and _inflated_size(payload[1:]) > MAX_SESSION_BYTES:
            raise BadPayload(f"the session payload inflates beyond {MAX_SESSION_BYTES} bytes")
        return super().load_payload(payload, *args, **kwargs)


def _inflated_size(encoded: bytes) -> int:
    """The size of the zlib stream in ``encoded`` once inflated, counted up to one byte
    past the limit; 0 when it is not base64 or zlib (the serializer then refuses it)."""
    try:
        return len(zlib.decompressobj().decompress(base64_decode(encoded), MAX_SESSION_BYTES + 1))
    except (ValueError, zlib.error):
        return 0


class BoundedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, where a cookie that cannot be read is no session."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer (keys, salt, signing) as a :class:`BoundedSerializer`."""
        flasks = super().get_signing_serializer(app)
        if flasks is None:
            return None
        return BoundedSerializer(flasks.secret_keys, salt=flasks.salt, serializer=flasks.serializer,
                                 signer_kwargs=flasks.signer_kwargs)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The cookie's session; an empty one (signed out) when it is too long or its
        payload does not decode to an object."""
        cookie = request.cookies.get(self.get_cookie_name(app))
        if app.secret_key and (not cookie or len(cookie) > MAX_COOKIE_CHARS):
            # Nothing to verify: no serializer is built (most requests carry no cookie).
            return self.session_class()
        try:
            return super().open_session(app, request)
        # BadData: the payload is not base64, zlib or (tagged) JSON, or is too large;
        # TypeError and ValueError: it is JSON, but not an object.
        except (BadData, TypeError, ValueError):
            return self.session_class()
