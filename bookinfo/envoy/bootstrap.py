"""Envoy bootstraps: the running one (dynamic, from the xDS files) and a static one
with the same resources inlined, used only to have Envoy validate a configuration."""
from __future__ import annotations

from bookinfo.mesh import envoy_types as t
from bookinfo.mesh.model import EnvoyResources

from .xds import XdsFiles, config_source, inline_routes

NODE = {"id": "bookinfo-local-mesh", "cluster": "bookinfo"}
# Envoy's tracers send their spans in batches of this many (per worker thread and tracer),
# or every second, whichever comes first; Envoy's default batch, 5 spans, costs the
# collector and this machine a request every few page views' worth of spans
# (docs/performance.md#tracing-and-access-logs-issue-14).
SPAN_BATCH, SPAN_FLUSH_MS = 100, 1000
RUNTIME = {"layers": [
    {"name": "static", "static_layer": {f"tracing.{tracer}.{key}": value
                                        for tracer in ("opentelemetry", "zipkin")
                                        for key, value in (("min_flush_spans", SPAN_BATCH),
                                                           ("flush_interval_ms", SPAN_FLUSH_MS))}},
    {"name": "admin", "admin_layer": {}}]}


def dynamic_bootstrap(files: XdsFiles, admin_port: int) -> dict:
    """Admin on 127.0.0.1:admin_port; listeners and clusters from the watched files."""
    return {"node": NODE,
            "admin": {"address": t.socket_address(admin_port)},
            "layered_runtime": RUNTIME,
            "dynamic_resources": {"lds_config": config_source(files.lds),
                                  "cds_config": config_source(files.cds)}}


def static_bootstrap(resources: EnvoyResources, admin_port: int = 0) -> dict:
    """The same configuration as static resources (routes inlined in the listeners)."""
    return {"node": NODE,
            "admin": {"address": t.socket_address(admin_port)},
            "static_resources": {"listeners": [_untyped(x) for x in inline_routes(resources)],
                                 "clusters": [_untyped(x) for x in resources.clusters]}}


def _untyped(resource: dict) -> dict:
    """Static resources are typed by their field, so they carry no ``@type``."""
    return {k: v for k, v in resource.items() if k != "@type"}
