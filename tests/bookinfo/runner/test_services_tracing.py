"""The pods' share of the mesh config: a Flask pod exports its own spans to the default
tracer's collector when that speaks OTLP, named as its proxy's spans are; the
Deployment's own env still wins, and the databases get nothing."""
from __future__ import annotations

import yaml

from bookinfo.mesh.mesh_config import MeshConfig, with_endpoints
from bookinfo.pods.build import build_pods
from bookinfo.runner.mesh_inputs import services_tracing
from bookinfo.runner.roles import split
from bookinfo.system.ports import free_ports
from tests.support.runner import REPO

OBJECTS = [o for path in ("platform/kube/bookinfo.yaml", "platform/kube/bookinfo-db.yaml")
           for o in yaml.safe_load_all((REPO / path).read_text()) if o]


def pods(mesh: MeshConfig, objects=OBJECTS) -> dict:
    desired = split(objects)
    wanted = [(d, 1) for d in desired.deployments]
    built, _ = build_pods(wanted, desired.services, desired.secrets, iter(free_ports(200)), REPO / "unused",
                          {"PATH": "/usr/bin"}, services_tracing(mesh))
    return {pod.deployment: pod for pod in built}


def test_with_an_otlp_endpoint_the_services_export_where_the_proxies_do():
    built = pods(MeshConfig.parse(with_endpoints(None, otlp="http://127.0.0.1:4318")))
    productpage = built["productpage-v1"].env
    assert (productpage["OTEL_EXPORTER_OTLP_ENDPOINT"], productpage["OTEL_SERVICE_NAME"]) == (
        "http://127.0.0.1:4318", "productpage.default")
    assert built["reviews-v2"].env["OTEL_SERVICE_NAME"] == "reviews.default"
    assert not any(name.startswith("OTEL_") for name in built["mongodb-v1"].env)


def test_a_collector_path_not_ending_in_v1_traces_is_given_whole():
    mesh = MeshConfig.parse({"extensionProviders": [{"name": "c", "opentelemetry": {
        "service": "127.0.0.1", "port": 4318, "http": {"path": "/custom"}}}], "defaultProviders": {"tracing": ["c"]}})
    env = pods(mesh)["details-v1"].env
    assert env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] == "http://127.0.0.1:4318/custom"
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in env


def test_without_an_otlp_tracer_the_services_export_nothing():
    for mesh in (MeshConfig(), MeshConfig.parse(with_endpoints(None, zipkin="http://127.0.0.1:9411"))):
        assert not any(name.startswith("OTEL_") for pod in pods(mesh).values() for name in pod.env)


def test_the_deployments_own_env_wins():
    objects = yaml.safe_load(yaml.safe_dump(OBJECTS))
    deployment = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "ratings-v1")
    deployment["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "OTEL_SERVICE_NAME", "value": "mine"}]
    built = pods(MeshConfig.parse(with_endpoints(None, otlp="http://127.0.0.1:4318")), objects)
    assert built["ratings-v1"].env["OTEL_SERVICE_NAME"] == "mine"
