"""The header lists and the case-insensitive copy.

The lists: docs/upstream-behaviour.md#productpage-headers-sent-to-the-back-ends and
docs/upstream-behaviour.md#reviews-and-details-forwarded-headers.
"""
from werkzeug.datastructures import Headers

from bookinfo_common.propagation import FORWARDED, PRODUCTPAGE_VERBATIM, copy_headers


def test_productpage_list_has_no_b3_and_no_end_user():
    assert not [h for h in PRODUCTPAGE_VERBATIM if h.startswith("x-b3") or h in ("b3", "end-user")]


def test_forwarded_list_keeps_b3_multi_but_not_single_b3():
    assert {"x-b3-parentspanid", "x-b3-flags", "end-user"} <= set(FORWARDED)
    assert "b3" not in FORWARDED


def test_copy_is_case_insensitive_and_lowercases_names():
    incoming = Headers([("X-Request-Id", "abc"), ("End-User", "jason"), ("Baggage", "k=v")])
    assert copy_headers(incoming, FORWARDED) == {"x-request-id": "abc", "end-user": "jason"}
