"""platform/kube/cleanup.sh removes every kind of object the manifest files create.

There is no cluster here, so the script runs against a stand-in `kubectl` first on PATH:
a small shell script that records each command line and answers as a cluster with the
Istio and Gateway API CRDs installed (or, per test, without them) would.
"""
from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from bookinfo.objects.kinds import resource_name, split_api_version

from .manifests import CERTIFICATE, CLEANUP, ISTIO_SYSTEM_FILES, KUBE, all_objects, manifest_files, objects_in

STAND_IN = """#!/bin/bash
printf '%s\\n' "$(printf '%q ' "$@")" >> "$KUBECTL_LOG"
case "$1 $2" in
  "get namespace") [[ $3 == "$KNOWN_NAMESPACE" ]] ;;
  "get crd") [[ -n $CRDS_INSTALLED ]] ;;
  *) exit 0 ;;  # delete: done; get pods: none left (empty output)
esac
"""


def _run_cleanup(tmp_path: Path, namespace: str = "bookinfo", crds: bool = True):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(STAND_IN)
    kubectl.chmod(0o755)
    log = tmp_path / "kubectl.log"
    log.touch()
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "KUBECTL_LOG": str(log), "NAMESPACE": namespace,
           "KNOWN_NAMESPACE": "bookinfo", "CRDS_INSTALLED": "yes" if crds else ""}
    result = subprocess.run(["bash", str(CLEANUP)], env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=60)
    calls = [shlex.split(line) for line in log.read_text().splitlines()]
    return result, calls


def _deleted(calls) -> tuple[set[str], set[Path]]:
    """The resource kinds deleted wholesale (--all) and the files deleted object by object."""
    kinds, files = set(), set()
    for call in calls:
        if call[0] != "delete":
            continue
        if "--all" in call:
            kinds.add(call[call.index("--all") + 1])
        if "-f" in call:
            files.add(Path(call[call.index("-f") + 1]).resolve())
    return kinds, files


def _resource(manifest) -> str:
    return resource_name(split_api_version(manifest.obj["apiVersion"])[0], manifest.kind)


def test_cleanup_is_valid_bash():
    result = subprocess.run(["bash", "-n", str(CLEANUP)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_cleanup_deletes_every_kind_every_manifest_file_creates(tmp_path):
    result, calls = _run_cleanup(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "using NAMESPACE=bookinfo" in result.stdout
    kinds, files = _deleted(calls)
    not_covered = {str(m) for m in all_objects()
                   if _resource(m) not in kinds and m.path.resolve() not in files}
    assert not_covered == set()
    # Every object of platform/kube is deleted by name, file by file.
    kube_files = {p.resolve() for p in manifest_files() if p.parent == KUBE}
    assert kube_files <= files


def test_cleanup_stays_in_the_namespace_it_was_given(tmp_path):
    """Only the files whose objects name istio-system are deleted without ``-n``."""
    _, calls = _run_cleanup(tmp_path)
    istio_system = {path.resolve() for path in ISTIO_SYSTEM_FILES}
    deleted_there = set()
    for call in calls:
        if call[0] != "delete":
            continue
        if "-f" in call and Path(call[call.index("-f") + 1]).resolve() in istio_system:
            assert "-n" not in call, call
            deleted_there.add(Path(call[call.index("-f") + 1]).resolve())
        else:
            assert call[call.index("-n") + 1] == "bookinfo", call
    assert deleted_there == istio_system
    for path in ISTIO_SYSTEM_FILES:
        assert {m.obj["metadata"].get("namespace") for m in objects_in(path)} == {"istio-system"}


def test_without_mesh_crds_only_the_kubernetes_objects_are_deleted(tmp_path):
    result, calls = _run_cleanup(tmp_path, crds=False)
    assert result.returncode == 0, result.stdout + result.stderr
    kinds, files = _deleted(calls)
    assert kinds == set()
    # The Certificate needs cert-manager's CRD, which such a cluster lacks too.
    assert files == {p.resolve() for p in manifest_files() if p.parent == KUBE and p != CERTIFICATE}


def test_an_unknown_namespace_is_an_error_and_nothing_is_deleted(tmp_path):
    result, calls = _run_cleanup(tmp_path, namespace="no-such-namespace")
    assert result.returncode != 0
    assert "namespace no-such-namespace not found" in result.stderr
    assert [call for call in calls if call[0] == "delete"] == []
