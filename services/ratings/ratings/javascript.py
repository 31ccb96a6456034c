"""JavaScript's ``parseInt``, ``JSON.parse`` and ``JSON.stringify``, as ratings' clients see them.

Upstream ratings is Node.js: product ids are parsed with ``parseInt`` (lenient: ``1abc``
is 1, ``0x10`` is 16), every number is a double, and responses are written with
``JSON.stringify`` (a large id prints as ``100000000000000000000``, from 1e21 on in
exponent form; integer-like object keys come first). Matching those rules keeps the
bytes identical to upstream's.
"""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal

# StrWhiteSpaceChar of ECMAScript: what parseInt skips before the number.
_JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DECIMAL_DIGITS = re.compile(r"[0-9]+")
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]+")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ARRAY_INDEX_LIMIT = 2**32 - 1
# Below this, a double holds every integer exactly, and JavaScript prints an integral
# one as its plain digits (``-0`` as ``0``).
_EXACT_INTEGERS = 2.0**53
# The deepest nesting of arrays and objects a POSTed value may have. Node's JSON.parse
# goes thousands of levels deep; ours stops here, far inside what the parser and
# ``stringify`` (one Python call per level) can handle under any server's call stack,
# so every value accepted is one that can be answered, on the POST and every later GET.
MAX_NESTING_DEPTH = 100


def parse_int(text: str) -> float | None:
    """``parseInt(text)`` without a radix; None where JavaScript gives NaN."""
    rest = text.lstrip(_JS_WHITESPACE)
    sign = 1.0
    if rest.startswith(("+", "-")):
        sign = -1.0 if rest[0] == "-" else 1.0
        rest = rest[1:]
    if rest.startswith(("0x", "0X")):
        match = _HEX_DIGITS.match(rest, 2)
        if match is None:
            return None
        try:
            value = float(int(match.group(), 16))
        except OverflowError:
            value = math.inf
    else:
        match = _DECIMAL_DIGITS.match(rest)
        if match is None:
            return None
        value = float(match.group())
    return sign * value


def format_number(value: float) -> str:
    """``Number.prototype.toString()`` of a finite double (ECMAScript Number::toString)."""
    if value.is_integer() and abs(value) < _EXACT_INTEGERS:
        return str(int(value))  # every id and rating in practice: the digits, exactly
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that round-trip, as ECMAScript requires.
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent += len(digit_tuple) - len(digits)
    k = len(digits)
    n = k + exponent  # the decimal point sits after the n-th digit
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        mantissa = digits[0] + (f".{digits[1:]}" if k > 1 else "")
        text = f"{mantissa}e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return sign + text


class InvalidJson(ValueError):
    """The text is not JSON that ``JSON.parse`` would accept."""


def _reject_constant(name: str):
    raise InvalidJson(f"{name} is not JSON")


def parse_json(text: str):
    """``JSON.parse(text)``: every number a double, NaN/Infinity literals refused, and
    no deeper than ``MAX_NESTING_DEPTH``."""
    try:
        value = json.loads(text, parse_int=float, parse_float=float, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise InvalidJson(str(exc)) from None
    if nesting_depth(value) > MAX_NESTING_DEPTH:
        raise InvalidJson(f"nested deeper than {MAX_NESTING_DEPTH} levels")
    return value


def nesting_depth(value) -> int:
    """How many arrays and objects deep ``value`` goes (0 for a scalar), counted without
    recursion, and only until it passes ``MAX_NESTING_DEPTH``."""
    deepest = 0
    pending = [(value, 1)]
    while pending and deepest <= MAX_NESTING_DEPTH:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def _is_array_index(key: str) -> bool:
    return key.isascii() and key.isdigit() and str(int(key)) == key and int(key) < _ARRAY_INDEX_LIMIT


def _string(value: str) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def stringify(value) -> str:
    """``JSON.stringify(value)`` for values made of dict, list, str, numbers, bool and None."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        number = float(value)
        return format_number(number) if math.isfinite(number) else "null"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        keys = list(value)
        ordered = sorted((k for k in keys if _is_array_index(k)), key=int)
        ordered += [k for k in keys if not _is_array_index(k)]
        return "{" + ",".join(f"{_string(k)}:{stringify(value[k])}" for k in ordered) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(stringify(item) for item in value) + "]"
    raise TypeError(f"cannot stringify {type(value).__name__}")
