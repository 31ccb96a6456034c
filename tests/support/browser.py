"""Debian's Chromium, headless, driven by Playwright, and a record of what a page did.

Playwright's own browser builds are downloaded by `playwright install`, which cannot
reach its servers here, so the tests drive the distribution's Chromium instead
(`apt-get install -y chromium`, done by `.ci/run`). A missing browser fails the test with
that command rather than skipping it: a skipped browser test would hide a broken page.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (BrowserContext, ConsoleMessage, Dialog, Page, Request, Response,
                                 sync_playwright)

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = "apt-get install -y chromium"
# Running as root needs --no-sandbox; the rest keep Chromium from calling home, so that
# every request the tests see comes from the page under test.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
# Generous, for two cores shared with other test runs; a healthy page takes well under 1 s.
ACTION_TIMEOUT_MS = 20_000


@contextlib.contextmanager
def chromium(user_data_dir: Path) -> Iterator[BrowserContext]:
    """A headless Chromium with the fresh profile ``user_data_dir``; closed on exit."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: the browser tests need Debian's Chromium "
                    f"(`{INSTALL_HINT}`); never `playwright install`", pytrace=False)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir, executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS))
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@dataclass
class PageEvents:
    """Everything a page reported that a test may want to assert was absent (or present)."""

    requested: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    error_responses: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        """Requested URLs whose host is not loopback (the page must fetch nothing else)."""
        return [url for url in self.requested
                if urlsplit(url).scheme in ("http", "https", "ws", "wss")
                and urlsplit(url).hostname not in LOOPBACK_HOSTS]

    def requested_paths(self) -> set[str]:
        return {urlsplit(url).path for url in self.requested}


def watch(page: Page) -> PageEvents:
    """Record ``page``'s requests, console errors, script errors, failed or >= 400 responses
    and JavaScript dialogs (each dismissed, so an ``alert`` never blocks the test)."""
    events = PageEvents()

    def on_failed(request: Request) -> None:
        events.failed_requests.append(f"{request.url}: {request.failure}")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            events.error_responses.append(f"{response.status} {response.url}")

    def on_dialog(dialog: Dialog) -> None:
        events.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            events.console_errors.append(f"{message.location.get('url', '')}: {message.text}")

    page.on("request", lambda request: events.requested.append(request.url))
    page.on("console", on_console)
    page.on("pageerror", lambda error: events.page_errors.append(str(error)))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    page.on("dialog", on_dialog)
    return events
