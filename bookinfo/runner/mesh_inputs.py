"""What the mesh translation is given: the pods as workloads (each with its sidecar's
listeners and its identity), the desired Services and mesh objects, and the certificates
the mesh CA issued those identities and the gateway."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bookinfo.mesh.identity import GATEWAY_IDENTITY
from bookinfo.mesh.model import MeshInputs, Workload
from bookinfo.pods.pod import Pod
from bookinfo.runner.roles import Desired
from bookinfo.runner.mesh_ca import MeshCA


def workload(pod: Pod, ready: bool = True) -> Workload:
    return Workload(pod.name, pod.labels, pod.port, namespace=pod.namespace, service_account=pod.service_account,
                    inbound_port=pod.inbound or None, container_port=pod.container_port, ready=ready)


def mesh_inputs(pods: Sequence[Pod], desired: Desired, gateway_port: int | None, admin_port: int,
                ca: MeshCA, access_log_dir: Path | None = None) -> MeshInputs:
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
        root_certificate=str(ca.root_certificate),
        certificates=ca.certificates({w.identity for w in workloads} | {GATEWAY_IDENTITY}),
    )
