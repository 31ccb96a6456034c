"""istio.io's commands name files as `samples/bookinfo/<path>` (they run from an Istio
release folder). samples/bookinfo is a committed link back to the repository root, so
those commands work unchanged from the root: `kubectl apply -f
samples/bookinfo/platform/kube/bookinfo.yaml`, `bookinfo apply -f
samples/bookinfo/networking/virtual-service-all-v1.yaml`.
"""
from __future__ import annotations

import os

import pytest

from bookinfo.objects import load_paths

from .manifests import REPO

LINK = REPO / "samples" / "bookinfo"
LOADED = ["networking/virtual-service-all-v1.yaml", "platform/kube/bookinfo.yaml"]
# The files the tasks name that are not loaded by `bookinfo apply` (istioctl's input, the
# API document) or need what the local runner lacks (cert-manager, EnvoyFilter).
OTHERS = ["swagger.yaml", "demo-profile-no-gateways.yaml", "policy/productpage_envoy_ratelimit.yaml",
          "platform/kube/bookinfo-certificate.yaml", "gateway-api/bookinfo-gateway.yaml",
          "platform/kube/kustomization.yaml"]


def test_the_link_points_back_to_the_root_relatively():
    """Relative, so it holds in every clone and inside any checkout path."""
    assert LINK.is_symlink() and os.readlink(LINK) == ".."
    assert LINK.resolve() == REPO


@pytest.mark.parametrize("path", LOADED)
def test_the_loader_reads_the_same_objects_through_the_samples_path(path, monkeypatch):
    monkeypatch.chdir(REPO)
    through_link = load_paths([f"samples/bookinfo/{path}"])
    direct = load_paths([path])
    assert through_link and [r.obj for r in through_link] == [r.obj for r in direct]
    assert [r.source for r in through_link] == [f"samples/bookinfo/{path}"] * len(through_link)


@pytest.mark.parametrize("path", LOADED + OTHERS)
def test_every_file_the_tasks_name_resolves_through_the_samples_path(path):
    assert (LINK / path).is_file()
    assert (LINK / path).samefile(REPO / path)
