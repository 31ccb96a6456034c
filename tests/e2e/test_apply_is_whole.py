"""`bookinfo apply` stores everything or nothing, and the order of objects never matters.

Two steps of istio.io's pages that once failed silently, replayed in the pages' own order
on one stack: the rate-limit task applies a Redis Deployment the runner cannot run (it
must be refused whole, and later applies must still reach Envoy), and the TCP-metrics
task applies ratings v2 before the MongoDB it talks to (the Service created afterwards
must be reachable from the running pod by name, without restarting it). Last, a stored
Deployment that can no longer be started (its Secret was deleted) leaves the rest of the
stack running and routed.
"""
from __future__ import annotations

import pytest
from pymongo import MongoClient

from tests.support.bookinfo_client import STAR, anonymous_pages, product_page, reviews_versions
from tests.support.net import wait_until
from tests.support.runner import REPO, RunningStack

MANIFESTS = ["platform/kube/bookinfo.yaml", "networking/bookinfo-gateway.yaml"]
NETWORKING = REPO / "networking"
KUBE = REPO / "platform" / "kube"

# The rate-limit task's Redis, as `kubectl apply -f` gets it (Service first, then Deployment).
REDIS = """\
apiVersion: v1
kind: Service
metadata:
  name: redis
  labels:
    app: redis
spec:
  ports:
  - name: redis
    port: 6379
  selector:
    app: redis
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis
spec:
  replicas: 1
  selector:
    matchLabels:
      app: redis
  template:
    metadata:
      labels:
        app: redis
    spec:
      containers:
      - image: redis:alpine
        imagePullPolicy: Always
        name: redis
        ports:
        - name: redis
          containerPort: 6379
"""

SECRET = """\
apiVersion: v1
kind: Secret
metadata:
  name: details-extra-env
stringData:
  greeting: hello
"""
# A details Deployment whose pods read a Secret: fine while the Secret exists.
DETAILS_EXTRA = SECRET + """\
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: details-extra
spec:
  selector:
    matchLabels:
      app: details-extra
  template:
    metadata:
      labels:
        app: details-extra
        version: v1
    spec:
      containers:
      - name: details
        image: docker.io/istio/examples-bookinfo-details-v1:1.20.3
        ports:
        - containerPort: 9080
        env:
        - name: GREETING
          valueFrom:
            secretKeyRef:
              name: details-extra-env
              key: greeting
"""


@pytest.fixture
def standard_setup(stack: RunningStack):
    stack.apply(NETWORKING / "destination-rule-all.yaml")
    yield stack
    reset = stack.run("reset")
    assert reset.returncode == 0, reset.stderr


def pod(stack: RunningStack, deployment: str) -> dict:
    [found] = [p for p in stack.state()["pods"] if p["deployment"] == deployment]
    return found


def test_a_deployment_the_runner_cannot_run_is_refused_whole(standard_setup):
    stack = standard_setup
    refused = stack.run("apply", "-f", "-", stdin=REDIS)
    assert refused.returncode == 1
    assert refused.stdout == ""  # nothing printed as created
    [line] = refused.stderr.splitlines()  # one line, naming the object and the reason
    assert line.startswith("bookinfo: error: STDIN: deployment.apps/redis: "
                           "image 'redis:alpine' is not a Bookinfo image (expected one of: "), line
    services = stack.run("get", "services")
    assert services.returncode == 0 and "redis" not in services.stdout
    # The next apply reaches Envoy: all-v1 means reviews v1 only, no stars, every time.
    assert stack.apply(NETWORKING / "virtual-service-all-v1.yaml") == [
        f"virtualservice.networking.istio.io/{name} created"
        for name in ("productpage", "reviews", "ratings", "details")]
    wait_until(lambda: reviews_versions(anonymous_pages(stack.url, 12)) == {"v1"},
               timeout=20, what="every page to come from reviews v1")


def test_ratings_v2_reaches_a_mongodb_service_created_after_it_started(standard_setup):
    stack = standard_setup
    stack.apply(KUBE / "bookinfo-ratings-v2.yaml")
    ratings_v2 = pod(stack, "ratings-v2")
    assert stack.apply(KUBE / "bookinfo-db.yaml") == [
        "service/mongodb created", "deployment.apps/mongodb-v1 created"]
    stack.apply(NETWORKING / "virtual-service-ratings-db.yaml")
    # The same pod, never restarted, now reaches MongoDB by the name in its MONGO_DB_URL.
    assert pod(stack, "ratings-v2")["name"] == ratings_v2["name"]
    assert pod(stack, "ratings-v2")["pid"] == ratings_v2["pid"]
    with MongoClient(f"mongodb://127.0.0.1:{pod(stack, 'mongodb-v1')['port']}/?directConnection=true",
                     serverSelectionTimeoutMS=5000) as client:
        ratings = client.get_database("test").get_collection("ratings")
        ratings.drop()
        ratings.insert_many([{"rating": 2}, {"rating": 1}])

    def stars_from_mongodb() -> bool:
        page = product_page(stack.url)
        return page.status == 200 and "text-red-500" in page.text and page.text.count(STAR) == 2 + 1

    wait_until(stars_from_mongodb, timeout=30, what="the page to show the stars MongoDB holds")


def test_a_stored_deployment_that_cannot_start_blocks_nothing_else(stack: RunningStack):
    stack.apply("-", stdin=DETAILS_EXTRA)
    assert "details-extra" in {p["deployment"] for p in stack.state()["pods"]}
    deleted = stack.run("delete", "-f", "-", stdin=SECRET)
    assert deleted.returncode == 0, deleted.stderr
    # Restarting the stack rebuilds every pod: details-extra's Secret is gone.
    assert stack.run("down").returncode == 0
    restarted = stack.run("up", "--detach", "--port", str(stack.port))
    assert restarted.returncode == 0, restarted.stderr
    warning = ("bookinfo: warning: deployment.apps/details-extra has no pods: env GREETING: "
               "Secret 'details-extra-env' has no key 'greeting' (apply the Secret first)")
    assert warning in restarted.stderr.splitlines()
    assert "details-extra" not in {p["deployment"] for p in stack.state()["pods"]}
    applied = stack.run("apply", "-f", NETWORKING / "destination-rule-all.yaml",
                        "-f", NETWORKING / "virtual-service-all-v1.yaml")
    assert applied.returncode == 0, applied.stderr
    assert warning in applied.stderr.splitlines()
    wait_until(lambda: reviews_versions(anonymous_pages(stack.url, 12)) == {"v1"},
               timeout=20, what="every page to come from reviews v1")
