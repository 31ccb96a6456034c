"""Without the CRD schemas, custom resources still get a structural check, with a notice."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from bookinfo.objects import crd_schemas, load_paths, validate_object

from .conftest import REPO


@pytest.fixture()
def no_schemas(tmp_path, monkeypatch):
    monkeypatch.setenv(crd_schemas.SCHEMAS_ENV, str(tmp_path))
    assert crd_schemas.schemas_dir() is None


@pytest.mark.parametrize("directory", ["networking", "gateway-api"])
def test_project_manifests_pass_the_structural_check(no_schemas, directory):
    records = load_paths([str(REPO / directory)])
    assert {r.kubectl_name: validate_object(r.obj) for r in records} == {r.kubectl_name: [] for r in records}


def test_a_misspelt_field_is_still_refused(no_schemas):
    obj = yaml.safe_load("""
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      wieght: "50"
    timeout: 3
""")
    assert validate_object(obj) == ["spec.http[0].route[0].wieght: unknown field",
                                    "spec.http[0].timeout: must be of type string, got 3"]


def test_the_notice_is_one_line_once_per_process(no_schemas):
    script = ("from bookinfo.objects import load_paths, validate\n"
              f"validate(load_paths([{str(REPO / 'networking' / 'virtual-service-all-v1.yaml')!r}]))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("CRD schemas not found")


def test_core_objects_are_still_validated_strictly(no_schemas):
    assert validate_object({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                            "spec": {"portz": []}}) == ["spec.portz: unknown field"]
