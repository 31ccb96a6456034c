"""`kubectl apply -k platform/kube` applies bookinfo.yaml as it is, into any namespace."""
from __future__ import annotations

import shutil
import subprocess

import yaml

from .manifests import KUBE, objects_in


def test_kustomize_renders_bookinfo_yaml_unchanged_and_in_file_order():
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with its built-in kustomize) is not installed"
    result = subprocess.run([kubectl, "kustomize", str(KUBE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    rendered = [obj for obj in yaml.safe_load_all(result.stdout) if obj]
    # Same objects, same order (so `apply -k` prints what `apply -f` prints), no namespace.
    assert rendered == [m.obj for m in objects_in(KUBE / "bookinfo.yaml")]
