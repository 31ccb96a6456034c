"""A pod's log: every line of its output with the moment it was written, as a container
runtime keeps it, so ``bookinfo logs --since`` and ``--timestamps`` work as kubectl's.

Each line of ``<stack>/logs/<pod>.log`` is ``<RFC 3339 time, UTC, nanoseconds> <line>``.
When a container restarts, its log so far becomes ``<pod>.previous.log`` (``logs -p``).
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

_STAMPED = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (.*)$", re.S)


def stamp(when_ns: int | None = None) -> str:
    """RFC 3339 with nanoseconds in UTC, as kubectl's ``--timestamps`` prints."""
    when_ns = time.time_ns() if when_ns is None else when_ns
    seconds, nanos = divmod(when_ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{nanos:09d}Z"


def stamped(line: bytes, when_ns: int | None = None) -> bytes:
    """One output line (without its newline) as the log stores it."""
    return stamp(when_ns).encode() + b" " + line + b"\n"


def parse_time(text: str) -> datetime:
    """An RFC 3339 time such as ``stamp`` writes or Envoy's ``START_TIME`` (to microseconds)."""
    head, _, fraction = text.rstrip("Z").partition(".")
    moment = datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return moment.replace(microsecond=int((fraction + "000000")[:6])) if fraction else moment


def split(line: str) -> tuple[datetime | None, str]:
    """(when, text) of a stored line; None for a line without a time (an older log)."""
    match = _STAMPED.match(line)
    return (parse_time(match.group(1)), match.group(2)) if match else (None, line)


def previous(log: Path) -> Path:
    """Where a restarted container's earlier output goes."""
    return log.with_name(log.stem + ".previous.log")


def read(path: Path) -> list[str]:
    """The log's lines (without newlines); none when there is no log yet."""
    try:
        return path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return []


def texts(lines: Iterable[str]) -> list[str]:
    """The lines as the container wrote them."""
    return [split(line)[1] for line in lines]


def access_line_time(line: str) -> datetime | None:
    """When an Envoy access log line's request started (``[%START_TIME%]`` leads it)."""
    if line.startswith("[") and "]" in line:
        try:
            return parse_time(line[1:line.index("]")])
        except ValueError:
            return None
    return None
