"""kubectl's JSONPath dialect: the examples of kubectl's documentation, then the same
templates run by our engine and by the real kubectl on the same data.

``kubectl config view --raw --kubeconfig FILE -o jsonpath=TEMPLATE`` evaluates a template
offline on any kubeconfig, so each differential case writes a kubeconfig, asks kubectl,
and compares with ``render`` on the very JSON kubectl evaluated (``-o json``).
"""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml

from bookinfo.objects.jsonpath import JsonPathError, find, render

# The data of kubectl's JSONPath reference page, and its examples with their results
# (kubectl now prints maps as JSON where the page still shows Go's map[cpu:4]).
DOCUMENTED = {
    "kind": "List",
    "items": [
        {"kind": "None", "metadata": {"name": "127.0.0.1", "labels": {"kubernetes.io/hostname": "127.0.0.1"}},
         "status": {"capacity": {"cpu": "4"}, "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.1"}]}},
        {"kind": "None", "metadata": {"name": "127.0.0.2"},
         "status": {"capacity": {"cpu": "8"}, "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.2"},
                                                            {"type": "another", "address": "127.0.0.3"}]}},
    ],
    "users": [{"name": "myself", "user": {}}, {"name": "e2e", "user": {"username": "admin", "password": "secret"}}],
}
EXAMPLES = [
    ("kind is {.kind}", "kind is List"),
    ("{.kind}", "List"),
    ("{['kind']}", "List"),
    ("{..name}", "127.0.0.1 127.0.0.2 myself e2e"),
    ("{.items[*].metadata.name}", "127.0.0.1 127.0.0.2"),
    ("{.users[0].name}", "myself"),
    ("{.items[*]['metadata.name', 'status.capacity']}", '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}'),
    ('{.users[?(@.name=="e2e")].user.password}', "secret"),
    ("{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}",
     '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] '),
    ("{range .items[*]}{.metadata.name}{'\\t'}{end}", "127.0.0.1\t127.0.0.2\t"),
    ("{.items[0].metadata.labels.kubernetes\\.io/hostname}", "127.0.0.1"),
    # From kubectl's cheat sheet and the Istio pages.
    ('{.items[*].status.addresses[?(@.type=="another")].address}', "127.0.0.3"),
    ("{.items[-1:].metadata.name}", "127.0.0.2"),
    ('{range .items[*]}{.metadata.name}{"\\n"}{end}', "127.0.0.1\n127.0.0.2\n"),
]


@pytest.mark.parametrize("template, expected", EXAMPLES)
def test_the_documented_examples(template, expected):
    assert render(template, DOCUMENTED) == expected


def test_a_missing_field_prints_nothing_as_kubectl_get_allows_missing_keys():
    assert render("[{.kind}] [{.nothing.here}] [{.items[*].nope}]", DOCUMENTED) == "[List] [] []"


def test_paths_without_braces_select_values_as_custom_columns_write_them():
    assert find(".items[*].metadata.name", DOCUMENTED) == ["127.0.0.1", "127.0.0.2"]
    assert find(".status.capacity", DOCUMENTED["items"][0]) == [{"cpu": "4"}]
    assert find("metadata.name", DOCUMENTED["items"][1]) == find("{.metadata.name}", DOCUMENTED["items"][1]) == [
        "127.0.0.2"]


# --- against the real kubectl -------------------------------------------------------------

KUBECONFIG = {
    "apiVersion": "v1", "kind": "Config", "current-context": "dev",
    "clusters": [
        {"name": "alpha", "cluster": {"server": "https://10.0.0.1:6443", "extensions": [
            {"name": "meta", "extension": {"replicas": 3, "ratio": 0.25, "big": 1e21,
                                           "tags": ["a<b", "c&d"], "nested": {"x": 1}}}]}},
        {"name": "beta", "cluster": {"server": "https://10.0.0.2:6443", "insecure-skip-tls-verify": True}},
        {"name": "gamma", "cluster": {"server": "https://10.0.0.3:6443"}},
    ],
    "contexts": [{"name": "dev", "context": {"cluster": "alpha", "user": "admin", "namespace": "default"}},
                 {"name": "prod", "context": {"cluster": "beta", "user": "admin"}}],
    "users": [{"name": "admin", "user": {"exec": {"command": "aws", "args": ["eks", "get-token"],
                                                  "apiVersion": "client.authentication.k8s.io/v1",
                                                  "env": [{"name": "A", "value": "1"}]}}}],
}
TEMPLATES = [
    "{.kind}", "{.current-context}", "plain text only", "{.clusters[*].name}", "{.clusters[0].name}",
    "{.clusters[-1].name}", "{.clusters[1:].name}", "{.clusters[:2].name}", "{.clusters[0:3:2].name}",
    "{.clusters[0,2].name}", "{.clusters[*]['name', 'cluster.server']}", "{.clusters[0]['cluster.server']}",
    "{.clusters[0]}", "{.contexts[0].context}", "{.clusters[0].cluster.extensions[0].extension}",
    "{.clusters[0].cluster.extensions[0].extension.ratio} {.clusters[0].cluster.extensions[0].extension.big}",
    "{.clusters[0].cluster.extensions[0].extension.tags}", "{.clusters[0].cluster.extensions[0].extension.tags[*]}",
    "{.clusters[*].cluster.insecure-skip-tls-verify}", "{.users[0].user.exec.args}",
    '{.clusters[?(@.name=="beta")].cluster.server}', "{.clusters[?(@.name!='beta')].name}",
    '{.clusters[?(@.name<"beta")].name}', '{.clusters[?(@.name>="beta")].name}',
    "{.clusters[?(@.cluster.insecure-skip-tls-verify)].name}",
    '{.contexts[?(@.context.cluster==$.clusters[1].name)].name}', '{.contexts[?(@.context.cluster==$.context.cluster)].name}',
    "{range .clusters[*]}{.name}{'\\t'}{.cluster.server}{'\\n'}{end}",
    '{range .contexts[*]}{.name}={.context.namespace}{","}{end}',
    "{range .clusters[*]}{range .cluster.extensions[*]}{.name}{end}{end}",
    '{$.kind} {@.apiVersion} { .kind }', '{.nothing} [{.clusters[*].nothing}]', '{"{braces}"} {.kind}',
    "{.clusters[5].name}", "{.clusters[::-1].name}", "{.clusters[0].name", "{.clusters[?(@.name=~'a')].name}",
]


def kubectl_render(tmp_path, template: str) -> tuple[int, str, str]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is not installed: the differential JSONPath tests need it (.ci/run checks for it)"
    config = tmp_path / "kubeconfig"
    config.write_text(yaml.safe_dump(KUBECONFIG))
    result = subprocess.run([kubectl, "config", "view", "--raw", "--kubeconfig", str(config),
                             "-o", f"jsonpath={template}"], capture_output=True, text=True, timeout=30)
    return result.returncode, result.stdout, result.stderr


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """The object kubectl's JSONPath engine sees: the kubeconfig as kubectl serialises it."""
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is not installed: the differential JSONPath tests need it (.ci/run checks for it)"
    config = tmp_path_factory.mktemp("kubeconfig") / "config"
    config.write_text(yaml.safe_dump(KUBECONFIG))
    result = subprocess.run([kubectl, "config", "view", "--raw", "--kubeconfig", str(config), "-o", "json"],
                            capture_output=True, text=True, check=True, timeout=30)
    return json.loads(result.stdout)


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_engine_prints_what_kubectl_prints(template, evaluated, tmp_path):
    code, stdout, stderr = kubectl_render(tmp_path, template)
    if code == 0:
        assert render(template, evaluated) == stdout
    else:
        with pytest.raises(JsonPathError) as refused:
            render(template, evaluated)
        # Both name the same fault (kubectl's first line, before its debugging dump).
        kubectl_line = stderr.splitlines()[0].removeprefix("error: ")
        assert str(refused.value).split(",")[0].split(":")[0] == kubectl_line.split(",")[0].split(":")[0]
        assert str(refused.value).rstrip(".") in kubectl_line or kubectl_line.startswith(str(refused.value)[:40])
