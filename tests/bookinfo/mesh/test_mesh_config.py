"""The mesh config: Istio's meshConfig shape, the demo profile's defaults, the providers
``--otlp-endpoint`` and ``--zipkin-endpoint`` add, and fields refused by name."""
from __future__ import annotations

import pytest
import yaml

from bookinfo.errors import MeshConfigError
from bookinfo.mesh.mesh_config import (ENVOY_PROVIDER, OTLP_PROVIDER, PROMETHEUS_PROVIDER, ZIPKIN_PROVIDER,
                                       Collector, MeshConfig, read_mesh_config, with_endpoints)


def test_the_default_is_the_demo_profile():
    mesh = MeshConfig.parse(None)
    assert mesh.default_access_logging == (ENVOY_PROVIDER,)
    assert mesh.default_metrics == (PROMETHEUS_PROVIDER,)
    assert (mesh.sampling, mesh.tracing, mesh.default_tracing) == (100.0, True, ())
    assert mesh.otlp_collector() is None


def test_an_otlp_endpoint_is_the_default_tracer_and_the_services_collector():
    mesh = MeshConfig.parse(with_endpoints(None, otlp="http://127.0.0.1:4318"))
    assert mesh.default_tracing == (OTLP_PROVIDER,)
    assert mesh.otlp_collector() == Collector("127.0.0.1", 4318, "/v1/traces")
    under_a_path = MeshConfig.parse(with_endpoints(None, otlp="http://collector.local:4318/otlp/"))
    assert under_a_path.otlp_collector().url == "http://collector.local:4318/otlp/v1/traces"


def test_a_zipkin_endpoint_gets_zipkins_path_unless_it_names_one():
    mesh = MeshConfig.parse(with_endpoints(None, zipkin="http://localhost:9411"))
    assert mesh.providers[ZIPKIN_PROVIDER].collector.url == "http://localhost:9411/api/v2/spans"
    assert mesh.default_tracing == (ZIPKIN_PROVIDER,) and mesh.otlp_collector() is None
    both = MeshConfig.parse(with_endpoints(None, otlp="http://127.0.0.1:1", zipkin="http://127.0.0.1:2/spans"))
    assert both.default_tracing == (OTLP_PROVIDER,)
    assert both.providers[ZIPKIN_PROVIDER].collector.path == "/spans"


@pytest.mark.parametrize("url", ["https://127.0.0.1:4318", "127.0.0.1:4318", "http://127.0.0.1", "http://h:1/?q=1"])
def test_an_endpoint_that_is_not_http_host_port_is_refused(url):
    with pytest.raises(MeshConfigError, match=r"^--otlp-endpoint .*: give http://HOST:PORT\[/PATH\]$"):
        with_endpoints(None, otlp=url)


MESH = """
accessLogFile: /dev/stdout
accessLogEncoding: JSON
enableTracing: true
defaultConfig: {tracing: {sampling: 10}}
defaultProviders: {tracing: [otel-tracing], metrics: [prometheus]}
extensionProviders:
- name: otel-tracing
  opentelemetry: {service: opentelemetry-collector.observability.svc.cluster.local, port: 4318,
                  http: {path: /v1/traces}}
- name: jaeger
  zipkin: {service: 127.0.0.1, port: 9411}
- name: text
  envoyFileAccessLog: {path: /dev/stdout, logFormat: {text: "%REQ(:METHOD)% %RESPONSE_CODE%"}}
"""


def test_istios_meshconfig_shape_reads_as_written():
    mesh = MeshConfig.parse(yaml.safe_load(MESH))
    assert mesh.sampling == 10.0
    assert mesh.otlp_collector().host == "opentelemetry-collector.observability.svc.cluster.local"
    assert mesh.providers[ENVOY_PROVIDER].log_json and mesh.providers[ENVOY_PROVIDER].log_labels is None
    assert mesh.providers["text"].log_text == "%REQ(:METHOD)% %RESPONSE_CODE%"
    assert mesh.providers["jaeger"].collector.path == "/api/v2/spans"


def test_no_access_log_file_means_no_default_access_log():
    assert MeshConfig.parse({"accessLogFile": ""}).default_access_logging == ()


@pytest.mark.parametrize("mesh, message", [
    ({"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}, "meshConfig.outboundTrafficPolicy: not implemented"),
    ({"accessLogFile": "/var/log/envoy.log"}, "meshConfig.accessLogFile=/var/log/envoy.log: not implemented"),
    ({"extensionProviders": [{"name": "x", "skywalking": {"service": "s", "port": 1}}]},
     "meshConfig.extensionProviders[0].skywalking: not implemented"),
    ({"extensionProviders": [{"name": "grpc", "opentelemetry": {"service": "s", "port": 4317}}]},
     "only OTLP over HTTP"),
    ({"extensionProviders": [{"name": "nowhere", "zipkin": {"service": "s"}}]}, "service and port"),
    ({"defaultProviders": {"tracing": ["missing"]}}, "no extension provider named 'missing'"),
])
def test_what_the_local_mesh_cannot_use_is_refused_by_name(mesh, message):
    with pytest.raises(MeshConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        MeshConfig.parse(mesh)


@pytest.mark.parametrize("document", [
    "meshConfig: {enableTracing: false}",
    "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec: {meshConfig: {enableTracing: false}}",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio}\ndata:\n  mesh: |\n    enableTracing: false\n",
    "enableTracing: false",
])
def test_a_mesh_config_file_is_read_where_istio_keeps_it(tmp_path, document):
    path = tmp_path / "mesh.yaml"
    path.write_text(document)
    assert read_mesh_config(path) == {"enableTracing": False}


def test_an_unreadable_mesh_config_file_is_one_line(tmp_path):
    with pytest.raises(MeshConfigError, match=r"^--mesh-config .*missing.yaml: .*No such file"):
        read_mesh_config(tmp_path / "missing.yaml")
