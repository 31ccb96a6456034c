"""A pod's status as its kubelet keeps it: running or waiting, ready, restarts, last exit.

Pods restart as ``restartPolicy: Always`` asks, with kubelet's crash-loop back-off: a
container that exits for the first time (or after ten minutes without a back-off raise)
starts again at once; after that each restart waits the current back-off counted from
the exit, 10 s, then 20 s, 40 s, ... up to 5 min, and the pod shows ``CrashLoopBackOff``
while it waits. The functions here are pure: the runner's kubelet process applies them
and records the result in the stack's state, where ``bookinfo get pods`` reads it.
"""
from __future__ import annotations

import os
import signal
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

BACKOFF_INITIAL_S = 10.0
BACKOFF_MAX_S = 300.0
# kubelet forgets a back-off raised more than twice its maximum ago.
BACKOFF_RESET_S = 2 * BACKOFF_MAX_S
CRASH_LOOP = "CrashLoopBackOff"


@dataclass(frozen=True)
class Terminated:
    """How a container run ended (kubelet's ``lastState.terminated``)."""

    exit_code: int
    reason: str          # Completed, Error, or ContainerStatusUnknown when nobody saw it end
    started_at: float
    finished_at: float
    signal: int = 0

    @classmethod
    def from_wait_status(cls, status: int, started_at: float, finished_at: float) -> "Terminated":
        """From ``os.waitpid``'s status: killed by signal N is exit code 128+N, as in a container."""
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            return cls(128 + number, "Error", started_at, finished_at, number)
        code = os.waitstatus_to_exitcode(status)
        return cls(code, "Completed" if code == 0 else "Error", started_at, finished_at)

    @classmethod
    def unknown(cls, started_at: float, finished_at: float) -> "Terminated":
        """The process is gone and no record of its end was left (its runtime shim died too)."""
        return cls(128 + signal.SIGKILL, "ContainerStatusUnknown", started_at, finished_at)


@dataclass(frozen=True)
class ContainerStatus:
    """The one application container of a pod (times are seconds since the epoch)."""

    created: float = 0.0         # when the pod was created
    running_since: float = 0.0   # when the current run started; 0 while not running
    ready: bool = False
    restarts: int = 0
    waiting: str = ""            # CRASH_LOOP while a restart waits out its back-off
    restart_at: float = 0.0      # when the next run starts (after an exit)
    backoff: float = 0.0         # kubelet's back-off for this container; 0: none yet
    backoff_since: float = 0.0   # when the back-off was last set
    last: Terminated | None = None

    @property
    def running(self) -> bool:
        return self.running_since > 0

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping) -> "ContainerStatus":
        last = data.get("last")
        return cls(**{**data, "last": Terminated(**last) if last else None})


def started(now: float) -> ContainerStatus:
    """A new pod's first run."""
    return ContainerStatus(created=now, running_since=now)


def exited(status: ContainerStatus, end: Terminated, now: float) -> ContainerStatus:
    """The container ended: not ready, and due to start again when the back-off allows."""
    in_backoff = status.backoff > 0 and end.finished_at - status.backoff_since <= BACKOFF_RESET_S
    restart_at = end.finished_at + status.backoff if in_backoff else end.finished_at
    return replace(status, running_since=0.0, ready=False, last=end, restart_at=restart_at,
                   waiting=CRASH_LOOP if restart_at > now else "")


def due(status: ContainerStatus, now: float) -> bool:
    """Whether an ended container may start again now."""
    return not status.running and now >= status.restart_at


def restarted(status: ContainerStatus, now: float) -> ContainerStatus:
    """The container runs again; the back-off doubles (or starts at 10 s, or is reset)."""
    fresh = status.backoff == 0 or now - status.backoff_since > BACKOFF_RESET_S
    backoff = BACKOFF_INITIAL_S if fresh else min(2 * status.backoff, BACKOFF_MAX_S)
    return replace(status, running_since=now, ready=False, waiting="", restarts=status.restarts + 1,
                   restart_at=0.0, backoff=backoff, backoff_since=now)
