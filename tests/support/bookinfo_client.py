"""Requests to Bookinfo as the istio.io task scripts make them, and what a page shows.

``product_page(url, user="jason")`` is ``sample_http_request "/productpage" "jason"`` of
istio.io's ``tests/util/samples.sh``: POST ``/login`` with ``username=jason&passwd=password``
into a cookie jar without following the redirect, GET ``/productpage`` with the jar, GET
``/logout``. A page is judged by the substrings those scripts grep for.
"""
from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass

import requests

STAR = "glyphicon glyphicon-star"
TITLE = "<title>Simple Bookstore App</title>"
REVIEWS_UNAVAILABLE = "Sorry, product reviews are currently unavailable for this book."
DETAILS_UNAVAILABLE = "Sorry, product details are currently unavailable for this book."
RATINGS_UNAVAILABLE = "Ratings service is currently unavailable"
_SERVED_BY = re.compile(r"Reviews served by: reviews-(v\d+)-")
# Generous: a page that hangs must fail the test, a slow machine must not.
REQUEST_TIMEOUT = 30
# Page views run on this many connections at once: the weighted choice Envoy makes is
# per request, so concurrency does not change the shares, only the wall time.
PARALLEL_VIEWS = 4
# The traffic-shifting task's sample: 100 anonymous views, a share strictly within ±10
# of the target. istio.io's verify.sh retries a failed check; we draw up to three fresh
# samples, so a fair 50/50 split misses 41..59 (p ≈ 0.057 per sample) once in ~5000 runs.
SAMPLE = 100
SAMPLES = 3


@dataclass(frozen=True)
class Page:
    """One /productpage answer: its status, body and how long it took."""

    status: int
    text: str
    seconds: float

    @property
    def star_color(self) -> str | None:
        """"black" (reviews v2), "red" (v3), or None when the page shows no filled star.

        Stars and a ratings error never share a page, so the colour class next to a
        star is the stars' colour (error lines are red too, but carry no star)."""
        if STAR not in self.text:
            return None
        return "black" if "text-black-500" in self.text else "red" if "text-red-500" in self.text else None

    @property
    def reviews_version(self) -> str | None:
        """The reviews version named by ``Reviews served by: reviews-vN-...``, if any."""
        versions = set(_SERVED_BY.findall(self.text))
        assert len(versions) <= 1, f"one page names several reviews versions: {versions}"
        return versions.pop() if versions else None


def product_page(url: str, user: str | None = None, session: requests.Session | None = None) -> Page:
    """GET ``url``/productpage anonymously, or logged in as ``user`` the istio.io way."""
    session = session or requests.Session()
    if user is not None:
        login = session.post(f"{url}/login", data={"username": user, "passwd": "password"},
                             allow_redirects=False, timeout=REQUEST_TIMEOUT)
        assert login.status_code == 302 and "session" in session.cookies, login.status_code
    began = time.monotonic()
    page = session.get(f"{url}/productpage", timeout=REQUEST_TIMEOUT)
    elapsed = time.monotonic() - began
    if user is not None:
        session.get(f"{url}/logout", allow_redirects=False, timeout=REQUEST_TIMEOUT)
    return Page(page.status_code, page.text, elapsed)


def anonymous_pages(url: str, count: int) -> list[Page]:
    """``count`` anonymous page views, PARALLEL_VIEWS at a time, each thread on one
    keep-alive session (a ``requests.Session`` is not shared between threads)."""
    local = threading.local()

    def view(_: int) -> Page:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return product_page(url, session=local.session)

    with ThreadPoolExecutor(PARALLEL_VIEWS) as pool:
        pages = list(pool.map(view, range(count)))
    assert all(page.status == 200 for page in pages), [p.status for p in pages if p.status != 200]
    return pages


def sample_with_share(url: str, counted: Callable[[Page], bool], low: int, high: int) -> list[Page]:
    """SAMPLE anonymous views of which ``low``..``high`` are ``counted`` (up to SAMPLES tries)."""
    counts = []
    for _ in range(SAMPLES):
        pages = anonymous_pages(url, SAMPLE)
        counts.append(sum(1 for page in pages if counted(page)))
        if low <= counts[-1] <= high:
            return pages
    raise AssertionError(f"counted pages per {SAMPLE} views: {counts}, expected {low}..{high}")


def reviews_versions(pages: list[Page]) -> set[str | None]:
    """The reviews versions that served ``pages``."""
    return {page.reviews_version for page in pages}


def ratings_delay_2s(subset: str | None) -> str:
    """The request-timeouts task's inline ratings VirtualService: 2 s delay for everyone.

    istio.io routes it to subset v1; the Gateway API setup has no DestinationRules, so
    there it routes to the whole Service (``subset=None``).
    """
    destination = "        host: ratings\n" + (f"        subset: {subset}\n" if subset else "")
    return ("apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n"
            "  name: ratings\nspec:\n  hosts:\n  - ratings\n  http:\n  - fault:\n"
            "      delay:\n        percentage:\n          value: 100\n        fixedDelay: 2s\n"
            "    route:\n    - destination:\n" + destination)


def assert_delayed_page_keeps_black_stars(url: str) -> None:
    """With ratings delayed 2 s, reviews v2 (10 s to ratings) still shows its stars, slowly."""
    delayed = product_page(url)
    assert delayed.star_color == "black" and 2.0 <= delayed.seconds < 5.0, delayed.seconds


def assert_reviews_timed_out_twice(url: str) -> None:
    """A 0.5 s reviews route timeout: productpage tries twice, so about 1 s, then the error block."""
    timed_out = product_page(url)
    assert timed_out.status == 200 and REVIEWS_UNAVAILABLE in timed_out.text
    assert 0.95 <= timed_out.seconds < 3.0, timed_out.seconds
