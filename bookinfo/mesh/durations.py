"""Durations as Istio and Gateway API write them ("7s", "0.5s", "500ms", "1h30m")
turned into Envoy's JSON Duration ("7s", "0.500s")."""
from __future__ import annotations

import re

_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)")


class DurationError(ValueError):
    """A duration string that is not a sequence of <number><unit>."""


def seconds(text: str) -> float:
    """Go's time.ParseDuration grammar (what Istio and Gateway API accept), no sign."""
    text = str(text).strip()
    pos, total = 0, 0.0
    for part in _PART.finditer(text):
        if part.start() != pos:
            break
        total += float(part.group(1)) * _UNIT_SECONDS[part.group(2)]
        pos = part.end()
    if not text or pos != len(text):
        raise DurationError(f"invalid duration {text!r}")
    return total


def envoy_duration(text: str) -> str:
    """The same span as an Envoy (protobuf JSON) Duration."""
    value = seconds(text)
    return f"{value:.9f}".rstrip("0").rstrip(".") + "s"
