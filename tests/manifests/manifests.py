"""The project's manifest files, parsed once per test session, and the facts tests derive.

Kubernetes objects live in platform/kube/ (with cert-manager's Certificate), Istio objects
in networking/ and policy/ (the rate-limit EnvoyFilters), Gateway API objects in
gateway-api/; docker-compose.yml and the istioctl profile sit at the top level. Each file
is parsed once (cached), however many tests ask.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bookinfo.pods.environment import container_env
from bookinfo.objects import DEFAULT_NAMESPACE

REPO = Path(__file__).resolve().parents[2]
KUBE = REPO / "platform" / "kube"
NETWORKING = REPO / "networking"
GATEWAY_API = REPO / "gateway-api"
POLICY = REPO / "policy"
CERTIFICATE = KUBE / "bookinfo-certificate.yaml"
ISTIO_OPERATOR_PROFILE = REPO / "demo-profile-no-gateways.yaml"
COMPOSE_FILE = REPO / "docker-compose.yml"
COMPOSE_ENVOY = REPO / "platform" / "compose" / "envoy.yaml"
COMPOSE_PROMETHEUS = REPO / "platform" / "compose" / "prometheus.yml"
# Services of docker-compose.yml that run others' images: the gateway's Envoy and the
# observability profile's Jaeger and Prometheus.
COMPOSE_TOOLS = ("gateway", "jaeger", "prometheus")
# What docker-compose.yml adds to every workload's environment beyond its Deployment's:
# the tracing variables ``bookinfo up --otlp-endpoint`` gives the local pods.
COMPOSE_TRACING = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME")
KUSTOMIZATION = KUBE / "kustomization.yaml"
# The files whose objects belong next to the ingress gateway (and cert-manager) in
# istio-system, whatever namespace Bookinfo is in: the only ones that name a namespace.
ISTIO_SYSTEM_FILES = (NETWORKING / "certmanager-gateway.yaml", CERTIFICATE,
                      POLICY / "productpage_envoy_ratelimit.yaml")
CLEANUP = KUBE / "cleanup.sh"


@dataclass(frozen=True)
class Manifest:
    """One object of one file, with where it came from (for readable failures)."""

    path: Path
    obj: dict[str, Any]

    @property
    def file(self) -> str:
        return str(self.path.relative_to(REPO))

    @property
    def kind(self) -> str:
        return self.obj["kind"]

    @property
    def name(self) -> str:
        return self.obj["metadata"]["name"]

    @property
    def spec(self) -> dict[str, Any]:
        return self.obj.get("spec", {})

    def __str__(self) -> str:
        return f"{self.file}: {self.kind}/{self.name}"


def manifest_files() -> list[Path]:
    """Every file that `kubectl apply -f` takes: all YAML of the four folders but kustomize's."""
    files = [*KUBE.glob("*.yaml"), *NETWORKING.glob("*.yaml"), *GATEWAY_API.glob("*.yaml"),
             *POLICY.glob("*.yaml")]
    return sorted(path for path in files if path != KUSTOMIZATION)


@functools.cache
def objects_in(path: Path) -> tuple[Manifest, ...]:
    """The objects of one file, in file order (empty documents dropped, as kubectl does)."""
    with path.open() as handle:
        return tuple(Manifest(path, obj) for obj in yaml.safe_load_all(handle) if obj is not None)


def all_objects() -> Iterator[Manifest]:
    for path in manifest_files():
        yield from objects_in(path)


def of_kind(kind: str, folder: Path | None = None) -> list[Manifest]:
    return [m for m in all_objects()
            if m.kind == kind and (folder is None or m.path.parent == folder)]


def pod_templates() -> list[tuple[Manifest, dict[str, Any]]]:
    """Every Deployment with its pod template."""
    return [(m, m.spec["template"]) for m in of_kind("Deployment")]


def container_environment(container: dict[str, Any]) -> dict[str, str]:
    """A container's ``env`` as plain values, Secret references resolved from the manifests
    the way the local runner resolves them."""
    secrets = {m.name: m.obj for m in of_kind("Secret")}
    return container_env(container, secrets, pod_name="", namespace=DEFAULT_NAMESPACE)


@functools.cache
def compose() -> dict[str, Any]:
    with COMPOSE_FILE.open() as handle:
        return yaml.safe_load(handle)


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    """Kubernetes equality-based selection: every selector pair is among the labels."""
    return all(labels.get(key) == value for key, value in selector.items())
