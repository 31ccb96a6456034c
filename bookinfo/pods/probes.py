"""A container's probes, read from its manifest and run as a kubelet runs them.

A pod here listens on one loopback port, so a probe's ``port`` (a number or a named
container port) always means that port. ``httpGet`` succeeds on a status from 200 to 399
within ``timeoutSeconds``; ``tcpSocket`` when the port accepts a connection. ``exec`` and
``grpc`` probes are refused by name at apply time (the runner does not run them), as is an
``httpGet`` over HTTPS or to another host: nothing a manifest asks is silently skipped.

A container without a ``readinessProbe`` is ready once its port answers: ``GET /health``
for the Flask images, a TCP connection for the databases, checked with Kubernetes' probe
defaults. On a cluster such a container is ready as soon as it runs; here the runner
waits until it can serve, so that ``bookinfo up`` returns with a working page.
"""
from __future__ import annotations

import http.client
import socket
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from bookinfo.errors import UnsupportedProbe

KINDS = ("startup", "readiness", "liveness")
USER_AGENT = "kube-probe/1.32"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Probe:
    """One probe with Kubernetes' defaults for every setting the manifest leaves out."""

    action: str                  # "http" or "tcp"
    path: str = "/"
    headers: tuple[tuple[str, str], ...] = ()
    initial_delay: float = 0.0
    period: float = 10.0
    timeout: float = 1.0
    success_threshold: int = 1
    failure_threshold: int = 3

    @classmethod
    def from_spec(cls, kind: str, spec: Mapping) -> "Probe":
        """``spec`` is a container's ``<kind>Probe``; UnsupportedProbe names what cannot run."""
        timings = {"initial_delay": float(spec.get("initialDelaySeconds", 0)),
                   "period": float(spec.get("periodSeconds", 10)),
                   "timeout": float(spec.get("timeoutSeconds", 1)),
                   "success_threshold": int(spec.get("successThreshold", 1)),
                   "failure_threshold": int(spec.get("failureThreshold", 3))}
        if "httpGet" in spec:
            action = spec["httpGet"]
            if str(action.get("scheme", "HTTP")).upper() != "HTTP":
                raise UnsupportedProbe(f"{kind}Probe.httpGet.scheme {action['scheme']} is not supported "
                                       "locally (the pods serve plain HTTP)")
            if action.get("host") not in (None, "", LOOPBACK, "localhost"):
                raise UnsupportedProbe(f"{kind}Probe.httpGet.host {action['host']!r} is not supported "
                                       "locally (a probe reaches its own pod)")
            headers = tuple((h["name"], str(h.get("value", ""))) for h in action.get("httpHeaders") or ())
            return cls("http", path=action.get("path") or "/", headers=headers, **timings)
        if "tcpSocket" in spec:
            return cls("tcp", **timings)
        kinds = sorted(set(spec) & {"exec", "grpc"}) or ["no action"]
        raise UnsupportedProbe(f"{kind}Probe.{kinds[0]} is not supported locally "
                               "(probes may use httpGet or tcpSocket)")

    @classmethod
    def port_answers(cls, http: bool) -> "Probe":
        """The check of a container without a readiness probe (module docstring)."""
        return cls("http", path="/health") if http else cls("tcp")

    def check(self, port: int) -> str | None:
        """None when the probe succeeds on ``port``; otherwise why it failed, in kubelet's words."""
        url = f"http://{LOOPBACK}:{port}{self.path}"
        try:
            if self.action == "tcp":
                with socket.create_connection((LOOPBACK, port), timeout=self.timeout):
                    return None
            conn = http.client.HTTPConnection(LOOPBACK, port, timeout=self.timeout)
            try:
                conn.request("GET", self.path, headers={"User-Agent": USER_AGENT, **dict(self.headers)})
                status = conn.getresponse().status
            finally:
                conn.close()
        except TimeoutError:
            target = f"dial tcp {LOOPBACK}:{port}" if self.action == "tcp" else f"Get \"{url}\""
            return f"{target}: context deadline exceeded"
        except OSError as exc:
            reason = "connect: connection refused" if isinstance(exc, ConnectionRefusedError) else str(exc)
            if self.action == "tcp":
                return f"dial tcp {LOOPBACK}:{port}: {reason}"
            return f"Get \"{url}\": dial tcp {LOOPBACK}:{port}: {reason}"
        except http.client.HTTPException as exc:
            return f"Get \"{url}\": {type(exc).__name__}"
        return None if 200 <= status < 400 else f"HTTP probe failed with statuscode: {status}"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping) -> "Probe":
        return cls(**{**data, "headers": tuple(tuple(h) for h in data.get("headers", ()))})


def container_probes(container: Mapping, http: bool) -> dict[str, Probe]:
    """The probes a pod's container runs: the manifest's, and always a readiness check."""
    probes = {kind: Probe.from_spec(kind, container[f"{kind}Probe"])
              for kind in KINDS if container.get(f"{kind}Probe")}
    probes.setdefault("readiness", Probe.port_answers(http))
    return probes
