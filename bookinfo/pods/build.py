"""Deployment -> pods: each replica's port, its sidecar's inbound and outbound listeners,
identity, environment and command.

Flask services run under gunicorn with the images' shared settings, forked by
``bookinfo.pods.launcher`` (see there why); the two database images run through
``bookinfo.pods.databases``.
"""
from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from bookinfo_common.settings import REUSE_CONNECTIONS_VARIABLE

from bookinfo.errors import WorkloadError
from bookinfo.objects.services import Service
from bookinfo.pods import dns as pod_dns
from bookinfo.pods import images
from bookinfo.pods.databases import database_process
from bookinfo.pods.environment import container_env, rewrite_service_hosts, service_links
from bookinfo.pods.pod import Pod, UnstartableDeployment, pod_name, template_hash
from bookinfo.pods.probes import container_probes

# Environment a pod inherits from the runner: enough to find Python and a locale, and
# nothing of the user's shell that could change a service's behaviour.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "VIRTUAL_ENV")

# gunicorn workers per pod in local mode on a two-core machine: one keeps six pods small
# (the forked pods share their imported code, see bookinfo.pods.launcher). Each is a gevent
# worker (the shared settings): a greenlet per connection, so no pod needs a thread pool
# sized for its callers, and idle or slow connections stall none of them.
SERVER_WORKERS: Mapping[str, int] = {
    "productpage": 1,
    "details": 1,
    "reviews": 1,
    "ratings": 1,
}


# What the local runner adds to every Flask pod's environment, under the Deployment's
# own env: each outbound call goes to the pod's own Envoy listener, which balances every
# request, so the services may keep their connections (bookinfo_common.mesh_http).
LOCAL_SERVICE_ENVIRONMENT: Mapping[str, str] = {REUSE_CONNECTIONS_VARIABLE: "true"}




def ports_needed(starts: Sequence[tuple[Mapping, int]], services: Sequence[Service]) -> int:
    """How many free ports :func:`build_pods` will consume."""
    per_pod = 3 + sum(len(s.ports) for s in services)  # its own, its inbound and proxy listeners, one per Service port
    return per_pod * sum(count for _, count in starts)


# The tracing environment of a Flask pod, given its labels, namespace and Deployment.
TracingEnvironment = Callable[[Mapping[str, str], str, str], Mapping[str, str]]


def build_pods(starts: Sequence[tuple[Mapping, int]], services: Sequence[Service],
               secrets: Mapping[str, Mapping], ports: Iterator[int], data_dir: Path,
               runner_environ: Mapping[str, str],
               tracing: TracingEnvironment | None = None) -> tuple[list[Pod], list[UnstartableDeployment]]:
    """``count`` new pods per Deployment, each with its port, listeners, env and command.

    ``tracing`` gives each Flask pod the variables that export its own spans where the
    mesh's proxies send theirs (under the Deployment's own env, which wins).
    A Deployment whose pods cannot be built is reported, not raised: as on a cluster, one
    broken Deployment leaves every other one running and routed.
    """
    pods, unstartable = [], []
    for deployment, count in starts:
        hash_ = template_hash(deployment)
        try:
            pods.extend(_build_pod(deployment, hash_, services, secrets, ports, data_dir,
                                   runner_environ, tracing) for _ in range(count))
        except WorkloadError as exc:
            unstartable.append(UnstartableDeployment(deployment["metadata"]["name"], str(exc)))
    return pods, unstartable


def pod_problem(deployment: Mapping, secrets: Mapping[str, Mapping]) -> str | None:
    """Why the runner could not run ``deployment``'s pods, or None: checked before an
    apply stores anything, so an apply is all or nothing."""
    try:
        _build_pod(deployment, template_hash(deployment), (), secrets, itertools.count(1),
                   Path("/nonexistent"), {})
    except WorkloadError as exc:
        return str(exc)
    return None


def with_listeners(pod: Pod, services: Sequence[Service], ports: Iterator[int]) -> Pod:
    """``pod`` with an outbound listener for every Service port it has none for yet (a
    Service created after the pod started: reachable by name, as through cluster DNS)."""
    missing = missing_listeners(pod, services)
    if not missing:
        return pod
    return replace(pod, outbound={**pod.outbound, **{key: next(ports) for key in missing}})


def missing_listeners(pod: Pod, services: Sequence[Service]) -> list[tuple[str, int]]:
    """The (Service, port) pairs of ``services`` that ``pod`` has no listener for."""
    return [key for s in services for port in s.ports
            if (key := (s.name, port.port)) not in pod.outbound]


def write_service_names(pod: Pod, services: Sequence[Service]) -> None:
    """Write the table the pod resolves Service names from (``bookinfo.pods.dns``)."""
    path = pod.env.get(pod_dns.TABLE_VARIABLE)
    if not path:
        return
    table: dict[str, dict[int, int]] = {}
    for service in services:
        listeners = {port.port: pod.outbound[service.name, port.port] for port in service.ports
                     if (service.name, port.port) in pod.outbound}
        for host in service.hosts():
            table[host] = listeners
    pod_dns.write_table(Path(path), table)


def _build_pod(deployment: Mapping, hash_: str, services: Sequence[Service],
               secrets: Mapping[str, Mapping], ports: Iterator[int], data_dir: Path,
               runner_environ: Mapping[str, str], tracing: TracingEnvironment | None = None) -> Pod:
    meta = deployment["metadata"]
    template = deployment["spec"]["template"]
    container = template["spec"]["containers"][0]
    image = images.image_for(container["image"])
    namespace = meta.get("namespace", "default")
    name = pod_name(meta["name"], hash_)
    port, inbound = next(ports), next(ports)
    outbound = {(s.name, p.port): next(ports) for s in services for p in s.ports}
    http_proxy = next(ports)
    probes = container_probes(container, http=not image.is_database)

    labels = dict(template.get("metadata", {}).get("labels") or {})
    env = {k: runner_environ[k] for k in _INHERITED if k in runner_environ}
    env.update(image.environment)
    if not image.is_database:
        env.update(LOCAL_SERVICE_ENVIRONMENT)
        env[pod_dns.TABLE_VARIABLE] = str(data_dir / "service-names" / f"{name}.json")
        if tracing is not None:
            env.update(tracing(labels, namespace, meta["name"]))
    env.update(service_links(services, outbound))
    env["HOSTNAME"] = name
    env.update(rewrite_service_hosts(container_env(container, secrets, name, namespace),
                                     services, outbound))
    if image.is_database:
        argv, db_env = database_process(image.service, port, data_dir / name)
        env.update(db_env)
    else:
        argv = gunicorn_command(image.service, port)
    return Pod(name=name, deployment=meta["name"], template_hash=hash_, service=image.service,
               image=image.name, version=labels.get("version", ""), labels=labels, port=port,
               outbound=outbound, env=env, argv=list(argv), container=container.get("name", image.service),
               probes=probes, http_proxy=http_proxy, namespace=namespace,
               service_account=_service_account(template["spec"]), inbound=inbound,
               container_port=_declared_port(container))


def _service_account(pod_spec: Mapping) -> str:
    """The pod's service account: ``serviceAccountName`` (or its deprecated alias), else
    the namespace's ``default``, as Kubernetes fills it in."""
    return pod_spec.get("serviceAccountName") or pod_spec.get("serviceAccount") or "default"


def _declared_port(container: Mapping) -> int | None:
    ports = container.get("ports") or []
    return int(ports[0]["containerPort"]) if ports and "containerPort" in ports[0] else None


def gunicorn_command(service: str, port: int) -> list[str]:
    """The image's server command, bound to this pod's loopback port."""
    return [sys.executable, "-m", "gunicorn", "-c", "python:bookinfo_common.gunicorn_conf",
            "--bind", f"127.0.0.1:{port}", "--workers", str(SERVER_WORKERS[service]),
            f"{service}.wsgi:app"]
