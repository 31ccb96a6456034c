"""The product id as upstream reviews reads it: a JAX-RS ``int`` path parameter.

JAX-RS converts with Java's ``Integer.valueOf``: an optional ``+`` or ``-`` then decimal
digits (any Unicode decimal digit, as Java's ``Character.digit`` allows), within 32
bits. Anything else makes JAX-RS answer 404 before the resource method runs.
"""
from __future__ import annotations

import re

from werkzeug.exceptions import NotFound

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1

# \d on a str pattern is any Unicode decimal digit (category Nd), like Java's.
_JAVA_INT = re.compile(r"[+-]?\d+")


def parse_java_int(text: str) -> int:
    """``Integer.valueOf(text)``, or NotFound where Java throws NumberFormatException."""
    if not _JAVA_INT.fullmatch(text):
        raise NotFound()
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise NotFound()
    return value
