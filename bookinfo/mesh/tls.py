"""TLS between the proxies: Istio's mutual TLS with the mesh CA's certificates, and the TLS
a DestinationRule originates to a host outside the mesh.

A mutual TLS hop presents the caller's certificate and checks the server's against the
mesh root and the server identities expected behind the cluster (Istio's SAN check); the
server's sidecar presents its own and requires the caller's, so it knows the caller's
identity (``source.principal``) and passes it on in ``x-forwarded-client-cert``.
"""
from __future__ import annotations

from collections.abc import Iterable

from . import envoy_types as t
from .model import MeshInputs, Workload, WorkloadCertificate
from .peer_authentication import DISABLE, PeerAuthentications

TLS_SOCKET = "envoy.transport_sockets.tls"
# Endpoint metadata and transport socket match of auto mTLS, as Istio names them: an
# endpoint labelled tlsMode=istio has a sidecar that takes mutual TLS.
TRANSPORT_SOCKET_MATCH = "envoy.transport_socket_match"
ISTIO_TLS_MODE = {"tlsMode": "istio"}


class MeshTls:
    """The mesh's certificates and each workload's PeerAuthentication mode."""

    def __init__(self, inputs: MeshInputs, peers: PeerAuthentications):
        self._root = inputs.root_certificate
        self._certificates = inputs.certificates
        self.peers = peers

    def accepts_mtls(self, workload: Workload) -> bool:
        """Whether auto mTLS sends this endpoint mutual TLS: it has a sidecar whose
        PeerAuthentication mode is not DISABLE (Istio checks both per endpoint)."""
        return workload.inbound_port is not None and self.peers.mode(workload) != DISABLE

    def upstream(self, caller: str, servers: Iterable[str], sni: str) -> dict:
        """The caller's side of a mutual TLS hop to any of ``servers`` (SPIFFE IDs)."""
        context = self._common(caller)
        expected = sorted(set(servers))
        if expected:
            context["validation_context"]["match_typed_subject_alt_names"] = [
                {"san_type": "URI", "matcher": {"exact": identity}} for identity in expected]
        return _socket(t.UPSTREAM_TLS, {"common_tls_context": context, "sni": sni})

    def downstream(self, workload: Workload) -> dict:
        """The server's side: its own certificate, and the caller's required."""
        return _socket(t.DOWNSTREAM_TLS, {"common_tls_context": self._common(workload.identity),
                                          "require_client_certificate": True})

    def _common(self, identity: str) -> dict:
        certificate = self._certificate(identity)
        return {"tls_certificates": [{"certificate_chain": {"filename": certificate.chain},
                                      "private_key": {"filename": certificate.key}}],
                "validation_context": {"trusted_ca": {"filename": self._root}}}

    def _certificate(self, identity: str) -> WorkloadCertificate:
        try:
            return self._certificates[identity]
        except KeyError:
            raise ValueError(f"no certificate issued for {identity}") from None


def originated(settings: dict, host: str) -> dict:
    """A DestinationRule's ``SIMPLE`` TLS to an upstream outside the mesh (no client
    certificate; the modes that need certificate files are refused by support.py)."""
    return _socket(t.UPSTREAM_TLS, {"sni": settings.get("sni") or host})


def sni(host: str, port: int | None, subset: str | None) -> str:
    """Istio's SNI for a mesh hop: ``outbound_.9080_.v1_.reviews.default.svc.cluster.local``."""
    return f"outbound_.{port or ''}_.{subset or ''}_.{host}"


def _socket(type_url: str, config: dict) -> dict:
    return {"name": TLS_SOCKET, "typed_config": {"@type": type_url, **config}}
