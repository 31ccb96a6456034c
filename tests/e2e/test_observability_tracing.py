"""Distributed tracing end to end: ``bookinfo up --otlp-endpoint`` (and ``--zipkin-endpoint``)
with real receivers started here, the proxies' spans (Envoy's tracers) and the services'
(their OTLP exporters, given the endpoint by the runner) joined into one trace per page
view; Telemetry's sampling, custom tags and provider choice on the running stack."""
from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import pytest
import requests

from tests.support.net import wait_until
from tests.support.otlp_receiver import OtlpReceiver, Span
from tests.support.runner import RunningStack, running_stack
from tests.support.stub_server import Reply, StubServer

MANIFESTS = ("platform/kube/bookinfo.yaml", "networking/bookinfo-gateway.yaml")
SERVER, CLIENT = 2, 3  # OTLP span kinds
ENVOY = "envoy"        # the instrumentation scope of a proxy's span
APP_SCOPE = "opentelemetry.instrumentation.flask"


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    server = OtlpReceiver()
    yield server
    server.close()


@pytest.fixture(scope="module")
def zipkin() -> Iterator[StubServer]:
    server = StubServer(Reply(202))
    yield server
    server.close()


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory, receiver, zipkin) -> Iterator[RunningStack]:
    home = tmp_path_factory.mktemp("tracing")
    with running_stack(home, MANIFESTS, ["--otlp-endpoint", receiver.url, "--zipkin-endpoint", zipkin.url]) as running:
        yield running


def view(stack: RunningStack, headers: dict | None = None) -> tuple[str, str]:
    """One page view under a trace of our own (the client's context, as a browser's
    instrumentation would send it); its trace id and the page's reviews version."""
    trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
    page = requests.get(stack.url + "/productpage", timeout=30,
                        headers={"traceparent": f"00-{trace_id}-{parent}-01", **(headers or {})})
    assert page.status_code == 200
    version = "v1" if "glyphicon-star" not in page.text else ("v2" if "text-black-500" in page.text else "v3")
    return trace_id, version


def view_reaching_ratings(stack: RunningStack) -> str:
    """Page views until one is served by reviews v2 or v3 (which call ratings); its trace id."""
    reached: list[str] = []

    def one_more() -> bool:
        trace_id, version = view(stack)
        if version != "v1":
            reached.append(trace_id)
        return bool(reached)

    wait_until(one_more, timeout=60, what="a page view through reviews v2 or v3")
    return reached[0]


def trace(receiver: OtlpReceiver, trace_id: str) -> list[Span]:
    return [span for span in receiver.received() if span.trace_id == trace_id]


def one(spans: list[Span], service: str, kind: int, scope: str = ENVOY, name: str | None = None) -> Span:
    found = [s for s in spans if s.service == service and s.kind == kind and s.scope.startswith(scope)
             and (name is None or s.name == name)]
    assert len(found) == 1, (service, kind, scope, name, [(s.service, s.name, s.scope) for s in spans])
    return found[0]


def test_one_page_view_is_one_trace_through_every_proxy_and_service(stack, receiver):
    trace_id = view_reaching_ratings(stack)
    wait_until(lambda: len(trace(receiver, trace_id)) == 12, timeout=40,
               what="the 12 spans of one page view through reviews v2 or v3")
    spans = trace(receiver, trace_id)
    gateway = one(spans, "istio-ingressgateway.istio-system", CLIENT)
    product_in = one(spans, "productpage.default", SERVER)
    product_app = one(spans, "productpage.default", SERVER, APP_SCOPE)
    details_out = one(spans, "productpage.default", CLIENT, name="egress details:9080")
    reviews_out = one(spans, "productpage.default", CLIENT, name="egress reviews:9080")
    details_in, details_app = one(spans, "details.default", SERVER), one(spans, "details.default", SERVER, APP_SCOPE)
    reviews_in, reviews_app = one(spans, "reviews.default", SERVER), one(spans, "reviews.default", SERVER, APP_SCOPE)
    ratings_out = one(spans, "reviews.default", CLIENT, name="egress ratings:9080")
    ratings_in, ratings_app = one(spans, "ratings.default", SERVER), one(spans, "ratings.default", SERVER, APP_SCOPE)
    parents = [(product_in, gateway), (product_app, product_in), (details_out, product_app),
               (reviews_out, product_app), (details_in, details_out), (details_app, details_in),
               (reviews_in, reviews_out), (reviews_app, reviews_in), (ratings_out, reviews_app),
               (ratings_in, ratings_out), (ratings_app, ratings_in)]
    for child, parent in parents:
        assert child.parent_id == parent.span_id, (child.service, child.name, parent.service, parent.name)
    assert product_app.name == "GET /productpage"
    assert gateway.attributes["istio.canonical_service"] == "istio-ingressgateway"
    assert product_in.attributes["istio.namespace"] == "default"


def test_the_services_are_given_the_endpoint_by_the_runner(stack, receiver):
    pods = {pod["deployment"]: pod["env"] for pod in stack.state()["pods"]}
    assert pods["reviews-v3"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == receiver.url
    assert pods["reviews-v3"]["OTEL_SERVICE_NAME"] == "reviews.default"


def telemetry(name: str, spec: str, namespace: str = "default") -> str:
    return (f"apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {{name: {name}, namespace: {namespace}}}\n"
            f"spec:\n{spec}\n")


def change(stack: RunningStack, verb: str, *args: str, stdin: str | None = None) -> None:
    """``bookinfo apply|delete ...``, then page views until each reviews version has served
    one: a service's kept-alive connection to its sidecar's replaced listener serves one
    more request before it closes (as for any change of a listener,
    docs/local-runner.md#changing-a-running-stack)."""
    result = stack.run(verb, *args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    served: set[str] = set()
    wait_until(lambda: served.add(view(stack)[1]) or served == {"v1", "v2", "v3"}, timeout=60,
               what="a page view through each reviews version")


def test_the_opentelemetry_tasks_telemetry_adds_its_custom_tag(stack, receiver):
    change(stack, "apply", "-f", "-", stdin=telemetry("otel-demo", """  tracing:
  - providers: [{name: otel-tracing}]
    randomSamplingPercentage: 100
    customTags:
      my-attribute: {literal: {value: default-value}}
      user: {header: {name: x-user, defaultValue: anonymous}}
""", namespace="istio-system"))
    try:
        trace_id, _ = view(stack, {"x-user": "jason"})
        wait_until(lambda: len(trace(receiver, trace_id)) >= 9, timeout=40, what="the tagged page view's spans")
        proxies = [s for s in trace(receiver, trace_id) if s.scope == ENVOY]
        assert {s.attributes["my-attribute"] for s in proxies} == {"default-value"}
        assert one(trace(receiver, trace_id), "istio-ingressgateway.istio-system", CLIENT).attributes["user"] == "jason"
    finally:
        stack.run("delete", "telemetry", "otel-demo", "-n", "istio-system")


def test_unsampled_views_report_nothing_and_sampling_comes_back(stack, receiver):
    change(stack, "apply", "-f", "-", stdin=telemetry("mesh-default", "  tracing: [{randomSamplingPercentage: 0}]",
                                                      namespace="istio-system"))
    unsampled = []
    for _ in range(3):
        agent = f"unsampled-{secrets.token_hex(8)}"  # the gateway replaces an outside x-request-id
        page = requests.get(stack.url + "/productpage", headers={"user-agent": agent}, timeout=30)
        assert page.status_code == 200
        unsampled.append(agent)
    change(stack, "delete", "telemetry", "mesh-default", "-n", "istio-system")
    sampled, _ = view(stack)
    # Spans leave each tracer in order: once the later view's are in, the earlier ones would be.
    wait_until(lambda: len(trace(receiver, sampled)) >= 9, timeout=40, what="the sampled view's spans")
    reported = {s.attributes.get("user_agent") for s in receiver.received()}
    assert "python-requests" in " ".join(filter(None, reported)) and reported.isdisjoint(unsampled)


def test_a_workload_can_report_to_the_zipkin_provider(stack, receiver, zipkin):
    change(stack, "apply", "-f", "-", stdin=telemetry("ratings-zipkin", """  selector: {matchLabels: {app: ratings}}
  tracing: [{providers: [{name: zipkin}]}]
"""))
    try:
        trace_id = view_reaching_ratings(stack)

        def zipkin_spans() -> list[dict]:
            return [span for r in zipkin.requests("/api/v2/spans") for span in json.loads(r.body)]

        wait_until(lambda: any(s["traceId"] == trace_id for s in zipkin_spans()), timeout=40,
                   what="ratings' proxy span at the Zipkin receiver")
        span = next(s for s in zipkin_spans() if s["traceId"] == trace_id)
        assert span["kind"] == "SERVER" and span["tags"]["istio.canonical_service"] == "ratings"
        assert not any(s.service == "ratings.default" and s.scope == ENVOY for s in trace(receiver, trace_id))
    finally:
        stack.run("delete", "telemetry", "ratings-zipkin")
