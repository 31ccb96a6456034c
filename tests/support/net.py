"""Free loopback ports and polling for readiness with a deadline (never a bare sleep)."""
from __future__ import annotations

import socket
import time
from collections.abc import Callable

import requests


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], bool], timeout: float = 15.0, interval: float = 0.05,
               what: str = "condition") -> None:
    """Poll ``condition`` until it is true; fail the test with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except Exception:  # the thing polled is not up yet
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def wait_for_http(url: str, timeout: float = 15.0, status: int = 200) -> None:
    """Wait until ``GET url`` answers ``status``."""
    wait_until(lambda: requests.get(url, timeout=1).status_code == status, timeout,
               what=f"{url} to answer {status}")
