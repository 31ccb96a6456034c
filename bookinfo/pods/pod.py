"""A pod of the local runner: one replica of a Deployment as a process group.

A pod here is a process group listening on its own loopback port, with the environment
of ``bookinfo.pods.environment`` and ``HOSTNAME`` set to a Kubernetes-style pod name
(``reviews-v1-<template hash>-<random>``), so reviews' ``podname`` looks as in a cluster
and a changed Deployment gets new pods (the hash changes) while an unchanged one keeps
its own. ``bookinfo.pods.build`` makes pods, ``bookinfo.pods.lifecycle`` runs them.
"""
from __future__ import annotations

import hashlib
import json
import secrets as random_source
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from bookinfo.pods.probes import Probe
from bookinfo.pods.status import ContainerStatus

# Kubernetes' alphabet for generated name parts (no vowels, no look-alike characters).
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
DATABASE_SERVICES = ("mongodb", "mysqldb")


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
    # (Service name, Service port) -> this pod's outbound listener on Envoy (its sidecar)
    outbound: dict[tuple[str, int], int]
    env: dict[str, str] = field(repr=False)
    argv: list[str] = field(repr=False)
    log: str = ""
    pid: int = 0
    started: int = 0          # the pid's start time, to recognise it in later commands
    container: str = ""       # the container's name in the Deployment (``logs -c``, ``exec -c``)
    http_proxy: int = 0       # this pod's HTTP forward proxy on Envoy (``bookinfo exec``)
    probes: dict[str, Probe] = field(default_factory=dict)  # startup, readiness, liveness
    status: ContainerStatus = field(default_factory=ContainerStatus)
    # Its identity: the pod template's service account in the Deployment's namespace.
    namespace: str = "default"
    service_account: str = "default"
    # Its sidecar's inbound listener on Envoy, in front of ``port``: how other pods reach it.
    inbound: int = 0
    container_port: int | None = None  # the port the Deployment declares (9080)

    @property
    def is_database(self) -> bool:
        return self.service in DATABASE_SERVICES

    @property
    def gunicorn_args(self) -> list[str]:
        """The arguments after ``python -m gunicorn`` (empty when the pod is not gunicorn)."""
        return self.argv[3:] if self.argv[1:3] == ["-m", "gunicorn"] else []

    def to_json(self) -> dict:
        data = asdict(self)
        data["outbound"] = [[service, port, listener] for (service, port), listener in self.outbound.items()]
        return data

    @classmethod
    def from_json(cls, data: Mapping) -> "Pod":
        outbound = {(service, port): listener for service, port, listener in data["outbound"]}
        probes = {kind: Probe.from_json(probe) for kind, probe in data.get("probes", {}).items()}
        status = ContainerStatus.from_json(data.get("status") or {})
        return cls(**{**data, "outbound": outbound, "probes": probes, "status": status})

    @property
    def readiness(self) -> Probe:
        """The check that makes this pod an endpoint (bookinfo.pods.probes)."""
        return self.probes.get("readiness") or Probe.port_answers(http=not self.is_database)


@dataclass(frozen=True)
class UnstartableDeployment:
    """A stored Deployment whose pods cannot be built (its Secret was deleted since, say)."""

    name: str
    reason: str


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
