"""Telemetry objects (``telemetry.istio.io``): what each proxy reports, in Istio's hierarchy.

For one proxy and one mode (``CLIENT``: a sidecar's outbound side and the gateway;
``SERVER``: a sidecar's inbound side), at most one Telemetry applies per level, the
oldest of its level, from the least specific to the most: the root namespace's without a
selector (mesh), the proxy's namespace's without a selector, then one that selects the
proxy by ``selector`` or ``targetRefs`` (workload); a more specific one overrides what it
sets and inherits the rest. What none sets comes from the mesh configuration
(bookinfo.mesh.mesh_config): its default providers and sampling.

- ``accessLogging``: per provider (the entry's, or the default ones), on or ``disabled``,
  with an optional ``filter.expression`` (CEL, Envoy's own filter evaluates it).
- ``tracing``: the first provider that is a tracer, ``randomSamplingPercentage``,
  ``customTags`` (merged by name), ``disableSpanReporting``, ``enableIstioTags``,
  ``useRequestIdForTraceSampling``.
- ``metrics``: the providers (Istio's standard metrics are reported while ``prometheus``
  is one) and ``overrides``: per metric and mode, ``disabled`` and ``tagOverrides``.

A provider name the mesh configuration does not define is ignored, as istiod ignores it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bookinfo.objects.kinds import ISTIO_TELEMETRY

from .identity import ROOT_NAMESPACE
from .mesh_config import FILE_ACCESS_LOG, OPENTELEMETRY, PROMETHEUS, ZIPKIN, MeshConfig, Provider
from .proxies import PolicyScope, Proxy
from .registry import Registry, namespace_of, objects_of_kind

CLIENT, SERVER = "CLIENT", "SERVER"
ALL_METRICS = "ALL_METRICS"
STANDARD_METRICS = ("REQUEST_COUNT", "REQUEST_DURATION", "REQUEST_SIZE", "RESPONSE_SIZE",
                    "TCP_OPENED_CONNECTIONS", "TCP_CLOSED_CONNECTIONS", "TCP_SENT_BYTES", "TCP_RECEIVED_BYTES")


@dataclass(frozen=True)
class AccessLog:
    """One access log a listener writes: its provider, and the CEL filter on its lines."""

    provider: Provider
    filter: str | None = None


@dataclass(frozen=True)
class Tracing:
    """How a listener traces: ``provider`` None means it makes no spans at all."""

    provider: Provider | None
    sampling: float
    custom_tags: Mapping[str, Mapping] = field(default_factory=dict)
    report_spans: bool = True
    istio_tags: bool = True
    request_id_sampling: bool | None = None


@dataclass(frozen=True)
class TagChange:
    """A ``tagOverrides`` entry: REMOVE (``value`` None) or UPSERT with a CEL expression."""

    value: str | None


@dataclass(frozen=True)
class Metrics:
    """Which standard metrics a listener reports, and the changes to their tags."""

    reported: bool
    disabled: frozenset[str] = frozenset()
    tags: Mapping[str, Mapping[str, TagChange]] = field(default_factory=dict)

    def enabled(self, metric: str) -> bool:
        return self.reported and metric not in self.disabled


class TelemetryPolicies:
    """Answers "what does this proxy report in this mode?" over one configuration."""

    def __init__(self, config: list[dict], registry: Registry, mesh: MeshConfig):
        self.mesh = mesh
        self._scope = PolicyScope(config, registry)
        self._telemetries = objects_of_kind(config, "Telemetry", ISTIO_TELEMETRY)

    def access_logs(self, proxy: Proxy, mode: str) -> list[AccessLog]:
        state: dict[str, AccessLog | None] = {name: AccessLog(self.mesh.providers[name])
                                              for name in self.mesh.default_access_logging}
        for entry in self._entries(proxy, mode, "accessLogging"):
            for name in _names(entry) or self.mesh.default_access_logging:
                provider = self.mesh.provider(name)
                if provider is None or provider.kind != FILE_ACCESS_LOG:
                    continue
                expression = (entry.get("filter") or {}).get("expression")
                state[name] = None if entry.get("disabled") else AccessLog(provider, expression or None)
        return [log for log in state.values() if log is not None]

    def tracing(self, proxy: Proxy, mode: str) -> Tracing:
        names: tuple[str, ...] = self.mesh.default_tracing if self.mesh.tracing else ()
        sampling, tags, report, istio_tags, by_request_id = self.mesh.sampling, {}, True, True, None
        for entry in self._entries(proxy, mode, "tracing"):
            names = tuple(_names(entry)) or names or self.mesh.default_tracing
            if entry.get("randomSamplingPercentage") is not None:
                sampling = float(entry["randomSamplingPercentage"])
            tags.update(entry.get("customTags") or {})
            if entry.get("disableSpanReporting") is not None:
                report = not entry["disableSpanReporting"]
            if entry.get("enableIstioTags") is not None:
                istio_tags = bool(entry["enableIstioTags"])
            if entry.get("useRequestIdForTraceSampling") is not None:
                by_request_id = bool(entry["useRequestIdForTraceSampling"])
        tracers = [self.mesh.providers[n] for n in names
                   if n in self.mesh.providers and self.mesh.providers[n].kind in (OPENTELEMETRY, ZIPKIN)]
        return Tracing(tracers[0] if tracers else None, sampling, tags, report, istio_tags, by_request_id)

    def metrics(self, proxy: Proxy, mode: str) -> Metrics:
        names = self.mesh.default_metrics
        disabled: set[str] = set()
        tags: dict[str, dict[str, TagChange]] = {}
        for entry in self._entries(proxy, mode, "metrics"):
            names = tuple(_names(entry)) or names
            for override in entry.get("overrides") or []:
                match = override.get("match") or {}
                if not _covers(match.get("mode"), mode):
                    continue
                metric = match.get("metric") or ALL_METRICS
                for name in STANDARD_METRICS if metric == ALL_METRICS else (metric,):
                    if override.get("disabled") is not None:
                        (disabled.add if override["disabled"] else disabled.discard)(name)
                    for tag, change in (override.get("tagOverrides") or {}).items():
                        removed = (change or {}).get("operation") == "REMOVE"
                        tags.setdefault(name, {})[tag] = TagChange(None if removed else change.get("value", ""))
        reported = any((p := self.mesh.provider(n)) is not None and p.kind == PROMETHEUS for n in names)
        return Metrics(reported, frozenset(disabled), tags)

    def _entries(self, proxy: Proxy, mode: str, section: str) -> list[dict]:
        """The section's entries that apply to ``mode``, least specific Telemetry first."""
        return [entry for telemetry in self._applicable(proxy)
                for entry in (telemetry.get("spec") or {}).get(section) or []
                if _covers((entry.get("match") or {}).get("mode"), mode)]

    def _applicable(self, proxy: Proxy) -> list[dict]:
        levels: list[dict | None] = [None, None, None]
        for telemetry in self._telemetries:
            if not self._scope.selects(telemetry, proxy):
                continue
            level = _level(telemetry)
            if levels[level] is None:
                levels[level] = telemetry  # the oldest of each level, as istiod picks it
        return [t for t in levels if t is not None]


def _level(telemetry: dict) -> int:
    spec = telemetry.get("spec") or {}
    if (spec.get("selector") or {}).get("matchLabels") or spec.get("targetRefs") or spec.get("targetRef"):
        return 2
    return 0 if namespace_of(telemetry) == ROOT_NAMESPACE else 1


def _names(entry: Mapping) -> list[str]:
    return [p["name"] for p in entry.get("providers") or [] if p.get("name")]


def _covers(match_mode: str | None, mode: str) -> bool:
    return match_mode in (None, "CLIENT_AND_SERVER", mode)
