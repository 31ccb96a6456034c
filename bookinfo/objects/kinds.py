"""The kinds the local runner accepts, and the names kubectl uses for each.

Kubernetes ``Ingress`` is not among them: the local mesh does not translate it, and
storing it without effect would silently ignore it (``networking/bookinfo-gateway.yaml``
and ``gateway-api/bookinfo-gateway.yaml`` expose productpage instead).

kubectl prints an object as ``<kind>.<group>/<name>`` (``service/details`` for the core
group), reports a missing one as ``<plural>.<group> "<name>" not found``, and resolves the
names typed after ``kubectl get`` (``vs``, ``virtualservices``, ...) through each
resource's singular, plural and short names. One table holds all of that, so the loader,
the store and the output agree.
"""
from __future__ import annotations

from dataclasses import dataclass

ISTIO_NETWORKING = "networking.istio.io"
ISTIO_SECURITY = "security.istio.io"
ISTIO_EXTENSIONS = "extensions.istio.io"
ISTIO_TELEMETRY = "telemetry.istio.io"
GATEWAY_API = "gateway.networking.k8s.io"
ISTIO_VERSIONS = ("v1", "v1beta1", "v1alpha3")
SECURITY_VERSIONS = ("v1", "v1beta1")
GATEWAY_API_VERSIONS = ("v1", "v1beta1")


@dataclass(frozen=True)
class Kind:
    """One resource type: its API group, kind, served versions and kubectl names."""

    group: str
    kind: str
    plural: str
    versions: tuple[str, ...]
    short_names: tuple[str, ...] = ()
    custom: bool = False  # defined by a CRD (Istio, Gateway API) rather than built in

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def qualified_singular(self) -> str:
        """``virtualservice.networking.istio.io``; ``service`` for the core group."""
        return f"{self.singular}.{self.group}" if self.group else self.singular

    @property
    def resource(self) -> str:
        """``virtualservices.networking.istio.io``: the name in NotFound errors."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def names(self) -> set[str]:
        """Every name ``kubectl get`` accepts for this kind (lower case)."""
        bare = {self.singular, self.plural, *self.short_names}
        if not self.group:
            return bare
        return bare | {f"{self.singular}.{self.group}", f"{self.plural}.{self.group}"}


KINDS: tuple[Kind, ...] = (
    Kind("", "Service", "services", ("v1",), ("svc",)),
    Kind("", "ServiceAccount", "serviceaccounts", ("v1",), ("sa",)),
    Kind("", "Secret", "secrets", ("v1",)),
    Kind("", "ConfigMap", "configmaps", ("v1",), ("cm",)),
    Kind("apps", "Deployment", "deployments", ("v1",), ("deploy",)),
    Kind(ISTIO_NETWORKING, "Gateway", "gateways", ISTIO_VERSIONS, ("gw",), custom=True),
    Kind(ISTIO_NETWORKING, "VirtualService", "virtualservices", ISTIO_VERSIONS, ("vs",), custom=True),
    Kind(ISTIO_NETWORKING, "DestinationRule", "destinationrules", ISTIO_VERSIONS, ("dr",), custom=True),
    Kind(ISTIO_NETWORKING, "ServiceEntry", "serviceentries", ISTIO_VERSIONS, ("se",), custom=True),
    Kind(ISTIO_NETWORKING, "EnvoyFilter", "envoyfilters", ("v1alpha3",), custom=True),
    Kind(ISTIO_SECURITY, "PeerAuthentication", "peerauthentications", SECURITY_VERSIONS, ("pa",), custom=True),
    Kind(ISTIO_SECURITY, "AuthorizationPolicy", "authorizationpolicies", SECURITY_VERSIONS, ("ap",), custom=True),
    Kind(ISTIO_SECURITY, "RequestAuthentication", "requestauthentications", SECURITY_VERSIONS, ("ra",),
         custom=True),
    Kind(ISTIO_EXTENSIONS, "TrafficExtension", "trafficextensions", ("v1alpha1",), custom=True),
    Kind(ISTIO_EXTENSIONS, "WasmPlugin", "wasmplugins", ("v1alpha1",), custom=True),
    Kind(ISTIO_TELEMETRY, "Telemetry", "telemetries", ("v1", "v1alpha1"), ("telemetry",), custom=True),
    Kind(GATEWAY_API, "Gateway", "gateways", GATEWAY_API_VERSIONS, ("gtw",), custom=True),
    Kind(GATEWAY_API, "HTTPRoute", "httproutes", GATEWAY_API_VERSIONS, custom=True),
)

# What the running stack reports but nobody applies: ``get`` lists them (bookinfo.runner.views
# makes them from the stack's state); an apply of one is refused like any unknown kind.
VIEW_KINDS: tuple[Kind, ...] = (
    Kind("", "Pod", "pods", ("v1",), ("po",)),
    Kind("apps", "ReplicaSet", "replicasets", ("v1",), ("rs",)),
)

# What ``kubectl get all`` lists, in its order.
ALL = (("", "Pod"), ("", "Service"), ("apps", "Deployment"), ("apps", "ReplicaSet"))

_BY_GROUP_KIND = {(k.group, k.kind): k for k in KINDS}


def split_api_version(api_version: str) -> tuple[str, str]:
    """``networking.istio.io/v1`` -> (``networking.istio.io``, ``v1``); ``v1`` -> (``""``, ``v1``)."""
    group, _, version = api_version.rpartition("/")
    return group, version


def kind_for(group: str, kind: str) -> Kind | None:
    """The table entry for an object's group and kind, or None when the runner lacks it."""
    return _BY_GROUP_KIND.get((group, kind))


def qualified_singular(group: str, kind: str) -> str:
    """kubectl's prefix for any kind, known to the table or not."""
    known = kind_for(group, kind)
    if known:
        return known.qualified_singular
    return f"{kind.lower()}.{group}" if group else kind.lower()


def resource_name(group: str, kind: str) -> str:
    """kubectl's plural resource name for any kind (a naive plural when unknown)."""
    known = kind_for(group, kind)
    if known:
        return known.resource
    plural = kind.lower() + "s"
    return f"{plural}.{group}" if group else plural


def kinds_named(name: str) -> list[Kind]:
    """The kinds a ``kubectl get`` argument can mean, most preferred first.

    ``gateway`` names both Istio's and the Gateway API's kind; Istio's comes first (the
    store picks the Gateway API one only when no Istio gateway is applied).
    """
    wanted = name.lower()
    return [k for k in (*KINDS, *VIEW_KINDS) if wanted in k.names()]


def listed_kind(group: str, kind: str) -> Kind | None:
    """The table entry of any kind ``get`` lists, applied or reported by the stack."""
    return next((k for k in (*KINDS, *VIEW_KINDS) if (k.group, k.kind) == (group, kind)), None)
