"""The product page in a real browser (headless Debian Chromium through Playwright) through
the gateway of one `bookinfo up` stack: what the HTML-level tests cannot show — that the
stylesheet and image load from /static and nothing is fetched from elsewhere, that the
sign-in dialog opens and its form signs in, that scripts cannot read the session cookie,
and that a user name carrying markup stays text.

Needs /usr/bin/chromium (`apt-get install -y chromium`): without it every test fails
saying so, rather than skipping and hiding a broken page.
"""
from __future__ import annotations

import struct
import zlib

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import PageEvents, chromium, watch
from tests.support.runner import RunningStack

pytestmark = pytest.mark.browser

MANIFESTS = ("platform/kube/bookinfo.yaml", "networking/bookinfo-gateway.yaml")
TITLE = "Simple Bookstore App"
STYLESHEET = "/static/css/bookinfo.css"
IMAGE = "/static/img/izzy.png"
MARKUP_NAME = "<img src=x onerror=alert(1)>"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture
def page(browser, stack):
    """A new tab with no cookies. Asks for the browser first, so that a missing Chromium
    fails the test before a stack is started for nothing."""
    browser.clear_cookies()
    tab = browser.new_page()
    yield tab
    tab.close()


def open_product_page(page: Page, stack: RunningStack) -> PageEvents:
    """Load /productpage through the gateway (returns once the load event has fired, so
    every stylesheet and image has been fetched) and return what the page did."""
    events = watch(page)
    response = page.goto(stack.url + "/productpage")
    assert response is not None and response.status == 200
    return events


def sign_in(page: Page, user: str) -> None:
    """Open the dialog, submit the login form, and wait for the page it leads back to."""
    page.click("#sign-in-button")
    expect(page.locator("dialog#dialog")).to_be_visible()
    form = page.locator("form[name='login_form']")
    form.locator("input[name='username']").fill(user)
    form.locator("input[name='passwd']").fill("any password")
    form.locator("button[type='submit']").click()
    expect(page.locator(".user-name")).to_have_count(1)
    page.wait_for_load_state("load")


def assert_clean(events: PageEvents) -> None:
    assert events.console_errors == [] and events.page_errors == []
    assert events.failed_requests == [] and events.error_responses == []
    assert events.foreign_requests() == []


def png_summary(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct byte values in the decompressed pixel rows) of a PNG: a
    blank or one-colour page gives a handful of distinct values, a rendered one many."""
    assert data.startswith(PNG_SIGNATURE), "not a PNG"
    offset, header, pixels = len(PNG_SIGNATURE), b"", b""
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            pixels += body
        offset += 12 + length
    width, height = struct.unpack(">II", header[:8])
    return width, height, len(set(zlib.decompress(pixels)))


def test_the_page_loads_its_stylesheet_and_image_from_static_and_nothing_else(page, stack):
    events = open_product_page(page, stack)
    assert page.title() == TITLE
    expect(page.locator("h1")).to_have_text("The Comedy of Errors")
    expect(page.locator("h2", has_text="Book Reviews")).to_be_visible()
    assert {"/productpage", STYLESHEET, IMAGE} <= events.requested_paths()
    assert_clean(events)
    # Fetched is not enough: the stylesheet was parsed and every image decoded.
    rules = page.evaluate("""href => [...document.styleSheets]
        .filter(sheet => sheet.href && new URL(sheet.href).pathname === href)
        .map(sheet => sheet.cssRules.length)""", STYLESHEET)
    assert len(rules) == 1 and rules[0] > 0
    images = page.evaluate("() => [...document.images].map(i => [i.src, i.complete && i.naturalWidth > 0])")
    assert images and all(decoded for _, decoded in images), images


def test_sign_in_through_the_dialog_then_sign_out(page, stack):
    events = open_product_page(page, stack)
    dialog = page.locator("dialog#dialog")
    expect(dialog).to_be_hidden()
    page.click("#sign-in-button")
    expect(dialog).to_be_visible()
    page.click("#close-dialog")
    expect(dialog).to_be_hidden()

    sign_in(page, "jason")
    assert page.url == stack.url + "/productpage"
    expect(page.locator(".user-name")).to_have_text("jason")
    expect(page.locator("a[href='logout']")).to_have_text("Sign out")
    expect(page.locator("#sign-in-button")).to_have_count(0)
    [session] = [cookie for cookie in page.context.cookies() if cookie["name"] == "session"]
    assert session["httpOnly"]
    assert "session=" not in page.evaluate("document.cookie")

    page.click("a[href='logout']")
    expect(page.locator("#sign-in-button")).to_have_text("Sign in")
    page.wait_for_load_state("load")
    assert page.url == stack.url + "/productpage"
    expect(page.locator(".user-name")).to_have_count(0)
    assert "session" not in {cookie["name"] for cookie in page.context.cookies()}
    assert_clean(events)
    assert events.dialogs == []


def test_a_user_name_with_markup_is_shown_as_text(page, stack):
    events = open_product_page(page, stack)
    sign_in(page, MARKUP_NAME)
    expect(page.locator(".user-name")).to_have_text(MARKUP_NAME)
    # Had the name been parsed as HTML, the image would have been requested from /x and
    # its onerror handler would have opened an alert (recorded, then dismissed).
    assert page.locator(".user-name *").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert "/x" not in events.requested_paths()
    assert events.dialogs == []
    assert_clean(events)


def test_a_screenshot_of_the_page_is_a_rendered_png(page, stack, tmp_path):
    open_product_page(page, stack)
    path = tmp_path / "productpage.png"
    page.screenshot(path=path, full_page=True)
    width, height, distinct_bytes = png_summary(path.read_bytes())
    assert width == page.viewport_size["width"]
    assert height >= page.viewport_size["height"]
    assert distinct_bytes > 64, f"{path} looks blank ({distinct_bytes} distinct byte values)"
