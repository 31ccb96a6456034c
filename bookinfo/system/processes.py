"""Detached child processes the runner starts and, from any later command, stops.

Every process gets its own session (``setsid``), so it outlives ``bookinfo up --detach``
and a Ctrl-C in the terminal reaches only the runner, which then stops them in order.
Stopping addresses the whole process group: gunicorn's workers go with their master.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path


def spawn(argv: Sequence[str], env: Mapping[str, str], log_path: Path,
          cwd: Path | None = None) -> subprocess.Popen:
    """Start ``argv`` in a new session with stdout and stderr appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(list(argv), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_ticks(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot), or None if it is gone.

    Saved next to the pid, it tells a later command whether the pid still names the
    process we started and not a stranger that was given the same number.
    """
    fields = stat_fields(pid)
    return int(fields[19]) if fields and fields[0] not in ("Z", "X") else None


def alive(pid: int, started: int | None = None) -> bool:
    """Whether ``pid`` is live (a zombie counts as gone) and, if given, started at ``started``."""
    ticks = start_ticks(pid)
    return ticks is not None and (started is None or ticks == started)


def stat_fields(pid: int) -> list[str] | None:
    """``/proc/<pid>/stat`` from the state letter on, or None if ``pid`` is gone.

    Index 0 is the state, 1 the parent pid, 2 the process group, 11/12 user/system
    ticks, 19 the start time (the command name before them may hold spaces and ``)``).
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].decode().split()
    except (OSError, IndexError):
        return None


def process_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, stat fields) of every process now running."""
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = stat_fields(int(entry.name))
            if fields is not None:
                yield int(entry.name), fields


def stop_groups(targets: Sequence[tuple[int, int | None]], timeout: float) -> None:
    """Stop the process groups led by each ``(pid, started)``, all at once.

    SIGTERM first (gunicorn and Envoy shut down gracefully on it), SIGKILL whatever
    outlives ``timeout``. A live ``pid`` whose start time is not ``started`` is a
    stranger that reused the number and is left alone; while any member of one of our
    groups lives, Linux does not hand the group's id to a new process.
    """
    ours = [pid for pid, started in targets if pid and _is_ours(pid, started)]
    signalled = [pid for pid in ours if _signal_group(pid, signal.SIGTERM)]
    _wait_gone(signalled, timeout)
    for pid in signalled:
        # Also when the leader has gone: an orphaned worker must not linger.
        _signal_group(pid, signal.SIGKILL)
    _wait_gone(signalled, _KILL_GRACE)


# How long SIGKILLed processes get to disappear from the process table.
_KILL_GRACE = 5.0


def _wait_gone(pids: Sequence[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        for pid in pids:
            _reap(pid)
        if not any(alive(pid) for pid in pids) or time.monotonic() >= deadline:
            return
        time.sleep(0.02)


def _is_ours(pid: int, started: int | None) -> bool:
    ticks = start_ticks(pid)
    return started is None or ticks is None or ticks == started


def _signal_group(pid: int, sig: int) -> bool:
    """Signal the group ``pid`` leads, or ``pid`` alone if it leads none."""
    for send in (os.killpg, os.kill):
        try:
            send(pid, sig)
            return True
        except (ProcessLookupError, PermissionError):
            continue
    return False


def _reap(pid: int) -> None:
    """Collect ``pid``'s exit status if it is our own child (no zombie left behind)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
