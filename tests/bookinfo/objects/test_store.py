"""The local store: kubectl's apply/delete/get output, persistence, reset, concurrent use."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from bookinfo.objects import load_paths
from bookinfo.errors import InvalidObjects, StoreError
from bookinfo.objects.kubectl_get import GetRequest, get_lines
from bookinfo.objects.store import LAST_APPLIED, Store
from tests.support.net import wait_until


def get(store: Store, kind: str, name: str | None = None, output: str | None = None) -> list[str]:
    """``kubectl get KIND [NAME] [-o OUTPUT]`` over the stored objects."""
    request = GetRequest((kind, name) if name else (kind,), output=output)
    return get_lines(store.objects(), request, datetime.now(timezone.utc))

REPO = Path(__file__).resolve().parents[3]
ALL_V1 = str(REPO / "networking" / "virtual-service-all-v1.yaml")
REVIEWS_50_V3 = str(REPO / "networking" / "virtual-service-reviews-50-v3.yaml")

SERVICES = """
apiVersion: v1
kind: Service
metadata: {name: details, labels: {app: details}}
spec:
  ports: [{port: 9080, name: http}]
  selector: {app: details}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: bookinfo-details}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: details-v1}
spec:
  replicas: 1
  selector: {matchLabels: {app: details, version: v1}}
  template:
    metadata: {labels: {app: details, version: v1}}
    spec:
      containers: [{name: details, image: examples-bookinfo-details-v1}]
"""
GATEWAYS = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bookinfo-gateway}
spec:
  gatewayClassName: istio
  listeners: [{name: http, port: 80, protocol: HTTP}]
"""


def write(directory: Path, name: str, text: str) -> str:
    path = directory / name
    path.write_text(text)
    return str(path)


def apply(store: Store, *paths: str) -> list[str]:
    return list(store.apply(load_paths(list(paths))))


@pytest.fixture()
def store(tmp_path) -> Store:
    return Store(tmp_path / "home")


def test_apply_prints_kubectls_lines_in_file_order(store):
    assert apply(store, ALL_V1) == [
        "virtualservice.networking.istio.io/productpage created",
        "virtualservice.networking.istio.io/reviews created",
        "virtualservice.networking.istio.io/ratings created",
        "virtualservice.networking.istio.io/details created",
    ]
    assert apply(store, ALL_V1) == [
        "virtualservice.networking.istio.io/productpage unchanged",
        "virtualservice.networking.istio.io/reviews unchanged",
        "virtualservice.networking.istio.io/ratings unchanged",
        "virtualservice.networking.istio.io/details unchanged",
    ]
    assert apply(store, REVIEWS_50_V3) == ["virtualservice.networking.istio.io/reviews configured"]


def test_core_kinds_lines(store, tmp_path):
    assert apply(store, write(tmp_path, "d.yaml", SERVICES)) == [
        "service/details created", "serviceaccount/bookinfo-details created", "deployment.apps/details-v1 created"]


def test_formatting_and_key_order_do_not_count_as_a_change(store, tmp_path):
    apply(store, write(tmp_path, "a.yaml", SERVICES))
    reordered = [yaml.safe_load(d) for d in SERVICES.split("---")]
    flow = "---\n".join(json.dumps(dict(reversed(list(d.items())))) + "\n" for d in reordered)
    assert apply(store, write(tmp_path, "b.yaml", flow)) == [
        "service/details unchanged", "serviceaccount/bookinfo-details unchanged",
        "deployment.apps/details-v1 unchanged"]


def test_an_invalid_file_changes_nothing(store, tmp_path):
    apply(store, ALL_V1)
    before = store.path.read_bytes()
    bad = write(tmp_path, "bad.yaml", GATEWAYS + "  bogus: true\n")
    with pytest.raises(InvalidObjects) as caught:
        apply(store, REVIEWS_50_V3, write(tmp_path, "good.yaml", SERVICES), bad)
    assert str(caught.value) == f"{bad}: gateway.gateway.networking.k8s.io/bookinfo-gateway: spec.bogus: unknown field"
    assert store.path.read_bytes() == before


def test_server_fields_are_kept_and_advanced_like_an_api_server(store):
    apply(store, ALL_V1)
    created = next(o for o in store.objects() if o["metadata"]["name"] == "reviews")
    apply(store, REVIEWS_50_V3)
    configured = next(o for o in store.objects() if o["metadata"]["name"] == "reviews")
    assert configured["metadata"]["uid"] == created["metadata"]["uid"]
    assert configured["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    assert (created["metadata"]["generation"], configured["metadata"]["generation"]) == (1, 2)
    assert int(configured["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    last_applied = json.loads(configured["metadata"]["annotations"][LAST_APPLIED])
    assert last_applied["metadata"] == {"annotations": {}, "name": "reviews", "namespace": "default"}
    assert [r["weight"] for r in last_applied["spec"]["http"][0]["route"]] == [50, 50]


def test_crd_defaults_are_stored(store, tmp_path):
    apply(store, write(tmp_path, "gw.yaml", GATEWAYS))
    [gateway] = store.objects()
    assert gateway["spec"]["listeners"][0]["allowedRoutes"] == {"namespaces": {"from": "Same"}}


def test_services_get_a_cluster_ip_that_survives_reconfiguration(store, tmp_path):
    apply(store, write(tmp_path, "s.yaml", SERVICES))
    [service] = [o for o in store.objects() if o["kind"] == "Service"]
    address = service["spec"]["clusterIP"]
    assert address.startswith("10.96.")
    apply(store, write(tmp_path, "s2.yaml", SERVICES.replace("name: http}", "name: http-web}")))
    [service] = [o for o in store.objects() if o["kind"] == "Service"]
    assert service["spec"]["clusterIP"] == address
    assert service["spec"]["ports"][0]["name"] == "http-web"


def test_state_persists_across_store_instances_and_reset_clears_it(store, tmp_path):
    apply(store, ALL_V1)
    again = Store(tmp_path / "home")
    assert [o["metadata"]["name"] for o in again.objects()] == ["productpage", "reviews", "ratings", "details"]
    again.reset()
    assert store.objects() == []
    assert apply(store, ALL_V1)[0] == "virtualservice.networking.istio.io/productpage created"


def test_delete_lines_and_not_found(store, tmp_path):
    apply(store, ALL_V1)
    apply(store, write(tmp_path, "s.yaml", SERVICES))
    deleted = store.delete(load_paths([REVIEWS_50_V3, ALL_V1]))
    assert deleted == [
        'virtualservice.networking.istio.io "reviews" deleted',
        'virtualservice.networking.istio.io "productpage" deleted',
        f'Error from server (NotFound): error when deleting "{ALL_V1}": '
        'virtualservices.networking.istio.io "reviews" not found',
        'virtualservice.networking.istio.io "ratings" deleted',
        'virtualservice.networking.istio.io "details" deleted',
    ]
    assert [line.is_error for line in deleted] == [False, False, True, False, False]
    assert [line.to_stderr for line in deleted] == [False, False, True, False, False]
    assert [o["kind"] for o in store.objects()] == ["Service", "ServiceAccount", "Deployment"]


def test_get_table_for_virtual_services(store, tmp_path):
    apply(store, ALL_V1)
    apply(store, str(REPO / "networking" / "bookinfo-gateway.yaml"))
    lines = get(store, "virtualservices")
    assert lines[0].split() == ["NAME", "GATEWAYS", "HOSTS", "AGE"]
    assert [line.split()[:2] for line in lines[1:]] == [
        ["bookinfo", '["bookinfo-gateway"]'], ["details", '["details"]'], ["productpage", '["productpage"]'],
        ["ratings", '["ratings"]'], ["reviews", '["reviews"]']]
    assert lines[0].index("GATEWAYS") == lines[1].index('["bookinfo-gateway"]')
    assert all(line.split()[-1].endswith("s") for line in lines[1:])
    assert [line.split() for line in get(store, "vs", "reviews")] == [lines[0].split(), lines[-1].split()]


def test_get_tables_for_core_kinds(store, tmp_path):
    apply(store, write(tmp_path, "s.yaml", SERVICES))
    assert get(store, "svc")[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert get(store, "svc")[1].split()[:5] == ["details", "ClusterIP", store.objects()[0]["spec"]["clusterIP"],
                                                   "<none>", "9080/TCP"]
    assert get(store, "deploy")[1].split()[:4] == ["details-v1", "0/1", "0", "0"]
    assert get(store, "sa")[1].split()[:2] == ["bookinfo-details", "0"]


def test_gateway_means_istios_unless_only_gateway_api_ones_exist(store, tmp_path):
    apply(store, write(tmp_path, "gw.yaml", GATEWAYS))
    assert get(store, "gateway")[0].split() == ["NAME", "CLASS", "ADDRESS", "PROGRAMMED", "AGE"]
    assert get(store, "gateway")[1].split()[:3] == ["bookinfo-gateway", "istio", "Unknown"]
    apply(store, str(REPO / "networking" / "bookinfo-gateway.yaml"))
    assert get(store, "gw")[0].split() == ["NAME", "AGE"]
    assert get(store, "gateway.gateway.networking.k8s.io")[0].split()[1] == "CLASS"


def test_get_yaml_one_object_or_a_list(store):
    apply(store, ALL_V1)
    one = yaml.safe_load("\n".join(get(store, "vs", "ratings", output="yaml")))
    assert one["kind"] == "VirtualService" and one["metadata"]["name"] == "ratings"
    assert one["spec"] == {"hosts": ["ratings"], "http": [{"route": [{"destination": {"host": "ratings",
                                                                                       "subset": "v1"}}]}]}
    listed = yaml.safe_load("\n".join(get(store, "virtualservice", output="yaml")))
    assert listed["kind"] == "List"
    assert [i["metadata"]["name"] for i in listed["items"]] == ["details", "productpage", "ratings", "reviews"]
    assert get(store, "vs", output="name")[0] == "virtualservice.networking.istio.io/details"


def test_get_empty_missing_and_unknown(store):
    [empty] = get(store, "dr")
    assert empty == "No resources found in default namespace." and empty.to_stderr and not empty.is_error
    [missing] = get(store, "vs", "reviews")
    assert missing == 'Error from server (NotFound): virtualservices.networking.istio.io "reviews" not found'
    assert missing.is_error
    [unknown] = get(store, "widgets")
    assert unknown == 'error: the server doesn\'t have a resource type "widgets"' and unknown.is_error


CONCURRENT_APPLIER = """
import sys
import time
from pathlib import Path
from bookinfo.objects import ObjectRecord
from bookinfo.objects.store import Store
home, prefix, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
store = Store(home)
(home.parent / f"ready-{prefix}").touch()
go = home.parent / "go"
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:  # poll the start signal
    time.sleep(0.005)
for i in range(count):
    obj = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": f"{prefix}-{i}"}}
    assert store.apply([ObjectRecord(obj, "generated", i)]) == [f"serviceaccount/{prefix}-{i} created"]
"""


def test_concurrent_applies_from_two_processes_lose_nothing(tmp_path):
    home = tmp_path / "home"
    count = 25
    workers = [subprocess.Popen([sys.executable, "-c", CONCURRENT_APPLIER, str(home), prefix, str(count)],
                                cwd=REPO, stderr=subprocess.PIPE, text=True) for prefix in ("left", "right")]
    try:
        wait_until(lambda: all((tmp_path / f"ready-{p}").exists() for p in ("left", "right")),
                   timeout=60, what="both appliers to start")
        (tmp_path / "go").touch()
        for worker in workers:
            assert worker.wait(timeout=120) == 0, worker.stderr.read()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    objects = Store(home).objects()
    assert sorted(o["metadata"]["name"] for o in objects) == sorted(
        f"{p}-{i}" for p in ("left", "right") for i in range(count))
    versions = [int(o["metadata"]["resourceVersion"]) for o in objects]
    assert sorted(versions) == list(range(1, 2 * count + 1))
    assert not [p for p in (home / "store").iterdir() if p.name.startswith(".objects.")]


def test_a_damaged_store_is_reported_and_reset_recovers(store):
    store.directory.mkdir(parents=True)
    store.path.write_text("{not json")
    with pytest.raises(StoreError, match="bookinfo reset"):
        store.objects()
    store.reset()
    assert store.objects() == []


def test_get_serves_the_preferred_version_whatever_version_was_applied(store, tmp_path):
    old = write(tmp_path, "old.yaml", open(ALL_V1).read().replace("networking.istio.io/v1\n",
                                                                  "networking.istio.io/v1alpha3\n"))
    apply(store, old)
    shown = yaml.safe_load("\n".join(get(store, "vs", "reviews", output="yaml")))
    assert shown["apiVersion"] == "networking.istio.io/v1"
    assert json.loads(shown["metadata"]["annotations"][LAST_APPLIED])["apiVersion"] == "networking.istio.io/v1alpha3"
    assert apply(store, ALL_V1)[1] == "virtualservice.networking.istio.io/reviews configured"


def test_delete_of_a_kind_the_runner_lacks_is_an_error_line(store, tmp_path):
    path = write(tmp_path, "sidecar.yaml", "apiVersion: networking.istio.io/v1\nkind: Sidecar\n"
                                           "metadata: {name: deny}\n")
    [line] = store.delete(load_paths([path]))
    assert line.is_error
    assert line == (f'error: resource mapping not found for name: "deny" namespace: "" from "{path}": '
                    'no matches for kind "Sidecar" in version "networking.istio.io/v1"')
