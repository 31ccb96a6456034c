"""OpenTelemetry set-up shared by the four Flask apps.

When the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or the traces-specific variant) is
set, every app gets server spans from opentelemetry-instrumentation-flask, exported over
OTLP, and a global propagator that reads W3C trace context and B3 (multi and single
header); productpage's B3 headers then carry its own span.

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
_provider_lock = threading.Lock()
_provider_installed = False


def exporter_configured(environ: Mapping[str, str]) -> bool:
    """Whether the standard OTLP endpoint variables ask for spans to be exported."""
    return bool(
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


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
        propagate.set_global_textmap(
            CompositePropagator([TraceContextTextMapPropagator(), B3MultiFormat()])
        )
        _provider_installed = True


def instrument(app: Flask, service_name: str, export: bool) -> None:
    """With an exporter (``export``), server spans for every request of ``app``; without
    one, nothing (see the module)."""
    if not export:
        return
    _install_provider(service_name)
    FlaskInstrumentor().instrument_app(app, excluded_urls="health,metrics")


def b3_headers(incoming: Mapping[str, str], export: bool) -> dict[str, str]:
    """The three B3 headers productpage sends to its back-ends
    (docs/upstream-behaviour.md#productpage-headers-sent-to-the-back-ends).

    Without an exporter the incoming context is re-emitted as parsed (trace id padded
    to 32 hex digits, the same span id, sampled ``1``/``0``), which is what upstream
    does. With an exporter the current server span is the parent, so the exported
    trace links productpage's span to the back-end's.
    """
    carrier: dict[str, str] = {}
    if export:
        _B3.inject(carrier, context=otel_context.get_current())
    else:
        lowered = {k.lower(): v for k, v in incoming.items()}
        _B3.inject(carrier, context=_B3.extract(lowered))
    return carrier
