"""Workload identities as Istio names them: SPIFFE IDs in the ``cluster.local`` trust domain.

A workload's identity is its pod's service account, ``spiffe://cluster.local/ns/<namespace>/
sa/<serviceAccountName>``; it is the URI SAN of the certificate the mesh CA issues it, what
the callee's sidecar sees of a caller over mutual TLS, and what AuthorizationPolicy
``principals`` name (without the ``spiffe://`` scheme). The ingress gateway runs as Istio's
default ingress gateway does, in the root namespace.
"""
from __future__ import annotations

TRUST_DOMAIN = "cluster.local"
SPIFFE_SCHEME = "spiffe://"
ROOT_NAMESPACE = "istio-system"
"""Istio's config root namespace: mesh-wide policies live here, and so does the gateway."""
DEFAULT_SERVICE_ACCOUNT = "default"
GATEWAY_SERVICE_ACCOUNT = "istio-ingressgateway-service-account"


def spiffe_id(namespace: str, service_account: str | None) -> str:
    return f"{SPIFFE_SCHEME}{TRUST_DOMAIN}/ns/{namespace}/sa/{service_account or DEFAULT_SERVICE_ACCOUNT}"


GATEWAY_IDENTITY = spiffe_id(ROOT_NAMESPACE, GATEWAY_SERVICE_ACCOUNT)


def namespace_and_account(identity: str) -> tuple[str, str]:
    """``spiffe://cluster.local/ns/default/sa/x`` -> (``default``, ``x``)."""
    parts = identity.removeprefix(SPIFFE_SCHEME).split("/")
    if len(parts) != 5 or parts[1] != "ns" or parts[3] != "sa":
        raise ValueError(f"not a workload identity: {identity!r}")
    return parts[2], parts[4]
