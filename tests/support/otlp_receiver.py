"""A real local OTLP/HTTP receiver, for the tests that a service (or Envoy) exports its spans."""
from __future__ import annotations

from dataclasses import dataclass

import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from .net import wait_until
from .processes import ServiceProcess
from .stub_server import Reply, StubServer


@dataclass(frozen=True)
class Span:
    """One received span: who reported it (``service``: the resource's service.name,
    ``scope``: the instrumentation scope, ``envoy`` for a proxy) and where it sits."""

    service: str
    scope: str
    name: str
    kind: int          # OTLP's SpanKind: 2 server, 3 client
    trace_id: str
    span_id: str
    parent_id: str     # "" for a root span
    attributes: dict[str, str]


class OtlpReceiver(StubServer):
    """The stub server as an OTLP/HTTP receiver: spans are the protobuf bodies POSTed to
    /v1/traces."""

    def __init__(self):
        super().__init__(Reply(content_type="application/x-protobuf"))

    def spans(self) -> list[tuple[str, str]]:
        """(service.name, span name) of every span received so far."""
        return [(span.service, span.name) for span in self.received()]

    def received(self) -> list[Span]:
        """Every span received so far, in full."""
        found = []
        for received in self.requests("/v1/traces"):
            if received.method != "POST" or received.header("content-type") != b"application/x-protobuf":
                continue
            request = ExportTraceServiceRequest.FromString(received.body)
            for resource_spans in request.resource_spans:
                names = [a.value.string_value for a in resource_spans.resource.attributes
                         if a.key == "service.name"]
                for scope_spans in resource_spans.scope_spans:
                    found += [Span(names[0] if names else "", scope_spans.scope.name, s.name, s.kind,
                                   s.trace_id.hex(), s.span_id.hex(), s.parent_span_id.hex(),
                                   {a.key: a.value.string_value for a in s.attributes})
                              for s in scope_spans.spans]
        return found


def assert_server_span_exported(service: str, path: str, env: dict[str, str] | None = None,
                                config: str = "bookinfo_common.gunicorn_conf") -> None:
    """Run ``service`` under gunicorn with an OTLP endpoint, GET ``path`` (200), and wait
    for a span of that service naming the path's first segment to reach the receiver."""
    receiver = OtlpReceiver()
    segment = "/" + path.strip("/").split("/", 1)[0]
    full_env = {**(env or {}), "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
                "OTEL_BSP_SCHEDULE_DELAY": "100"}
    try:
        with ServiceProcess(service, full_env, config=config) as server:
            assert requests.get(server.url + path, timeout=20).status_code == 200
            wait_until(lambda: any(name == service and segment in span
                                   for name, span in receiver.spans()),
                       timeout=20, what=f"the {service} server span at the OTLP receiver")
    finally:
        receiver.close()
