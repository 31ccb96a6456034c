"""The stack's Prometheus: its scrape configuration, the pods' targets, and the real
Debian prometheus renaming Envoy's Istio metrics and filling in ``unknown``."""
from __future__ import annotations

import dataclasses
import json
import os
import signal

import pytest
import requests

from bookinfo.errors import PrometheusFailed
from bookinfo.pods.pod import Pod
from bookinfo.runner import prometheus as prometheus_module
from bookinfo.runner.prometheus import Prometheus, config, find_prometheus, scrape_targets
from tests.support.net import free_port, wait_until
from tests.support.stub_server import Reply, StubServer

POD = Pod(name="reviews-v3-abc-xyz", deployment="reviews-v3", template_hash="abc", service="reviews",
          image="examples-bookinfo-reviews-v3", version="v3",
          labels={"app": "reviews", "version": "v3", "app.kubernetes.io/name": "reviews"}, port=7003, outbound={},
          env={}, argv=[])
DATABASE = dataclasses.replace(POD, name="mongodb-v1-abc-xyz", service="mongodb", labels={"app": "mongodb"})


def test_every_flask_pod_is_a_target_with_the_labels_a_cluster_scrape_adds():
    assert scrape_targets([POD, DATABASE]) == [{
        "targets": ["127.0.0.1:7003"],
        "labels": {"app": "reviews", "version": "v3", "app_kubernetes_io_name": "reviews",
                   "pod": "reviews-v3-abc-xyz", "namespace": "default"}}]


def test_envoy_and_the_pods_are_the_two_jobs(tmp_path):
    jobs = {job["job_name"]: job for job in config(15000, tmp_path / "pods.json")["scrape_configs"]}
    assert jobs["envoy"]["static_configs"] == [{"targets": ["127.0.0.1:15000"]}]
    assert jobs["envoy"]["metrics_path"] == "/stats/prometheus"
    assert jobs["kubernetes-pods"]["file_sd_configs"][0]["files"] == [str(tmp_path / "pods.json")]


def test_without_prometheus_installed_the_error_names_the_package(monkeypatch):
    monkeypatch.setattr(prometheus_module.shutil, "which", lambda name: None)
    with pytest.raises(PrometheusFailed, match=r"^prometheus is not installed; install Debian's package: "
                                               r"apt-get install -y --no-install-recommends prometheus$"):
        find_prometheus()


ENVOY_STATS = (
    b'# TYPE envoy_istio_requests_total counter\n'
    b'envoy_istio_requests_total{reporter="destination",source_workload="-",source_principal="",'
    b'destination_workload="ratings-v1",response_code="200"} 7\n'
    b'# TYPE envoy_cluster_upstream_rq_total counter\n'
    b'envoy_cluster_upstream_rq_total{envoy_cluster_name="x"} 3\n')


@pytest.mark.slow  # a real Prometheus starts and scrapes
def test_the_real_prometheus_serves_istios_names_and_unknowns(tmp_path):
    envoy = StubServer(Reply(200, ENVOY_STATS, content_type="text/plain; version=0.0.4"))
    pod_metrics = StubServer(Reply(200, b"# TYPE request_result_total counter\nrequest_result_total 2\n",
                                   content_type="text/plain; version=0.0.4"))
    server, port = Prometheus(tmp_path), free_port()
    pid = server.start(port, envoy.port, [dataclasses.replace(POD, port=pod_metrics.port)], os.environ)
    try:
        server.wait_ready(pid, port, timeout=30)

        def query(expression: str) -> list[dict]:
            answer = requests.get(f"http://127.0.0.1:{port}/api/v1/query", params={"query": expression}, timeout=5)
            return answer.json()["data"]["result"]

        wait_until(lambda: query("istio_requests_total") and query("request_result_total"), timeout=30,
                   what="both jobs scraped")
        [istio] = query("istio_requests_total")
        assert istio["value"][1] == "7"
        labels = istio["metric"]
        assert (labels["source_workload"], labels["source_principal"], labels["destination_workload"]) == (
            "unknown", "unknown", "ratings-v1")
        assert query("envoy_cluster_upstream_rq_total")[0]["value"][1] == "3"  # Envoy's own, as they are
        [app] = query("request_result_total")
        assert {k: app["metric"][k] for k in ("app", "version", "pod", "namespace", "job")} == {
            "app": "reviews", "version": "v3", "pod": POD.name, "namespace": "default", "job": "kubernetes-pods"}
        assert json.loads(server.targets_file.read_text())[0]["targets"] == [f"127.0.0.1:{pod_metrics.port}"]
    finally:
        os.killpg(pid, signal.SIGKILL)
        envoy.close()
        pod_metrics.close()
