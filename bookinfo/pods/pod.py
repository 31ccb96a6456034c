"""Deployment -> local processes: one per replica, as a kubelet would run its pods.

A pod here is a process group listening on its own loopback port, with the environment
of ``bookinfo.pods.environment`` and ``HOSTNAME`` set to a Kubernetes-style pod name
(``reviews-v1-<template hash>-<random>``), so reviews' ``podname`` looks as in a cluster
and a changed Deployment gets new pods (the hash changes) while an unchanged one keeps
its own. Flask services run under gunicorn with the images' shared settings, forked by
``bookinfo.pods.launcher`` (see there why); the two database images run through
``bookinfo.pods.databases``. Health is what the manifests' probes check: ``GET /health``
answering 200 (for a database, its port accepting connections).
"""
from __future__ import annotations

import hashlib
import http.client
import itertools
import json
import re
import secrets as random_source
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from bookinfo_common.mesh_http import REUSE_CONNECTIONS_VARIABLE

from bookinfo.pods import dns as pod_dns
from bookinfo.pods import images
from bookinfo.system import processes
from bookinfo.pods.environment import ServiceView, container_env, rewrite_service_hosts, service_hosts, service_links
from bookinfo.errors import WorkloadError

# Kubernetes' alphabet for generated name parts (no vowels, no look-alike characters).
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

# Environment a pod inherits from the runner: enough to find Python and a locale, and
# nothing of the user's shell that could change a service's behaviour.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "VIRTUAL_ENV")

# gunicorn sizing for local mode on a two-core machine: one worker process per pod keeps
# six pods small (the forked pods share their imported code, see bookinfo.pods.launcher).
# productpage holds a thread per in-flight page while it waits on details and reviews,
# so it gets enough threads for the benchmark's 16 connections; the others mostly compute.
SERVER_SIZES: Mapping[str, tuple[int, int]] = {
    "productpage": (1, 16),
    "details": (1, 8),
    "reviews": (1, 8),
    "ratings": (1, 8),
}


# What the local runner adds to every Flask pod's environment, under the Deployment's
# own env: each outbound call goes to the pod's own Envoy listener, which balances every
# request, so the services may keep their connections (bookinfo_common.mesh_http).
LOCAL_SERVICE_ENVIRONMENT: Mapping[str, str] = {REUSE_CONNECTIONS_VARIABLE: "true"}



@dataclass(frozen=True)
class Pod:
    """One replica of a Deployment as a local process (``pid`` is 0 until started)."""

    name: str                 # HOSTNAME, the pod name
    deployment: str
    template_hash: str
    service: str              # what the image runs: productpage ... ratings, mongodb, mysqldb
    image: str
    version: str
    labels: dict[str, str]
    port: int
    outbound: dict[str, int]  # "<service>:<service port>" -> this pod's Envoy listener
    env: dict[str, str] = field(repr=False)
    argv: list[str] = field(repr=False)
    log: str = ""
    pid: int = 0
    started: int = 0          # the pid's start time, to recognise it in later commands

    @property
    def is_database(self) -> bool:
        return self.service in ("mongodb", "mysqldb")

    @property
    def gunicorn_args(self) -> list[str]:
        """The arguments after ``python -m gunicorn`` (empty when the pod is not gunicorn)."""
        return self.argv[3:] if self.argv[1:3] == ["-m", "gunicorn"] else []

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping) -> "Pod":
        return cls(**data)


@dataclass(frozen=True)
class ServiceRef:
    """What the pod builder needs of a Service: its name, namespace and ports."""

    name: str
    namespace: str
    ports: tuple[tuple[int, str], ...]  # (port, name)


def template_hash(deployment: Mapping) -> str:
    """A stable 10-character hash of the pod template (Kubernetes' pod-template-hash role)."""
    template = deployment.get("spec", {}).get("template", {})
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(_NAME_ALPHABET[b % len(_NAME_ALPHABET)] for b in digest[:10])


def pod_name(deployment_name: str, hash_: str) -> str:
    return f"{deployment_name}-{hash_}-" + "".join(
        random_source.choice(_NAME_ALPHABET) for _ in range(5))


def replicas(deployment: Mapping) -> int:
    value = deployment.get("spec", {}).get("replicas", 1)
    return int(value) if value is not None else 1


def ports_needed(starts: Sequence[tuple[Mapping, int]], services: Sequence[ServiceRef]) -> int:
    """How many free ports :func:`build_pods` will consume."""
    per_pod = 1 + sum(len(s.ports) for s in services)
    return per_pod * sum(count for _, count in starts)


@dataclass(frozen=True)
class UnstartableDeployment:
    """A stored Deployment whose pods cannot be built (its Secret was deleted since, say)."""

    name: str
    reason: str


def build_pods(starts: Sequence[tuple[Mapping, int]], services: Sequence[ServiceRef],
               secrets: Mapping[str, Mapping], ports: Iterator[int], data_dir: Path,
               runner_environ: Mapping[str, str]) -> tuple[list[Pod], list[UnstartableDeployment]]:
    """``count`` new pods per Deployment, each with its port, listeners, env and command.

    A Deployment whose pods cannot be built is reported, not raised: as on a cluster, one
    broken Deployment leaves every other one running and routed.
    """
    pods, unstartable = [], []
    for deployment, count in starts:
        hash_ = template_hash(deployment)
        try:
            pods.extend(_build_pod(deployment, hash_, services, secrets, ports, data_dir,
                                   runner_environ) for _ in range(count))
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


def with_listeners(pod: Pod, services: Sequence[ServiceRef], ports: Iterator[int]) -> Pod:
    """``pod`` with an outbound listener for every Service port it has none for yet (a
    Service created after the pod started: reachable by name, as through cluster DNS)."""
    missing = missing_listeners(pod, services)
    if not missing:
        return pod
    return replace(pod, outbound={**pod.outbound, **{key: next(ports) for key in missing}})


def missing_listeners(pod: Pod, services: Sequence[ServiceRef]) -> list[str]:
    """The ``"<service>:<port>"`` keys of ``services`` that ``pod`` has no listener for."""
    return [key for s in services for port, _ in s.ports
            if (key := f"{s.name}:{port}") not in pod.outbound]


def write_service_names(pod: Pod, services: Sequence[ServiceRef]) -> None:
    """Write the table the pod resolves Service names from (``bookinfo.pods.dns``)."""
    path = pod.env.get(pod_dns.TABLE_VARIABLE)
    if not path:
        return
    table: dict[str, dict[int, int]] = {}
    for service in services:
        listeners = {port: pod.outbound[key] for port, _ in service.ports
                     if (key := f"{service.name}:{port}") in pod.outbound}
        for host in service_hosts(service.name, service.namespace):
            table[host] = listeners
    pod_dns.write_table(Path(path), table)


def _build_pod(deployment: Mapping, hash_: str, services: Sequence[ServiceRef],
               secrets: Mapping[str, Mapping], ports: Iterator[int], data_dir: Path,
               runner_environ: Mapping[str, str]) -> Pod:
    meta = deployment["metadata"]
    template = deployment["spec"]["template"]
    container = template["spec"]["containers"][0]
    image = images.image_for(container["image"])
    namespace = meta.get("namespace", "default")
    name = pod_name(meta["name"], hash_)
    port = next(ports)
    views = [ServiceView(s.name, s.namespace, {p: next(ports) for p, _ in s.ports},
                         {p: n for p, n in s.ports}) for s in services]

    env = {k: runner_environ[k] for k in _INHERITED if k in runner_environ}
    env.update(image.environment)
    if not image.is_database:
        env.update(LOCAL_SERVICE_ENVIRONMENT)
        env[pod_dns.TABLE_VARIABLE] = str(data_dir / "service-names" / f"{name}.json")
    env.update(service_links(views))
    env["HOSTNAME"] = name
    env.update(rewrite_service_hosts(container_env(container, secrets, name, namespace), views))
    labels = dict(template.get("metadata", {}).get("labels") or {})
    if image.is_database:
        argv, db_env = _database_command(image.service, port, data_dir / name)
        env.update(db_env)
    else:
        argv = gunicorn_command(image.service, port)
    return Pod(name=name, deployment=meta["name"], template_hash=hash_, service=image.service,
               image=image.name, version=labels.get("version", ""), labels=labels, port=port,
               outbound={f"{v.name}:{p}": listener for v in views for p, listener in v.listeners.items()},
               env=env, argv=argv)


def gunicorn_command(service: str, port: int) -> list[str]:
    """The image's server command, bound to this pod's loopback port."""
    workers, threads = SERVER_SIZES[service]
    return [sys.executable, "-m", "gunicorn", "-c", "python:bookinfo_common.gunicorn_conf",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
            f"{service}.wsgi:app"]


def _database_command(service: str, port: int, data_dir: Path) -> tuple[list[str], dict[str, str]]:
    """The recipe of ``bookinfo.pods.databases`` for a seeded database image, run locally."""
    from bookinfo.pods.databases import database_process  # it builds on this module's WorkloadError

    argv, env = database_process(service, port, data_dir)
    return list(argv), dict(env)


class Launcher:
    """The fork server of ``bookinfo.pods.launcher``, started before the pods are known so
    that its imports overlap the runner's own work."""

    def __init__(self, log_path: Path):
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "bookinfo.pods.launcher"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=log, text=True, start_new_session=True)

    def launch(self, pod: Pod, log: Path) -> tuple[int, int]:
        """Fork ``pod``; its (pid, start ticks)."""
        request = {"gunicorn_args": pod.gunicorn_args, "env": pod.env, "log": str(log)}
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            pid, ticks = self.proc.stdout.readline().split()
            return int(pid), int(ticks)
        except (OSError, ValueError):
            raise WorkloadError(f"the workload launcher failed: {last_error_line(self.log_path)} "
                                f"(log: {self.log_path})") from None

    def close(self) -> None:
        """End the launcher (the pods it forked live on)."""
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_pod(pod: Pod, log_dir: Path, launcher: Launcher) -> Pod:
    """Start the pod detached; the returned Pod carries its pid and log path.

    gunicorn pods are forked by the launcher, others (databases) are executed. A pod
    that fails once started is reported by :func:`wait_healthy`.
    """
    log = log_dir / f"{pod.name}.log"
    if pod.gunicorn_args:
        pid, ticks = launcher.launch(pod, log)
    else:
        try:
            pid = processes.spawn(pod.argv, pod.env, log).pid
        except OSError as exc:
            raise WorkloadError(f"cannot start {pod.name}: {exc.strerror or exc}") from None
        ticks = processes.start_ticks(pid) or 0
    return replace(pod, pid=pid, started=ticks, log=str(log))


def is_healthy(pod: Pod, timeout: float = 2.0) -> bool:
    """GET /health answers 200 (databases: the port accepts a connection)."""
    try:
        if pod.is_database:
            with socket.create_connection(("127.0.0.1", pod.port), timeout=timeout):
                return True
        conn = http.client.HTTPConnection("127.0.0.1", pod.port, timeout=timeout)
        try:
            conn.request("GET", "/health")
            return conn.getresponse().status == 200
        finally:
            conn.close()
    except OSError:
        return False


def wait_healthy(pods: Sequence[Pod], deadline: float,
                 on_healthy: Callable[[Pod], None] | None = None) -> None:
    """Poll every pod until all are healthy; fail fast when one exits, or at ``deadline``.

    ``on_healthy(pod)`` runs as each pod turns healthy (to make it an endpoint at once:
    a pod may need another new pod to pass its own check, as ratings v2 needs mongodb).
    """
    pending = list(pods)
    while pending:
        for pod in list(pending):
            if is_healthy(pod):
                pending.remove(pod)
                if on_healthy is not None:
                    on_healthy(pod)
            elif not processes.alive(pod.pid, pod.started or None):
                raise WorkloadError(f"workload {pod.name} exited during start: "
                                    f"{last_error_line(Path(pod.log))} (log: {pod.log})")
        if pending and time.monotonic() > deadline:
            names = ", ".join(pod.name for pod in pending)
            raise WorkloadError(f"timed out waiting for /health of {names} "
                                f"(logs in {Path(pending[0].log).parent})")
        if pending:
            time.sleep(0.02)


def last_error_line(log: Path) -> str:
    """The most telling line of a failed start: the last one that is not gunicorn chatter,
    without its logging timestamp."""
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no output"
    own = [line for line in lines if not line.startswith("[") and "Traceback" not in line]
    line = (own or lines or ["no output"])[-1]
    return _LOG_TIMESTAMP.sub("", line)[:300]


_LOG_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[ T][\d:.,]+ ")


def stop_pods(pods: Sequence[Pod], timeout: float) -> None:
    """Stop the pods' process groups together (gracefully, then by force)."""
    processes.stop_groups([(pod.pid, pod.started or None) for pod in pods], timeout)
