"""Files shared between processes: whole replacements, owner-only, and one lock holder."""
from __future__ import annotations

import select
import subprocess
import sys

from bookinfo.system.files import atomic_write


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "f.json"
    atomic_write(target, "old")
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_atomic_write_is_owner_only_unless_told(tmp_path):
    atomic_write(tmp_path / "secret", "x")
    atomic_write(tmp_path / "shared", "x", mode=0o644)
    assert (tmp_path / "secret").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "shared").stat().st_mode & 0o777 == 0o644


def test_a_second_process_waits_for_the_lock(tmp_path):
    lock = tmp_path / "dir" / "lock"
    program = f"""
import sys
from pathlib import Path
from bookinfo.system.files import exclusive_lock
print("asking", flush=True)
with exclusive_lock(Path({str(lock)!r})):
    print("held", flush=True)
    sys.stdin.readline()
"""
    holder = subprocess.Popen([sys.executable, "-c", program], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    waiter = None
    try:
        assert holder.stdout.readline() == "asking\n" and holder.stdout.readline() == "held\n"
        waiter = subprocess.Popen([sys.executable, "-c", program], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        assert waiter.stdout.readline() == "asking\n"
        # Half a second without "held": the waiter is blocked on the lock, not merely slow.
        assert select.select([waiter.stdout], [], [], 0.5)[0] == []
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert waiter.stdout.readline() == "held\n"
        waiter.stdin.write("\n")
        waiter.stdin.flush()
        assert holder.wait(timeout=20) == 0 and waiter.wait(timeout=20) == 0
    finally:
        for process in (holder, waiter):
            if process is not None:
                process.kill()
