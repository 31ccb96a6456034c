"""The filters each proxy's listeners run before routing, from the policies selecting it.

In Istio's order: extensions of the ``AUTHN`` phase, the JWT filter (RequestAuthentication),
``AUTHZ`` extensions, the RBAC filters (AuthorizationPolicy: audit, deny, allow),
``STATS`` extensions, the fault filter (routes' faults; not on the inbound side, where no
route injects one), the extensions without a phase; then the router. Authentication and
authorization apply where Istio applies them: a sidecar's inbound side and the gateway,
never a sidecar's outbound side.
"""
from __future__ import annotations

from collections.abc import Iterable

from bookinfo.objects.kinds import ISTIO_EXTENSIONS, ISTIO_SECURITY

from .authorization import rbac_filters
from .extensions import AUTHN, AUTHZ, STATS, UNSPECIFIED, lua_filters
from .listeners import FAULT
from .proxies import PolicyScope, Proxy
from .registry import Registry, objects_of_kind
from .request_authentication import jwt_filter


class ProxyFilters:
    """The security policies and extensions of one configuration, per proxy."""

    def __init__(self, config: list[dict], registry: Registry):
        self._scope = PolicyScope(config, registry)
        self._authorizations = objects_of_kind(config, "AuthorizationPolicy", ISTIO_SECURITY)
        self._authentications = objects_of_kind(config, "RequestAuthentication", ISTIO_SECURITY)
        self._extensions = objects_of_kind(config, "TrafficExtension", ISTIO_EXTENSIONS)
        self._clusters: dict[str, dict] = {}

    def serving(self, proxy: Proxy, ports: Iterable[int], fault: bool = False) -> list[dict]:
        """HTTP filters where ``proxy`` takes requests: a sidecar's inbound side, or the
        gateway (``fault``: it also applies its routes' faults)."""
        ports = frozenset(ports)
        phases = lua_filters(self._selecting(self._extensions, proxy), inbound=not proxy.is_gateway, ports=ports)
        jwt, clusters = jwt_filter(self._selecting(self._authentications, proxy))
        self._clusters.update((c["name"], c) for c in clusters)
        return [*phases[AUTHN], *([jwt] if jwt else []), *phases[AUTHZ],
                *rbac_filters(self._selecting(self._authorizations, proxy), ports), *phases[STATS],
                *([FAULT] if fault else []), *phases[UNSPECIFIED]]

    def sending(self, proxy: Proxy | None, ports: Iterable[int]) -> list[dict]:
        """HTTP filters of a sidecar's outbound listener (``proxy`` None: a caller without one)."""
        phases = lua_filters(self._selecting(self._extensions, proxy) if proxy else [], inbound=False, ports=ports)
        return [*phases[AUTHN], *phases[AUTHZ], *phases[STATS], FAULT, *phases[UNSPECIFIED]]

    def tcp_serving(self, proxy: Proxy, ports: Iterable[int]) -> list[dict]:
        """Network filters before a TCP workload's proxy: authorization only."""
        return rbac_filters(self._selecting(self._authorizations, proxy), ports, http=False)

    def clusters(self) -> list[dict]:
        """Clusters the filters need (remote JWKS), each once."""
        return list(self._clusters.values())

    def _selecting(self, objects: list[dict], proxy: Proxy) -> list[dict]:
        return [o for o in objects if self._scope.selects(o, proxy)]
