"""Free loopback ports and polling for readiness with a deadline (never a bare sleep)."""
from __future__ import annotations

import time
from collections.abc import Callable

import requests

from bookinfo.system.ports import free_port

__all__ = ["free_port", "wait_for_http", "wait_until"]


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
