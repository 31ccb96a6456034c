"""A Kubernetes Service as the runner reads it: the one typed form the pods (service
links, name tables) and the mesh (listeners, endpoints) both use."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bookinfo.objects.record import DEFAULT_NAMESPACE

DOMAIN_SUFFIX = "svc.cluster.local"
HTTP_PORT_NAME_PREFIXES = frozenset({"http", "http2", "grpc"})
HTTP_APP_PROTOCOLS = frozenset({"http", "http2", "grpc", "grpc-web", "h2c", "kubernetes.io/h2c"})


@dataclass(frozen=True)
class ServicePort:
    """One port of a Kubernetes Service. ``protocol`` is the Service's (TCP/UDP);
    whether the mesh treats it as HTTP follows Istio's rule on the port name or
    ``app_protocol`` (see :meth:`is_http`)."""

    name: str
    port: int
    target_port: int | str | None = None
    protocol: str = "TCP"
    app_protocol: str | None = None

    def is_http(self) -> bool:
        """Istio's explicit protocol selection: ``appProtocol`` first, else the port name's
        prefix (``http``, ``http-web``, ``http2``, ``grpc``...). Anything else, including
        an unnamed port, is carried as plain TCP (mongodb's ``mongo``, mysql's ``tcp``):
        bytes pass unchanged, without HTTP routing. Istio would sniff an unnamed port;
        a TCP proxy is the choice that never breaks a non-HTTP protocol."""
        if self.app_protocol:
            return self.app_protocol.lower() in HTTP_APP_PROTOCOLS
        return (self.name or "").lower().split("-", 1)[0] in HTTP_PORT_NAME_PREFIXES


@dataclass(frozen=True)
class Service:
    """A Kubernetes Service; its endpoints are the workloads its selector matches."""

    name: str
    namespace: str
    labels: Mapping[str, str]
    selector: Mapping[str, str]
    ports: list[ServicePort]

    @classmethod
    def from_object(cls, obj: Mapping) -> "Service":
        """The stored (validated) Service object in typed form."""
        meta, spec = obj["metadata"], obj.get("spec") or {}
        return cls(name=meta["name"], namespace=meta.get("namespace") or DEFAULT_NAMESPACE,
                   labels=dict(meta.get("labels") or {}), selector=dict(spec.get("selector") or {}),
                   ports=[ServicePort(name=p.get("name", ""), port=p["port"],
                                      target_port=p.get("targetPort"),
                                      protocol=p.get("protocol", "TCP"),
                                      app_protocol=p.get("appProtocol"))
                          for p in spec.get("ports") or ()])

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{self.namespace}.{DOMAIN_SUFFIX}"

    def hosts(self) -> tuple[str, ...]:
        """Every spelling of the Service's DNS name a pod could use."""
        return (self.name, f"{self.name}.{self.namespace}", f"{self.name}.{self.namespace}.svc",
                self.fqdn)

    def port(self, number: int | None) -> ServicePort | None:
        """The port with this number, or the only port when ``number`` is None."""
        if number is None:
            return self.ports[0] if len(self.ports) == 1 else None
        return next((p for p in self.ports if p.port == number), None)
