"""The Telemetry API in the translation: which listeners log, trace and count what,
by Istio's hierarchy (mesh, namespace, workload; the oldest of each level), mode and
provider."""
from __future__ import annotations

from dataclasses import replace

import pytest

from bookinfo.mesh.cel_attributes import attribute_format
from bookinfo.mesh.mesh_config import MeshConfig, with_endpoints
from bookinfo.mesh.support import unsupported_fields
from bookinfo.mesh.translate import GATEWAY_LISTENER, build, outbound_name

from .builders import inputs, listener, objects

MESH = MeshConfig.parse(with_endpoints(None, otlp="http://127.0.0.1:4318"))
REVIEWS_OUT = outbound_name("reviews-v2", "ratings", 9080)
PRODUCTPAGE_OUT = outbound_name("productpage-v1", "reviews", 9080)
REVIEWS_IN = "inbound|reviews-v2|9080"


def telemetry(name: str, spec: str, namespace: str = "default") -> str:
    return (f"apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {{name: {name}, namespace: {namespace}}}\n"
            f"spec:\n{spec}\n---\n")


def translated(*documents: str, mesh: MeshConfig = MESH, logs: str = "/logs"):
    return build(replace(inputs(*documents, sidecars=True), access_log_dir=logs, mesh_config=mesh))


def managers(resources, name: str) -> list[dict]:
    """The connection managers (or TCP proxies) of every filter chain of a listener."""
    return [chain["filters"][-1]["typed_config"] for chain in listener(resources, name)["filter_chains"]]


def file_logs(manager: dict) -> list[dict]:
    return [log for log in manager.get("access_log", []) if log["name"] == "envoy.access_loggers.file"]


def counters(manager: dict) -> list[str]:
    return [c["stat"]["name"] for log in manager.get("access_log", []) if log["name"] == "istio.stats"
            for c in log["typed_config"].get("counters", [])]


def logs_of(resources, name: str) -> int:
    return sum(len(file_logs(m)) for m in managers(resources, name))


def test_without_telemetry_every_listener_logs_and_counts_and_traces():
    resources = translated()
    for name in (REVIEWS_OUT, REVIEWS_IN, GATEWAY_LISTENER):
        for manager in managers(resources, name):
            assert len(file_logs(manager)) == 1 and "requests_total" in counters(manager), name
            assert manager["tracing"]["random_sampling"] == {"value": 100.0}


def test_a_workload_telemetry_turns_its_access_logs_off_and_no_other():
    resources = translated(telemetry("reviews-off", "  selector: {matchLabels: {app: reviews}}\n"
                                                    "  accessLogging: [{disabled: true}]"))
    assert logs_of(resources, REVIEWS_OUT) == logs_of(resources, REVIEWS_IN) == 0
    assert logs_of(resources, PRODUCTPAGE_OUT) == 1 and logs_of(resources, GATEWAY_LISTENER) == 1


def test_a_mode_limits_a_setting_to_one_side():
    resources = translated(telemetry("server-off", "  accessLogging: [{disabled: true, match: {mode: SERVER}}]"))
    assert logs_of(resources, REVIEWS_IN) == 0 and logs_of(resources, REVIEWS_OUT) == 1


def test_the_more_specific_telemetry_wins_and_the_oldest_of_a_level():
    mesh_off = telemetry("mesh-off", "  accessLogging: [{disabled: true}]", namespace="istio-system")
    namespace_on = telemetry("namespace-on", "  accessLogging: [{disabled: false}]")
    newer = telemetry("namespace-off", "  accessLogging: [{disabled: true}]")
    resources = translated(mesh_off, namespace_on, newer)
    assert logs_of(resources, REVIEWS_OUT) == 1  # namespace-on: the namespace's oldest
    assert logs_of(resources, GATEWAY_LISTENER) == 0  # the gateway is in istio-system


def test_a_filter_expression_becomes_envoys_cel_filter():
    resources = translated(telemetry("errors", "  accessLogging: [{filter: {expression: 'response.code >= 500'}}]"))
    [log] = file_logs(managers(resources, REVIEWS_OUT)[0])
    assert log["filter"]["extension_filter"]["typed_config"]["expression"] == "response.code >= 500"


def test_target_refs_to_a_gateway_select_the_gateway():
    gateway = ("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: bookinfo-gateway}\n"
               "spec: {gatewayClassName: istio, listeners: [{name: http, port: 80, protocol: HTTP}]}\n---\n")
    resources = translated(gateway, telemetry("gw-off", "  targetRefs: [{kind: Gateway, group: "
                                                        "gateway.networking.k8s.io, name: bookinfo-gateway}]\n"
                                                        "  accessLogging: [{disabled: true}]"))
    assert logs_of(resources, GATEWAY_LISTENER) == 0 and logs_of(resources, REVIEWS_OUT) == 1


def test_tracing_settings_inherit_and_override_field_by_field():
    resources = translated(
        telemetry("mesh", "  tracing: [{randomSamplingPercentage: 10, customTags: {a: {literal: {value: x}}}}]",
                  namespace="istio-system"),
        telemetry("reviews", "  selector: {matchLabels: {app: reviews}}\n"
                             "  tracing: [{customTags: {b: {header: {name: x-b}}, c: {environment: {name: HOME}}}}]"))
    tracing = managers(resources, REVIEWS_OUT)[0]["tracing"]
    assert tracing["random_sampling"] == {"value": 10.0}
    tags = {tag["tag"]: tag for tag in tracing["custom_tags"]}
    assert tags["a"]["literal"] == {"value": "x"} and tags["b"]["request_header"]["name"] == "x-b"
    assert tags["c"]["environment"] == {"name": "HOME", "default_value": ""}
    assert tags["istio.canonical_service"]["literal"] == {"value": "reviews"}
    otel = tracing["provider"]["typed_config"]
    assert (otel["service_name"], otel["http_service"]["http_uri"]["uri"]) == (
        "reviews.default", "http://127.0.0.1:4318/v1/traces")


def test_disabled_span_reporting_or_no_tracer_leaves_the_listener_without_spans():
    reporting_off = translated(telemetry("quiet", "  selector: {matchLabels: {app: reviews}}\n"
                                                  "  tracing: [{disableSpanReporting: true}]"))
    assert "tracing" not in managers(reporting_off, REVIEWS_OUT)[0]
    assert "tracing" in managers(reporting_off, PRODUCTPAGE_OUT)[0]
    assert all("tracing" not in m for m in managers(translated(mesh=MeshConfig()), REVIEWS_OUT))
    unknown = translated(telemetry("elsewhere", "  tracing: [{providers: [{name: nowhere}]}]"))
    assert all("tracing" not in m for m in managers(unknown, REVIEWS_OUT))


def test_the_collector_gets_a_cluster_of_istios_name():
    clusters = {c["name"]: c for c in translated().clusters}
    assert clusters["outbound|4318||127.0.0.1"]["type"] == "STATIC"


def test_metrics_overrides_disable_by_mode_and_metric():
    resources = translated(telemetry("no-count", "  metrics:\n  - overrides:\n"
                                                 "    - {match: {metric: REQUEST_COUNT, mode: CLIENT}, disabled: true}"))
    assert counters(managers(resources, REVIEWS_OUT)[0]) == []
    assert counters(managers(resources, REVIEWS_IN)[0]) == ["requests_total"]
    no_provider = translated(telemetry("none", "  metrics: [{providers: [{name: envoy}]}]"))
    assert all(log["name"] != "istio.stats" for log in managers(no_provider, REVIEWS_OUT)[0]["access_log"])


def test_tcp_listeners_count_connections_when_they_open_and_close():
    [proxy] = managers(translated(), outbound_name("ratings-v1", "mongodb", 27017))
    stats = [log for log in proxy["access_log"] if log["name"] == "istio.stats"]
    assert [log["filter"]["log_type_filter"]["types"] for log in stats] == [["TcpUpstreamConnected"],
                                                                           ["TcpConnectionEnd"]]
    assert proxy["access_log_options"] == {"flush_access_log_on_connected": True}
    assert file_logs(proxy)[0]["filter"] == {"log_type_filter": {"types": ["TcpConnectionEnd"]}}


@pytest.mark.parametrize("expression, operator", [
    ("request.host", "%REQ(:AUTHORITY)%"), ("string(response.code)", "%RESPONSE_CODE%"),
    ("request.headers['x-user']", "%REQ(x-user)%"), ('"literal"', "literal"),
    ("string(destination.port)", "9080"), ("request.size > 10", None), ("upstream_peer.app", None)])
def test_tag_override_expressions_are_envoy_operators_or_refused(expression, operator):
    assert attribute_format(expression, 9080) == operator


def test_telemetry_fields_without_local_meaning_are_refused_by_name():
    [telemetry_object] = objects(telemetry("t", """  metrics:
  - reportingInterval: 5s
    overrides: [{match: {customMetric: my_metric}, tagOverrides: {x: {value: "request.size > 1"}}}]
  tracing: [{disableContextPropagation: true}]"""))
    assert unsupported_fields(telemetry_object) == [
        "spec.metrics[0].reportingInterval", "spec.metrics[0].overrides[0].match.customMetric",
        "spec.metrics[0].overrides[0].tagOverrides.x.value=request.size > 1", "spec.tracing[0].disableContextPropagation"]
