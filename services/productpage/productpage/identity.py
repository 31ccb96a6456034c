"""Who is signed in: the ``user`` key of Flask's signed session cookie
(docs/upstream-behaviour.md#productpage-sign-in-and-session)."""
from __future__ import annotations

from flask import session

SESSION_USER_KEY = "user"
# The longest user name accepted (upstream has no limit). It keeps the session cookie
# within what browsers store and the ``end-user`` header of every back-end call small.
MAX_USER_NAME_LENGTH = 256


def current_user() -> str | None:
    """The session's user name, or None when nobody is signed in.

    A value that is not a string (null after a sign-in without a name, or a cookie
    minted by other software with the same key) or that is longer than
    ``MAX_USER_NAME_LENGTH`` counts as not signed in.
    """
    user = session.get(SESSION_USER_KEY)
    return user if isinstance(user, str) and len(user) <= MAX_USER_NAME_LENGTH else None


def sign_in(user: str | None) -> None:
    """Remember ``user``; None is stored too (upstream stores JSON null)."""
    session[SESSION_USER_KEY] = user


def sign_out() -> None:
    """Forget the user; Flask deletes the cookie once the session is empty."""
    session.pop(SESSION_USER_KEY, None)
