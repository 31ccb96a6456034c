"""Label selectors as `kubectl get -l` reads them."""
from __future__ import annotations

import pytest

from bookinfo.objects.selectors import SelectorError, parse

REVIEWS_V2 = {"app": "reviews", "version": "v2", "pod-template-hash": "abc"}
DETAILS = {"app": "details", "version": "v1"}


@pytest.mark.parametrize("selector, reviews_v2, details", [
    ("", True, True),
    ("app=reviews", True, False),
    ("app==reviews", True, False),
    ("app!=reviews", False, True),
    ("app=reviews,version=v2", True, False),
    ("app=reviews, version=v1", False, False),
    ("version in (v1,v2)", True, True),
    ("version in (v1, v3)", False, True),
    ("version notin (v2)", False, True),
    ("missing notin (x)", True, True),
    ("pod-template-hash", True, False),
    ("!pod-template-hash", False, True),
    ("app in (reviews,details),version!=v1", True, False),
])
def test_equality_and_set_based_requirements(selector, reviews_v2, details):
    assert parse(selector).matches(REVIEWS_V2) is reviews_v2
    assert parse(selector).matches(DETAILS) is details


@pytest.mark.parametrize("selector", ["app=(", "=x", "app in v1", "app,,version"])
def test_a_selector_kubectl_would_refuse_is_refused(selector):
    with pytest.raises(SelectorError, match="unable to parse requirement"):
        parse(selector)
