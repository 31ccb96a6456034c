"""Envoy's tracer on each HTTP listener, as the Telemetry API and the mesh config decide.

Every HTTP connection manager of a proxy that traces gets Envoy's OpenTelemetry tracer
(OTLP over HTTP, protobuf bodies) or its Zipkin tracer, reporting as the proxy Istio's
way (``productpage.default``); one Envoy plays every proxy, and Envoy keeps a tracer per
distinct configuration, so each proxy's spans carry its own service name. A span is the
listener's: the gateway's and a sidecar's outbound side are Envoy's egress (client)
spans, a sidecar's inbound side its ingress (server) span, each the child of the span
whose context the request carries (``traceparent``; B3 for Zipkin, which also writes
``traceparent``, so the services, which prefer it, see the proxy's span whichever tracer
runs), so with the services propagating context one page view is one trace. Sampling is
``randomSamplingPercentage`` (the demo profile's 100 %); Istio's own tags
(``istio.canonical_service``, ...) and the Telemetry's ``customTags`` are added to
every span. The collector is reached through a cluster built from its address.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from . import envoy_types as t
from .mesh_config import OPENTELEMETRY, Collector, MeshConfig
from .peers import Peer
from .telemetry import Tracing

OPENTELEMETRY_CONFIG = "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig"
ZIPKIN_CONFIG = "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig"
UUID_REQUEST_ID = "type.googleapis.com/envoy.extensions.request_id.uuid.v3.UuidRequestIdConfig"
COLLECTOR_TIMEOUT = "5s"
MESH_ID = "cluster.local"


def http_tracing(tracing: Tracing, local: Peer) -> dict | None:
    """The HTTP connection manager's ``tracing``; None when the listener makes no spans
    (no tracer, or ``disableSpanReporting``: context then passes through unchanged)."""
    provider = tracing.provider
    if provider is None or provider.collector is None or not tracing.report_spans:
        return None
    collector = provider.collector
    service = {"http_uri": {"uri": collector.url, "cluster": collector.cluster_name, "timeout": COLLECTOR_TIMEOUT}}
    if provider.kind == OPENTELEMETRY:
        tracer = {"name": "envoy.tracers.opentelemetry", "typed_config": {
            "@type": OPENTELEMETRY_CONFIG, "service_name": local.service_name, "http_service": service}}
    else:
        tracer = {"name": "envoy.tracers.zipkin", "typed_config": {
            "@type": ZIPKIN_CONFIG, "collector_service": service, "collector_endpoint_version": "HTTP_JSON",
            "trace_id_128bit": not provider.trace_id_64bit, "shared_span_context": False,
            "trace_context_option": "USE_B3_WITH_W3C_PROPAGATION"}}
    tags = _istio_tags(local) if tracing.istio_tags else []
    tags += [_custom_tag(name, spec) for name, spec in sorted(tracing.custom_tags.items())]
    out: dict = {"provider": tracer, "random_sampling": {"value": tracing.sampling}}
    if tags:
        out["custom_tags"] = tags
    return out


def request_id(tracing: Tracing) -> dict | None:
    """The HTTP connection manager's ``request_id_extension`` for
    ``useRequestIdForTraceSampling`` (None: Envoy's default, which uses it)."""
    if tracing.request_id_sampling is None:
        return None
    return {"typed_config": {"@type": UUID_REQUEST_ID,
                             "use_request_id_for_trace_sampling": tracing.request_id_sampling}}


def collector_clusters(mesh: MeshConfig) -> list[dict]:
    """One cluster per collector a tracing provider of ``mesh`` names."""
    collectors = {p.collector.cluster_name: p.collector for p in mesh.providers.values() if p.collector}
    return [_collector_cluster(collector) for _, collector in sorted(collectors.items())]


def _collector_cluster(collector: Collector) -> dict:
    """The collector's address as it is given: an IP address as is, a name through DNS."""
    try:
        ipaddress.ip_address(collector.host)
        kind: dict = {"type": "STATIC"}
    except ValueError:
        kind = {"type": "STRICT_DNS", "dns_lookup_family": "V4_PREFERRED"}
    return {"@type": t.CLUSTER, "name": collector.cluster_name, "connect_timeout": "1s", **kind,
            "load_assignment": {"cluster_name": collector.cluster_name, "endpoints": [{"lb_endpoints": [
                {"endpoint": {"address": t.socket_address(collector.port, collector.host)}}]}]}}


def _istio_tags(local: Peer) -> list[dict]:
    """The tags Istio's proxies add to every span."""
    return [{"tag": name, "literal": {"value": value}} for name, value in (
        ("istio.canonical_revision", local.canonical_revision), ("istio.canonical_service", local.canonical_service),
        ("istio.mesh_id", MESH_ID), ("istio.namespace", local.namespace))]


def _custom_tag(name: str, spec: Mapping) -> dict:
    """A Telemetry ``customTags`` entry: literal, request header, environment (of the
    proxy: here the one Envoy's), or an Envoy formatter."""
    if "literal" in spec:
        return {"tag": name, "literal": {"value": spec["literal"].get("value", "")}}
    if "header" in spec:
        header = spec["header"]
        return {"tag": name, "request_header": {"name": header["name"],
                                                "default_value": header.get("defaultValue", "")}}
    if "environment" in spec:
        environment = spec["environment"]
        return {"tag": name, "environment": {"name": environment["name"],
                                             "default_value": environment.get("defaultValue", "")}}
    return {"tag": name, "value": spec["formatter"]["value"]}
