"""Every CEL rule of the shipped CRDs can be evaluated, including Kubernetes library calls."""
from __future__ import annotations

import re

import pytest
from celpy.evaluation import base_functions

from bookinfo.objects.cel_rules import KUBERNETES_FUNCTIONS, rule_violations
from bookinfo.objects.crd_schemas import catalogs

MACROS = {"has", "all", "exists", "exists_one", "filter", "map"}


def all_rules() -> list[str]:
    rules: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            rules.extend(v["rule"] for v in node.get("x-kubernetes-validations") or ())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(catalogs())
    return rules


def test_every_function_the_crds_call_is_available():
    rules = all_rules()
    called = {name for rule in rules for name in re.findall(r"([A-Za-z_][A-Za-z_0-9]*)\(", rule)}
    assert len(rules) > 100 and {"isURL", "url", "size"} <= called
    assert called - MACROS - set(base_functions) - set(KUBERNETES_FUNCTIONS) == set()


def check(rule: str, value) -> list[tuple[str, str]]:
    return rule_violations(value, {"x-kubernetes-validations": [{"rule": rule, "message": "broken"}]})


@pytest.mark.parametrize("rule, value, holds", [
    ('self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true',
     "unix:///var/run/socket", True),
    ('self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true',
     "unix://relative", False),
    ('self.all(key, key.split("/")[0].size() < 253)', {"example.com/name": "x"}, True),
    ('self.all(key, key.split("/")[0].size() < 253)', {"a" * 300 + "/name": "x"}, False),
    ('url(self).getScheme() in ["http", "https"]', "https://example.com/filter.wasm", True),
    ('url(self).getScheme() in ["http", "https"]', "oci://example.com/filter", False),
    ("isURL(self)", "/just/a/path", True),
    ("isURL(self)", "no scheme", False),
])
def test_kubernetes_library_functions(rule, value, holds):
    assert check(rule, value) == ([] if holds else [("", "broken")])


def test_transition_rules_are_skipped():
    assert check("self == oldSelf", "anything") == []


def test_a_rule_failing_on_an_invalid_url_reports_the_value():
    [(field, reason)] = check('url(self).getScheme() == "http"', "::not a url")
    assert reason.startswith('Invalid value: "::not a url"')
