"""Restarts with kubelet's crash-loop back-off, and how a run's end is described."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

from bookinfo.pods.status import (BACKOFF_MAX_S, CRASH_LOOP, ContainerStatus, Terminated, due, exited,
                                  restarted, started)


def crash(status: ContainerStatus, at: float) -> ContainerStatus:
    return exited(status, Terminated(1, "Error", status.running_since, at), now=at)


def test_the_first_exit_restarts_at_once_then_the_back_off_doubles_up_to_five_minutes():
    status = started(now=1000.0)
    status = crash(status, at=1001.0)
    assert (status.waiting, status.restart_at, status.ready, status.running) == ("", 1001.0, False, False)
    assert due(status, 1001.0)
    status = restarted(status, now=1001.0)
    assert (status.restarts, status.backoff, status.running) == (1, 10.0, True)
    delays, now = [], 1001.0
    for _ in range(7):
        status = crash(status, at=now + 1)
        assert status.waiting == CRASH_LOOP and not due(status, status.restart_at - 0.01)
        delays.append(status.restart_at - (now + 1))
        now = status.restart_at
        status = restarted(status, now)
    assert delays == [10, 20, 40, 80, 160, 300, 300]
    assert status.restarts == 8 and status.backoff == BACKOFF_MAX_S


def test_a_container_that_ran_ten_minutes_since_its_last_back_off_restarts_at_once_and_afresh():
    status = restarted(crash(restarted(crash(started(0.0), 1.0), 1.0), 2.0), 12.0)
    assert status.backoff == 20.0
    status = crash(status, at=12.0 + 601)
    assert status.waiting == "" and status.restart_at == 613.0
    assert restarted(status, 613.0).backoff == 10.0


def test_the_end_of_a_run_reads_as_in_a_container_status():
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    killed.send_signal(signal.SIGKILL)
    status = os.waitpid(killed.pid, 0)[1]
    assert Terminated.from_wait_status(status, 1.0, 2.0) == Terminated(137, "Error", 1.0, 2.0, 9)
    for code, reason in ((0, "Completed"), (3, "Error")):
        child = subprocess.Popen([sys.executable, "-c", f"raise SystemExit({code})"])
        end = Terminated.from_wait_status(os.waitpid(child.pid, 0)[1], 1.0, 2.0)
        assert (end.exit_code, end.reason, end.signal) == (code, reason, 0)
    assert Terminated.unknown(1.0, 2.0).reason == "ContainerStatusUnknown"


def test_a_status_round_trips_through_json():
    status = crash(restarted(crash(started(5.0), 6.0), 6.0), 7.0)
    assert ContainerStatus.from_json(status.to_json()) == status
