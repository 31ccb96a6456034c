"""What should run: the store, seeded by the base manifests, sorted by the role of each object."""
from __future__ import annotations

from pathlib import Path

import pytest

from bookinfo.objects.services import Service
from bookinfo.runner.admission import admit
from bookinfo.runner.desired import load_desired
from bookinfo.runner.roles import split
from bookinfo.objects import load_paths
from bookinfo.errors import InvalidObjects
from bookinfo.objects.store import Store

REPO = Path(__file__).resolve().parents[3]
BOOKINFO = REPO / "platform" / "kube" / "bookinfo.yaml"


def obj(api: str, kind: str, name: str, **spec) -> dict:
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name}, "spec": spec}


SERVICE = obj("v1", "Service", "details", selector={"app": "details"},
              ports=[{"port": 9080, "name": "http"}])
DEPLOYMENT = obj("apps/v1", "Deployment", "details-v1", replicas=1)
VS = obj("networking.istio.io/v1", "VirtualService", "details", hosts=["details"])
ROUTE = obj("gateway.networking.k8s.io/v1", "HTTPRoute", "details")
ACCOUNT = obj("v1", "ServiceAccount", "bookinfo-details")
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}, "data": {"k": "dg=="}}


def test_the_base_seeds_the_store_once_and_deletions_survive_the_next_up(tmp_path):
    gateway = REPO / "networking" / "bookinfo-gateway.yaml"
    desired = load_desired([BOOKINFO, gateway], tmp_path)
    assert [d["metadata"]["name"] for d in desired.deployments] == [
        "details-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3", "productpage-v1"]
    assert [c["kind"] for c in desired.config] == ["Gateway", "VirtualService"]
    Store(tmp_path).delete(load_paths([str(gateway)]))
    assert load_desired([BOOKINFO, gateway], tmp_path).config == []


def test_reset_seeds_again_and_reapply_restores_the_named_files(tmp_path):
    gateway = REPO / "networking" / "bookinfo-gateway.yaml"
    load_desired([BOOKINFO, gateway], tmp_path)
    store = Store(tmp_path)
    store.delete(load_paths([str(gateway)]))
    assert load_desired([BOOKINFO, gateway], tmp_path, reapply=True).config != []
    store.reset()
    assert store.objects() == []
    assert len(load_desired([BOOKINFO], tmp_path).deployments) == 6


def test_split_sorts_by_role_and_keeps_apply_order_of_mesh_config():
    desired = split([SERVICE, ACCOUNT, DEPLOYMENT, VS, SECRET, ROUTE])
    assert desired.deployments == [DEPLOYMENT]
    assert desired.services == [Service.from_object(SERVICE)]
    assert desired.config == [VS, ROUTE]
    assert desired.secrets == {"creds": SECRET}


def test_services_are_read_into_their_one_typed_form():
    [service] = split([SERVICE]).services
    assert (service.name, service.namespace, [(p.port, p.name) for p in service.ports]) == (
        "details", "default", [(9080, "http")])
    assert service.selector == {"app": "details"} and service.namespace == "default"
    assert service.ports[0].port == 9080 and service.ports[0].is_http()


DETAILS_WITH_SECRET = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: details-secret
spec:
  selector:
    matchLabels: {app: details}
  template:
    metadata:
      labels: {app: details}
    spec:
      containers:
      - name: details
        image: docker.io/istio/examples-bookinfo-details-v1:1.20.3
        env:
        - name: TOKEN
          valueFrom:
            secretKeyRef: {name: token, key: value}
"""
TOKEN_SECRET = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  value: x\n"


def test_admission_refuses_what_cannot_run_and_the_store_keeps_nothing(tmp_path):
    store = Store(tmp_path)
    deployment = tmp_path / "details.yaml"
    deployment.write_text(DETAILS_WITH_SECRET)
    with pytest.raises(InvalidObjects) as caught:
        store.apply(load_paths([str(deployment)]), admit=admit)
    assert str(caught.value) == (f"{deployment}: deployment.apps/details-secret: env TOKEN: Secret "
                                 "'token' has no key 'value' (apply the Secret first)")
    assert store.objects() == []


def test_admission_finds_secrets_in_the_same_apply_or_in_the_store(tmp_path):
    store = Store(tmp_path)
    both = tmp_path / "both.yaml"
    both.write_text(TOKEN_SECRET + "---\n" + DETAILS_WITH_SECRET)
    assert store.apply(load_paths([str(both)]), admit=admit) == [
        "secret/token created", "deployment.apps/details-secret created"]
    deployment = tmp_path / "details.yaml"
    deployment.write_text(DETAILS_WITH_SECRET.replace("details-secret", "details-again"))
    assert store.apply(load_paths([str(deployment)]), admit=admit) == [
        "deployment.apps/details-again created"]
