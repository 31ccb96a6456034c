"""The product id as upstream details reads it: Ruby ``Integer()`` of the last path segment.

Ruby's ``Integer()`` accepts more than decimal digits, and clients have come to rely on
it (docs/upstream-behaviour.md#details-endpoints-and-ids): an optional sign, the prefixes
``0x``/``0b``/``0o``/``0d``, a bare leading ``0`` meaning octal, single underscores
between digits, and surrounding whitespace. Values are exact at any size (Ruby bignums), within the limit below.
"""
from __future__ import annotations

import re

from .errors import InvalidProductId

# Ruby's ISSPACE: space, \t, \n, \v, \f, \r.
_SPACE = "[ \t\n\v\f\r]*"


def _digits(chars: str) -> str:
    """Digits of one base, with single underscores only between two digits."""
    return f"[{chars}]+(?:_[{chars}]+)*"


_RUBY_INTEGER = re.compile(
    rf"{_SPACE}(?P<sign>[+-]?)(?:"
    rf"0[xX](?P<hex>{_digits('0-9a-fA-F')})"
    rf"|0[bB](?P<bin>{_digits('01')})"
    rf"|0[oO](?P<oct>{_digits('0-7')})"
    rf"|0[dD](?P<dec>{_digits('0-9')})"
    rf"|(?P<zero_oct>0(?:_?{_digits('0-7')})?)"
    rf"|(?P<plain>[1-9](?:_?{_digits('0-9')})?)"
    rf"){_SPACE}",
    re.ASCII,
)

_BASES = {"hex": 16, "bin": 2, "oct": 8, "dec": 10, "zero_oct": 8, "plain": 10}

# Python refuses to print integers of more than 4300 decimal digits; no real request
# line is that long in decimal, but a hex id can expand past it. Such ids are refused.
MAX_ID_BITS = 14_000


def parse_ruby_integer(text: str) -> int:
    """``Integer(text)`` in Ruby, or InvalidProductId where Ruby raises."""
    match = _RUBY_INTEGER.fullmatch(text)
    if match is None:
        raise InvalidProductId()
    kind = next(name for name in _BASES if match.group(name) is not None)
    value = int(match.group(kind).replace("_", ""), _BASES[kind])
    if value.bit_length() > MAX_ID_BITS:
        raise InvalidProductId()
    return -value if match.group("sign") == "-" else value


def last_segment(path: str) -> str:
    """Ruby's ``path.split('/')[-1]``: trailing empty segments are dropped first."""
    segments = path.split("/")
    while segments and segments[-1] == "":
        segments.pop()
    return segments[-1] if segments else ""


def product_id_from_path(path: str) -> int:
    """The id in ``/details/<...>/<id>`` (decoded path), parsed as upstream does."""
    return parse_ruby_integer(last_segment(path))
