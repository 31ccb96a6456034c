"""OpenTelemetry set-up shared by the four Flask apps.

When the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or the traces-specific variant) is
set, every app gets server spans from opentelemetry-instrumentation-flask, exported over
OTLP under the standard ``OTEL_SERVICE_NAME`` when that is set (the local runner gives
both, naming a service as its proxy's spans are named), and a global propagator that
reads B3 (multi and single header) and W3C trace context. A service that exports makes
its own server span the parent of its outbound calls (:func:`own_context`), so its span
sits between its sidecar's inbound span and the outbound ones in one trace.

Without an exporter the apps are not instrumented at all. There would be nothing to
record spans for, and nothing reads a trace context: productpage re-emits the incoming
B3 trace id, span id and sampled flag unchanged (as upstream's unit tests require), and
every service copies the other tracing headers verbatim. The instrumentation of a
request that records nothing still cost about a tenth of a millisecond, more than
everything else a service adds to Flask (docs/performance.md).
"""
from __future__ import annotations

import threading
from collections.abc import Mapping

from flask import Flask
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.propagators.b3 import B3MultiFormat
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_B3 = B3MultiFormat()
# What every app reads and writes: B3 and W3C trace context. When a request carries both,
# the later, W3C, wins: the sidecar in front of the app (Envoy's OpenTelemetry tracer)
# updates only ``traceparent``, and B3 may still hold the calling app's context.
_PROPAGATOR = CompositePropagator([_B3, TraceContextTextMapPropagator()])
_provider_lock = threading.Lock()
_provider_installed = False


def exporter_configured(environ: Mapping[str, str]) -> bool:
    """Whether the standard OTLP endpoint variables ask for spans to be exported."""
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


# Headers that carry a trace context, replaced by the current span's when exporting.
TRACE_CONTEXT_HEADERS = frozenset({"traceparent", "tracestate", "b3", "x-b3-traceid", "x-b3-spanid",
                                   "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags"})


def tracer_provider(service_name: str) -> TracerProvider:
    """The provider for one service, exporting over OTLP/HTTP.

    The SDK's default sampling applies (the parent's decision, else every trace), as
    ``OTEL_TRACES_SAMPLER`` may change.
    """
    resource = Resource.create({"service.name": service_name})
    # Imported only when used: the exporter pulls in protobuf.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def _install_provider(service_name: str) -> None:
    """Set the process-wide tracer provider and propagator exactly once."""
    global _provider_installed
    with _provider_lock:
        if _provider_installed:
            return
        trace.set_tracer_provider(tracer_provider(service_name))
        propagate.set_global_textmap(_PROPAGATOR)
        _provider_installed = True


def instrument(app: Flask, service_name: str, export: bool) -> None:
    """With an exporter (``export``), server spans for every request of ``app``; without
    one, nothing (see the module)."""
    if not export:
        return
    _install_provider(service_name)
    FlaskInstrumentor().instrument_app(app, excluded_urls="health,metrics")


def b3_headers(incoming: Mapping[str, str]) -> dict[str, str]:
    """The three B3 headers productpage sends to its back-ends
    (docs/upstream-behaviour.md#productpage-headers-sent-to-the-back-ends): the incoming
    context re-emitted as parsed (trace id padded to 32 hex digits, the same span id,
    sampled ``1``/``0``), which is what upstream does.
    """
    carrier: dict[str, str] = {}
    lowered = {k.lower(): v for k, v in incoming.items()}
    _B3.inject(carrier, context=_B3.extract(lowered))
    return carrier


def own_context(headers: Mapping[str, str | bytes], export: bool) -> dict[str, str | bytes]:
    """The headers of an outbound call made while serving a request. When this service
    exports its spans, the trace context they carry is its current span's (W3C trace
    context and B3, whatever was copied from the incoming request), so the callee's
    spans are children of this service's span; otherwise they are left as they are."""
    if not export:
        return dict(headers)
    out = {name: value for name, value in headers.items() if name.lower() not in TRACE_CONTEXT_HEADERS}
    _PROPAGATOR.inject(out, context=otel_context.get_current())
    return out
