"""Istio's standard metrics in a real Prometheus: ``bookinfo up --prometheus`` starts
Debian's prometheus, which scrapes Envoy (the proxies' Istio metrics, renamed and
relabelled) and every workload's ``/metrics``; the querying-metrics page's query answers
the right count through Prometheus's HTTP API."""
from __future__ import annotations

import os
import signal

import pytest
import requests

from tests.support.net import wait_until
from tests.support.runner import REPO, RunningStack

MANIFESTS = ("platform/kube/bookinfo.yaml", "networking/bookinfo-gateway.yaml")
UP_OPTIONS = ("--prometheus",)
VIEWS = 20
REVIEWS_V3 = 'istio_requests_total{destination_service="reviews.default.svc.cluster.local",destination_version="v3"}'


def query(stack: RunningStack, expression: str) -> list[dict]:
    port = stack.state()["prometheus_port"]
    answer = requests.get(f"http://127.0.0.1:{port}/api/v1/query", params={"query": expression}, timeout=10)
    assert answer.status_code == 200
    return answer.json()["data"]["result"]


def by_reporter(stack: RunningStack, expression: str) -> dict[str, float]:
    return {series["metric"]["reporter"]: float(series["value"][1]) for series in query(stack, expression)}


def test_the_querying_metrics_query_counts_the_views_reviews_v3_served(stack):
    served_by_v3 = 0
    for _ in range(VIEWS):
        page = requests.get(stack.url + "/productpage", timeout=30)
        assert page.status_code == 200
        served_by_v3 += "text-red-500" in page.text
    assert served_by_v3 > 0
    expected = {"source": served_by_v3, "destination": served_by_v3}
    wait_until(lambda: by_reporter(stack, REVIEWS_V3) == expected, timeout=40,
               what=f"{REVIEWS_V3} at {served_by_v3} for each reporter")
    [source] = [s["metric"] for s in query(stack, REVIEWS_V3) if s["metric"]["reporter"] == "source"]
    assert (source["source_workload"], source["destination_workload"], source["response_code"]) == (
        "productpage-v1", "reviews-v3", "200")
    assert (source["pod"].startswith("productpage-v1-"), source["app"], source["namespace"]) == (
        True, "productpage", "default")
    views = by_reporter(stack, 'istio_requests_total{destination_service="productpage.default.svc.cluster.local",'
                               'response_code="200"}')
    assert views == {"source": VIEWS, "destination": VIEWS}
    [gateway] = [s["metric"] for s in query(stack, 'istio_requests_total{destination_app="productpage",'
                                                   'reporter="source"}')]
    assert (gateway["source_workload"], gateway["source_workload_namespace"]) == ("istio-ingressgateway",
                                                                                  "istio-system")
    durations = ('istio_request_duration_milliseconds_count{destination_app="productpage"}')
    wait_until(lambda: by_reporter(stack, durations) == {"source": VIEWS, "destination": VIEWS}, timeout=40,
               what="every view in productpage's latency histograms")
    median = query(stack, 'histogram_quantile(0.5, sum(istio_request_duration_milliseconds_bucket'
                          '{reporter="destination",destination_app="productpage"}) by (le))')
    assert 0 < float(median[0]["value"][1]) < 5000


def test_status_lists_prometheus_and_it_scrapes_every_workload_with_its_pod_labels(stack):
    status = stack.run("status")
    assert status.returncode == 0, status.stdout
    [row] = [line.split() for line in status.stdout.splitlines() if line.startswith("prometheus")]
    assert row[-2:] == [str(stack.state()["prometheus_port"]), "ready"]
    wait_until(lambda: len(query(stack, 'up{job="kubernetes-pods"} == 1')) == 6, timeout=30,
               what="the six workloads' /metrics scraped")
    targets = {(s["metric"]["app"], s["metric"]["version"]) for s in query(stack, 'up{job="kubernetes-pods"}')}
    assert targets == {("productpage", "v1"), ("details", "v1"), ("ratings", "v1"), ("reviews", "v1"),
                       ("reviews", "v2"), ("reviews", "v3")}
    assert query(stack, 'request_result_total{app="productpage",destination_app="details"}')


def test_the_kubelet_starts_an_ended_prometheus_again_on_its_data(stack):
    before = stack.state()["prometheus_pid"]
    os.killpg(before, signal.SIGKILL)
    wait_until(lambda: stack.state()["prometheus_pid"] != before, timeout=30,
               what="the kubelet to start Prometheus again")
    wait_until(lambda: by_reporter(stack, REVIEWS_V3).get("source", 0) > 0, timeout=40,
               what="the views counted before, queried from the new Prometheus")
    assert "Started prometheus" in (stack.home / "stack" / "logs" / "kubelet.log").read_text()


def test_envoys_own_statistics_name_the_istio_metrics(stack):
    admin = stack.state()["admin_port"]
    text = requests.get(f"http://127.0.0.1:{admin}/stats/prometheus", timeout=10).text
    assert any(line.startswith("envoy_istio_requests_total{") for line in text.splitlines())


@pytest.mark.db
def test_the_tcp_metrics_task_shows_ratings_v2_connecting_to_mongodb(stack):
    lines = stack.apply(REPO / "platform/kube/bookinfo-ratings-v2.yaml", REPO / "platform/kube/bookinfo-db.yaml",
                        REPO / "networking/destination-rule-all.yaml",
                        REPO / "networking/virtual-service-ratings-db.yaml")
    assert "deployment.apps/mongodb-v1 created" in lines
    wait_until(lambda: requests.get(stack.url + "/productpage", timeout=30).text.count("glyphicon-star") >= 9,
               timeout=60, what="the page's stars from ratings v2 and MongoDB")
    opened = 'istio_tcp_connections_opened_total{destination_workload="mongodb-v1",source_workload="ratings-v2"}'
    wait_until(lambda: by_reporter(stack, opened).get("source", 0) >= 1, timeout=40,
               what="ratings v2's connection to mongodb counted")
    [series] = [s["metric"] for s in query(stack, opened) if s["metric"]["reporter"] == "source"]
    assert (series["destination_service"], series["request_protocol"]) == ("mongodb.default.svc.cluster.local", "tcp")
