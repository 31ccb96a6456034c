"""Detached process groups: started in their own session, recognised later, stopped."""
from __future__ import annotations

import os
import sys
import textwrap

from bookinfo.system.processes import alive, spawn, start_ticks, stop_groups
from tests.support.net import wait_until

# A parent that ignores SIGTERM and forks a child in its group: stopping must escalate
# to SIGKILL and take the child too.
STUBBORN = textwrap.dedent("""
    import os, signal, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = os.fork()
    if child == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print(os.getpid(), flush=True)
    while True:
        time.sleep(1)
""")


def test_a_spawned_process_leads_its_own_session_and_logs_to_its_file(tmp_path):
    log = tmp_path / "logs" / "echo.log"
    proc = spawn([sys.executable, "-c", "import os; print('sid', os.getsid(0) == os.getpid())"],
                 {"PATH": os.environ["PATH"]}, log)
    assert proc.wait(timeout=20) == 0
    assert log.read_text().strip() == "sid True"


def test_stop_escalates_to_kill_for_the_whole_group(tmp_path):
    log = tmp_path / "stubborn.log"
    proc = spawn([sys.executable, "-c", STUBBORN], {"PATH": os.environ["PATH"]}, log)
    wait_until(lambda: len(log.read_text().split()) == 2, timeout=20, what="both processes")
    child = next(int(p) for p in log.read_text().split() if int(p) != proc.pid)
    started = start_ticks(proc.pid)
    assert alive(proc.pid, started) and alive(child)
    stop_groups([(proc.pid, started)], timeout=0.3)
    assert not alive(proc.pid)
    wait_until(lambda: not alive(child), timeout=10, what="the orphaned child to die")


def test_a_pid_reused_by_a_stranger_is_left_alone(tmp_path):
    proc = spawn([sys.executable, "-c", "import time; time.sleep(60)"], {}, tmp_path / "s.log")
    try:
        wait_until(lambda: start_ticks(proc.pid) is not None, what="the process")
        stop_groups([(proc.pid, start_ticks(proc.pid) + 1)], timeout=0.1)
        assert alive(proc.pid) and not alive(proc.pid, start_ticks(proc.pid) + 1)
    finally:
        stop_groups([(proc.pid, None)], timeout=5)
    assert not alive(proc.pid)
