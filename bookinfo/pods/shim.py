"""The runtime shim of one container run, the part a node's container runtime keeps per
container (containerd's shim, conmon).

The launcher forks a shim for every pod start; the shim forks the pod (in its own
session and process group, as before) and stays its parent. It relays the pod's output
into the pod's log with the time of each line (bookinfo.pods.logs), and when the pod
ends it records how, exit status and time, in ``<pod>.exit`` beside the log, for the
kubelet's ``lastState``: only a process's parent can learn how it ended, and the
kubelet (bookinfo.runner.kubelet) and the commands come and go. Killing the pod's process
group (``kill -9``, ``bookinfo down``) leaves the shim, which records the end and exits;
it has closed the log before the record appears, so once the record is there the shim
holds no file of the stack.
"""
from __future__ import annotations

import json
import os
import select
import signal
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from bookinfo.pods.logs import stamped
from bookinfo.system.files import atomic_write

# How long the shim waits for more output once the pod has ended.
QUIET_S = 0.2
# A line longer than this is written in pieces (a container runtime splits long lines too).
MAX_LINE = 64 * 1024

PodStart = Callable[[Mapping, int], None]


def run(request: Mapping, report: int, start: PodStart) -> None:
    """In the forked shim: fork the pod (``start(request, output_fd)`` never returns),
    write its pid to ``report``, relay its output, then record its end."""
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the launcher ignores it; waitpid needs it
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDWR)
    for fd, target in ((0, null), (1, null), (2, log)):
        os.dup2(target, fd)
    os.close(null)
    source, sink = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(source)
        os.close(report)
        os.close(log)
        start(request, sink)
    os.close(sink)
    os.write(report, f"{pid}\n".encode())
    os.close(report)
    status = _relay(source, log, pid)
    for fd in (log, 2):
        os.close(fd)
    atomic_write(Path(request["exit_record"]),
                 json.dumps({"pid": pid, "status": status, "finished": time.time()}), mode=0o644)


def _relay(source: int, log: int, pid: int) -> int:
    """Copy the pod's output line by line with timestamps until it ends; its wait status."""
    pending = b""
    status = None
    while True:
        readable, _, _ = select.select([source], [], [], QUIET_S)
        if readable:
            chunk = os.read(source, 65536)
            if not chunk:
                break
            pending = _write_lines(log, pending + chunk)
            continue
        if status is not None:
            break  # ended, and its remaining output has been read
        done, waited = os.waitpid(pid, os.WNOHANG)
        if done:
            status = waited
    if pending:
        os.write(log, stamped(pending))
    if status is None:
        status = os.waitpid(pid, 0)[1]
    return status


def _write_lines(log: int, data: bytes) -> bytes:
    """Write every complete line of ``data``; the rest (a partial line) is returned."""
    *lines, rest = data.split(b"\n")
    while len(rest) > MAX_LINE:
        lines.append(rest[:MAX_LINE])
        rest = rest[MAX_LINE:]
    if lines:
        os.write(log, b"".join(stamped(line) for line in lines))
    return rest


def read_record(path: Path, pid: int) -> tuple[int, float] | None:
    """(wait status, end time) of run ``pid`` from its record; None until the shim wrote it."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return (record["status"], record["finished"]) if record.get("pid") == pid else None
