"""PeerAuthentication: which mutual TLS mode a workload's sidecar accepts on a port.

Istio's resolution, most specific first: a policy selecting the workload (its namespace,
``selector``), with its ``portLevelMtls`` entry for the workload port before its own
``mtls.mode``; then the namespace's policy (no selector); then the mesh's (root
namespace, no selector); with nothing set, PERMISSIVE. ``UNSET`` (or no ``mtls``) at one
level inherits the next. Where several policies compete at one level, the oldest wins.
"""
from __future__ import annotations

from bookinfo.objects.kinds import ISTIO_SECURITY

from .identity import ROOT_NAMESPACE
from .model import Workload
from .registry import is_kind, namespace_of

STRICT, PERMISSIVE, DISABLE, UNSET = "STRICT", "PERMISSIVE", "DISABLE", "UNSET"


class PeerAuthentications:
    """The PeerAuthentication objects of one configuration, in apply order."""

    def __init__(self, config: list[dict]):
        self._policies = [o for o in config if is_kind(o, "PeerAuthentication", ISTIO_SECURITY)]

    def mode(self, workload: Workload) -> str:
        """STRICT, PERMISSIVE or DISABLE for the workload's port."""
        for policy in self._chain(workload):
            spec = policy.get("spec") or {}
            port_level = (spec.get("portLevelMtls") or {}).get(str(workload.workload_port))
            if spec.get("selector") and port_level and port_level.get("mode", UNSET) != UNSET:
                return port_level["mode"]
            mode = (spec.get("mtls") or {}).get("mode", UNSET)
            if mode != UNSET:
                return mode
        return PERMISSIVE

    def _chain(self, workload: Workload) -> list[dict]:
        """The workload's, its namespace's and the mesh's policy, each the oldest of its level."""
        def first(candidates):
            return next(iter(candidates), None)

        in_namespace = [p for p in self._policies if namespace_of(p) == workload.namespace]
        labels = workload.labels
        chain = [first(p for p in in_namespace if _selector(p)
                       and all(labels.get(k) == v for k, v in _selector(p).items())),
                 first(p for p in in_namespace if not _selector(p)),
                 first(p for p in self._policies if namespace_of(p) == ROOT_NAMESPACE and not _selector(p))]
        return [p for p in chain if p is not None]


def _selector(policy: dict) -> dict:
    return ((policy.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
