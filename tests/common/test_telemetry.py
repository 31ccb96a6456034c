"""B3 re-emission as upstream productpage does it
(docs/upstream-behaviour.md#productpage-headers-sent-to-the-back-ends)."""
import pytest
from opentelemetry import trace
from opentelemetry.propagators.b3 import B3MultiFormat
from opentelemetry.sdk.trace import TracerProvider

from bookinfo_common.app_base import SharedConfig, base_app
from bookinfo_common.telemetry import b3_headers, exporter_configured, own_context, tracer_provider
from tests.support.otlp_receiver import assert_server_span_exported

SPAN = "e457b5a2e4d86bd1"
TRACE128 = "80f198ee56343ba864fe8b2a57d3eff7"


@pytest.mark.parametrize("incoming, expected", [
    # 128-bit sampled trace passes unchanged (upstream unit test property)
    ({"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-sampled": "1"},
     {"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-sampled": "1"}),
    # 64-bit id padded, upper case lowered, "true" sampled
    ({"X-B3-TraceId": "80F198EE56343BA8", "X-B3-SpanId": SPAN.upper(), "X-B3-Sampled": "true"},
     {"x-b3-traceid": "0000000000000000" + "80f198ee56343ba8", "x-b3-spanid": SPAN, "x-b3-sampled": "1"}),
    # no sampled header -> 0
    ({"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN},
     {"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-sampled": "0"}),
    # debug flag samples
    ({"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-flags": "1"},
     {"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-sampled": "1"}),
    # single b3 header converted, and it wins over the multi headers
    ({"b3": f"{TRACE128}-{SPAN}-1-05e3ac9a4f6e3b90", "x-b3-traceid": "1" * 32, "x-b3-spanid": "2" * 16},
     {"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-sampled": "1"}),
    # b3: 0 suppresses everything; invalid ids give nothing
    ({"b3": "0", "x-b3-traceid": TRACE128, "x-b3-spanid": SPAN}, {}),
    ({"x-b3-traceid": "xyz", "x-b3-spanid": SPAN}, {}),
    ({}, {}),
])
def test_b3_reemitted_like_upstream(incoming, expected):
    assert b3_headers(incoming) == expected


def test_parent_span_and_flags_never_forwarded():
    out = b3_headers({"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-parentspanid": "1" * 16,
                      "x-b3-flags": "1"})
    assert set(out) == {"x-b3-traceid", "x-b3-spanid", "x-b3-sampled"}


def test_exporter_only_with_the_standard_variables():
    assert not exporter_configured({})
    assert exporter_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert exporter_configured({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"})


SAMPLED_PARENT = {"x-b3-traceid": TRACE128, "x-b3-spanid": SPAN, "x-b3-sampled": "1"}


def _span_under_sampled_parent(provider):
    parent = B3MultiFormat().extract(SAMPLED_PARENT)
    return provider.get_tracer("test").start_span("GET /x", context=parent)


def test_without_an_exporter_no_app_is_instrumented():
    """No span would be recorded and no trace context read: the instrumentation would
    only cost CPU on every request."""
    app = base_app("details", "details", SharedConfig(export_spans=False))
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)


def test_with_an_exporter_spans_record(monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    provider = tracer_provider("details")
    try:
        assert _span_under_sampled_parent(provider).is_recording()
    finally:
        provider.shutdown()


def test_a_service_with_an_otlp_endpoint_exports_its_server_spans():
    assert_server_span_exported("details", "/details/0")


def test_calls_carry_the_incoming_context_unless_the_service_exports():
    incoming = {"traceparent": f"00-{TRACE128}-{SPAN}-01", "x-b3-traceid": TRACE128, "end-user": b"jason"}
    assert own_context(incoming, export=False) == incoming


def test_an_exporting_service_makes_its_own_span_the_parent_of_its_calls():
    span = _span_under_sampled_parent(TracerProvider())  # recording, as with an exporter
    with trace.use_span(span, end_on_exit=True):
        out = own_context({"traceparent": f"00-{TRACE128}-{SPAN}-01", "x-b3-spanid": SPAN,
                           "x-b3-parentspanid": "1" * 16, "end-user": "jason"}, export=True)
    own = format(span.get_span_context().span_id, "016x")
    assert out["traceparent"] == f"00-{TRACE128}-{own}-01"
    assert (out["x-b3-traceid"], out["x-b3-spanid"], out["end-user"]) == (TRACE128, own, "jason")
    assert "x-b3-parentspanid" not in out


def test_the_standard_service_name_variable_names_the_exported_spans():
    assert SharedConfig.from_environ({"OTEL_SERVICE_NAME": "details.default"}).span_service_name == "details.default"
    assert SharedConfig.from_environ({}).span_service_name is None
