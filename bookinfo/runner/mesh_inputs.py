"""What the mesh translation is given: the pods as workloads (each with its sidecar's
listeners and its identity), the desired Services and mesh objects, the mesh config, and
the certificates the mesh CA issued those identities and the gateway. Also what the pods
are given of the mesh config: where to send their own spans."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from bookinfo.mesh.identity import GATEWAY_IDENTITY
from bookinfo.mesh.mesh_config import OTLP_TRACES_PATH, MeshConfig
from bookinfo.mesh.model import MeshInputs, Workload
from bookinfo.mesh.peers import canonical_service
from bookinfo.pods.build import TracingEnvironment
from bookinfo.pods.pod import Pod
from bookinfo.runner.roles import Desired
from bookinfo.runner.mesh_ca import MeshCA


def workload(pod: Pod, ready: bool = True) -> Workload:
    return Workload(pod.name, pod.labels, pod.port, namespace=pod.namespace, service_account=pod.service_account,
                    inbound_port=pod.inbound or None, container_port=pod.container_port, ready=ready,
                    owner=pod.deployment)


def mesh_inputs(pods: Sequence[Pod], desired: Desired, gateway_port: int | None, admin_port: int,
                ca: MeshCA, access_log_dir: Path | None = None, mesh: MeshConfig | None = None) -> MeshInputs:
    """Every pod has its sidecar (listeners, certificate, HTTP proxy); only the running,
    ready ones are endpoints."""
    workloads = [workload(pod, ready=pod.status.running and pod.status.ready) for pod in pods]
    known = {service.name for service in desired.services}
    return MeshInputs(
        workloads=workloads,
        services=desired.services,
        config=desired.config,
        gateway_port=gateway_port,
        # A pod keeps the listeners it was started with; those of deleted Services go.
        outbound_ports={(pod.name, service, port): listener
                        for pod in pods
                        for (service, port), listener in pod.outbound.items() if service in known},
        admin_port=admin_port,
        http_proxy_ports={pod.name: pod.http_proxy for pod in pods if pod.http_proxy},
        access_log_dir=str(access_log_dir) if access_log_dir is not None else None,
        mesh_config=mesh,
        root_certificate=str(ca.root_certificate),
        certificates=ca.certificates({w.identity for w in workloads} | {GATEWAY_IDENTITY}),
    )


def services_tracing(mesh: MeshConfig) -> TracingEnvironment | None:
    """The OpenTelemetry SDK's standard variables that make a service export its spans to
    the collector of the mesh's default tracer, named as its proxy's spans are
    (``productpage.default``); None when that tracer does not speak OTLP (the services
    then only propagate context). ``OTEL_EXPORTER_OTLP_ENDPOINT`` is the collector's base
    URL when its path ends in ``/v1/traces`` (the SDK appends that), else the full URL
    goes in ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``."""
    collector = mesh.otlp_collector()
    if collector is None:
        return None
    if collector.path.endswith(OTLP_TRACES_PATH):
        endpoint = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url.removesuffix(OTLP_TRACES_PATH)}
    else:
        endpoint = {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": collector.url}

    def environment(labels: Mapping[str, str], namespace: str, deployment: str) -> Mapping[str, str]:
        return {**endpoint, "OTEL_SERVICE_NAME": f"{canonical_service(labels, deployment)}.{namespace}"}
    return environment
