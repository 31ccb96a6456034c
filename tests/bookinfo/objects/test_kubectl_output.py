"""kubectl's formatting conventions: ages, table alignment, printer-column JSONPath, YAML."""
from __future__ import annotations

import pytest
import yaml

from bookinfo.objects.jsonpath import find
from bookinfo.objects.kubectl_output import as_list, human_age, table, to_yaml


@pytest.mark.parametrize("seconds, shown", [
    (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (59, "59s"), (119, "119s"), (120, "2m"), (185, "3m5s"),
    (600, "10m"), (179 * 60 + 59, "179m"), (3 * 3600, "3h"), (3 * 3600 + 25 * 60, "3h25m"),
    (8 * 3600, "8h"), (47 * 3600 + 59, "47h"), (48 * 3600, "2d"), (3 * 86400 + 5 * 3600, "3d5h"),
    (10 * 86400, "10d"), (800 * 86400, "2y70d"), (9 * 365 * 86400, "9y"),
])
def test_human_age_matches_kubectl(seconds, shown):
    assert human_age(seconds) == shown


def test_table_pads_each_column_to_its_widest_cell_plus_three():
    assert table(["NAME", "HOSTS", "AGE"], [["reviews", '["reviews"]', "5s"], ["bookinfo", '["*"]', "12m"]]) == [
        "NAME       HOSTS         AGE",
        'reviews    ["reviews"]   5s',
        'bookinfo   ["*"]         12m',
    ]


def test_table_has_no_trailing_spaces_for_empty_last_cells():
    assert table(["NAME", "HOSTNAMES"], [["a", ""]]) == ["NAME   HOSTNAMES", "a"]


def test_json_path_of_printer_columns():
    gateway = {"spec": {"gatewayClassName": "istio"},
               "status": {"addresses": [{"value": "10.0.0.1"}, {"value": "10.0.0.2"}],
                          "conditions": [{"type": "Accepted", "status": "True"},
                                         {"type": "Programmed", "status": "False"}]}}
    assert find(".spec.gatewayClassName", gateway) == ["istio"]
    assert find(".status.addresses[*].value", gateway) == ["10.0.0.1", "10.0.0.2"]
    assert find('.status.conditions[?(@.type=="Programmed")].status', gateway) == ["False"]
    assert find(".status.addresses[1].value", gateway) == ["10.0.0.2"]
    assert find(".spec.missing", gateway) == []


def test_yaml_looks_like_kubectls_and_reads_back_the_same():
    value = as_list([{"metadata": {"name": "a", "creationTimestamp": "2024-01-02T03:04:05Z",
                                   "annotations": {"note": "line one\nline two\n"}},
                      "spec": {"hosts": ["*"], "port": "9080", "flag": "true"}}])
    text = to_yaml(value)
    assert text.startswith("apiVersion: v1\nitems:\n- metadata:\n")
    assert '    creationTimestamp: "2024-01-02T03:04:05Z"\n' in text
    assert "      note: |\n        line one\n        line two\n" in text
    assert '    port: "9080"\n' in text and '    flag: "true"\n' in text
    assert 'kind: List\nmetadata:\n  resourceVersion: ""\n' in text
    assert yaml.safe_load(text) == value
