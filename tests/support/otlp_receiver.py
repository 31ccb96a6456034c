"""A real local OTLP/HTTP receiver, for the tests that a service exports its spans."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from .net import wait_until
from .processes import ServiceProcess


class OtlpReceiver:
    """A local OTLP/HTTP receiver: keeps the protobuf bodies POSTed to /v1/traces."""

    def __init__(self):
        self.bodies: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/v1/traces" and self.headers["Content-Type"] == "application/x-protobuf":
                    receiver.bodies.append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def spans(self) -> list[tuple[str, str]]:
        """(service.name, span name) of every span received so far."""
        found = []
        for body in list(self.bodies):
            request = ExportTraceServiceRequest.FromString(body)
            for resource_spans in request.resource_spans:
                names = [a.value.string_value for a in resource_spans.resource.attributes
                         if a.key == "service.name"]
                for scope_spans in resource_spans.scope_spans:
                    found += [(names[0] if names else "", s.name) for s in scope_spans.spans]
        return found

    def close(self):
        self.server.shutdown()
        self.server.server_close()


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
