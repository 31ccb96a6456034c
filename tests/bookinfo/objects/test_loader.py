"""load_paths reads files and directories as ``kubectl apply -f`` does."""
from __future__ import annotations

import pytest

from bookinfo.objects import load_paths
from bookinfo.errors import InvalidObjects

from .conftest import write

SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports:\n  - port: 9080\n"


def test_multi_document_file_keeps_order_and_skips_empty_documents(tmp_path):
    path = write(tmp_path, "two.yaml", "---\n" + SERVICE.format(name="b") + "---\n---\n# only a comment\n---\n"
                 + SERVICE.format(name="a"))
    records = load_paths([path])
    assert [(r.name, r.index, r.source) for r in records] == [("b", 0, path), ("a", 1, path)]


def test_directory_contributes_manifest_files_sorted_by_name_and_not_recursively(tmp_path):
    write(tmp_path, "b.yml", SERVICE.format(name="from-b"))
    write(tmp_path, "a.yaml", SERVICE.format(name="from-a"))
    write(tmp_path, "c.json", '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "from-c"}}')
    write(tmp_path, "notes.txt", SERVICE.format(name="ignored"))
    write(tmp_path, "sub/d.yaml", SERVICE.format(name="nested"))
    assert [r.name for r in load_paths([str(tmp_path)])] == ["from-a", "from-b", "from-c"]


def test_paths_are_read_in_the_order_given(tmp_path):
    first = write(tmp_path, "z.yaml", SERVICE.format(name="z"))
    second = write(tmp_path, "a.yaml", SERVICE.format(name="a"))
    assert [r.name for r in load_paths([first, second])] == ["z", "a"]


def test_list_kinds_are_expanded_into_their_items(tmp_path):
    path = write(tmp_path, "list.yaml", "apiVersion: v1\nkind: List\nitems:\n"
                 "- {apiVersion: v1, kind: ServiceAccount, metadata: {name: one}}\n"
                 "- {apiVersion: v1, kind: ServiceAccount, metadata: {name: two}}\n")
    assert [(r.kind, r.name, r.index) for r in load_paths([path])] == [
        ("ServiceAccount", "one", 0), ("ServiceAccount", "two", 1)]


def test_dates_stay_strings_as_in_the_api_server(tmp_path):
    path = write(tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  day: 2024-01-02\n")
    assert load_paths([path])[0].obj["data"]["day"] == "2024-01-02"


def test_yaml_error_names_the_file_and_line_and_every_bad_file(tmp_path):
    good = write(tmp_path, "good.yaml", SERVICE.format(name="ok"))
    bad = write(tmp_path, "bad.yaml", SERVICE.format(name="x") + "  - : [\n")
    missing = str(tmp_path / "missing.yaml")
    with pytest.raises(InvalidObjects) as caught:
        load_paths([good, bad, missing])
    message = str(caught.value)
    assert f"{bad}: line " in message and "invalid YAML" in message
    assert f'the path "{missing}" does not exist' in message
    assert good not in message


def test_a_document_that_is_not_a_mapping_is_refused(tmp_path):
    path = write(tmp_path, "scalar.yaml", SERVICE.format(name="a") + "---\njust a string\n")
    with pytest.raises(InvalidObjects, match="object #2: a manifest document must be a mapping"):
        load_paths([path])


def test_whole_floats_become_integers_as_in_the_json_kubectl_sends(tmp_path):
    path = write(tmp_path, "fault.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
                 "spec: {percentage: {value: 100.0}, half: 0.5, huge: 1.0e+21}\n")
    spec = load_paths([path])[0].obj["spec"]
    assert spec["percentage"]["value"] == 100 and isinstance(spec["percentage"]["value"], int)
    assert spec["half"] == 0.5 and isinstance(spec["huge"], float)
